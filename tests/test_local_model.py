"""The local mode with the real SmolLM2-135M-Instruct GGUF (llama-cpp-python, offline).

The model is tiny and invents answers from its own memory; these tests run it for real and
show the verifier catching that: what reaches the user is supported by the cited passages.
"""

from __future__ import annotations

import pytest

from assistant.answer.generation import build_answerer
from assistant.answer.result import Answer, Turn
from assistant.answer.verification import is_supported, supported_sentences

from .conftest import make_assistant

pytestmark = [pytest.mark.local_model, pytest.mark.slow]

GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
KISHIDA = "What did Kishida say about the 1998 declaration?"


@pytest.fixture(scope="module")
def local_assistant(seed_store, embedder, local_llm):
    assistant = make_assistant(seed_store, embedder, mode="local")
    assistant.register_answerer(build_answerer("local", assistant.settings, llm=local_llm))
    return assistant


def test_the_verifier_catches_what_the_model_invents(local_assistant) -> None:
    question = "Who won the 2024 lower house election?"
    passages = local_assistant.retrieve(question)
    answerer = local_assistant.answerer_for("local")
    given = answerer.given(passages)
    # Neither seed article says who won an election: ask the model anyway (no abstention gate).
    never_abstains = local_assistant.settings.model_copy(update={"abstain_threshold": 0.0})
    forced = build_answerer("local", never_abstains, llm=answerer.llm)
    answer = forced.answer(question, passages)
    assert answer.model == GGUF and answer.mode == "local"
    # The model answered from its own memory; the verifier removed every such sentence ...
    invented = [s for s in answer.removed_sentences if not any(is_supported(s, p.chunk.text) for p in given)]
    assert invented
    # ... and none of it reaches the answer (what stands in is the extractive answer).
    assert invented and not any(sentence in answer.answer for sentence in invented)


def test_a_local_answer_is_faithful_and_cites_exact_passages(local_assistant) -> None:
    answer = local_assistant.ask(KISHIDA)
    assert answer.mode == "local" and answer.model == GGUF and not answer.abstained
    assert answer.citations and all(supported_sentences(answer))
    for citation in answer.citations:
        text = local_assistant.index.document_text(citation.doc_id)
        assert text[citation.start : citation.end] == citation.text
    assert "previous Cabinets" in answer.answer


def test_the_local_mode_streams_then_gives_the_answer(local_assistant) -> None:
    *texts, final = list(local_assistant.stream("When was the Camp David Summit held?"))
    assert isinstance(final, Answer) and texts and texts[-1] == final.answer
    assert all(supported_sentences(final))
    assert "August 2023" in final.answer


def test_the_local_model_condenses_a_follow_up_or_the_rule_does(local_assistant) -> None:
    first = local_assistant.ask(KISHIDA, mode="extractive")
    standalone = local_assistant.standalone("And what did Yoon say?", [Turn(KISHIDA, first)], mode="local")
    assert "Yoon" in standalone and "1998" in standalone
