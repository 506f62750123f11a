"""Follow-up questions: the extractive carry-over rule, the LLM condensing with its fallback,
the follow-up pair from the issue on the real seed store, and the ``chat`` command."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from assistant.answer.result import Answer, Citation, Turn
from assistant.cli import main
from assistant.dialogue.followups import carry_over, standalone_question, usable_rewrite
from assistant.dialogue.responses import response_to
from assistant.store.index import SentenceRecord

from .conftest import HERALD, make_assistant
from .fake_llm_servers import FakeOpenAIServer

KISHIDA = "What did Kishida say about the 1998 declaration?"
YOON = "And what did Yoon say?"


@pytest.mark.parametrize(
    "question",
    [
        "When was the Camp David Summit held?",
        "How many times have Kishida and Yoon met?",
        "Who will succeed Kishida as prime minister?",
        "What did Yoon say about the Fukushima water release?",
    ],
)
def test_a_self_contained_question_is_searched_as_asked(question: str) -> None:
    assert carry_over(question, KISHIDA) == question


@pytest.mark.parametrize(
    "previous,question,carried",
    [
        # No topic of its own: the previous topic is carried in.
        (KISHIDA, YOON, ["Yoon", "1998 declaration"]),
        (KISHIDA, "What about Yoon?", ["Yoon", "1998 declaration"]),
        (
            "What did Kishida say about the people who endured painful experiences?",
            "When did he say that?",
            ["Kishida", "about the people who endured painful experiences"],  # "that" is what he said
        ),
        # A pronoun with a topic of its own: the pronoun is resolved, nothing else added.
        ("When was the Camp David Summit held?", "Which countries took part in it?", ["Camp David Summit"]),
        ("What did Kishida tell reporters in Seoul?", "What was he referring to?", ["Kishida"]),
    ],
)
def test_a_follow_up_that_cannot_stand_alone_gets_what_it_leans_on(
    previous: str, question: str, carried: list[str]
) -> None:
    rewritten = carry_over(question, previous)
    assert all(part in rewritten for part in carried), rewritten
    assert not re.search(r"\b(?:he|it)\b", rewritten), rewritten


def test_a_pronoun_follow_up_with_its_own_topic_does_not_take_the_previous_topic() -> None:
    rewritten = carry_over("How many times have they met?", KISHIDA)
    assert "1998" not in rewritten and "met" in rewritten and "Kishida" in rewritten


QUOTE = (
    '"I have also made it clear that I fully uphold the positions of previous Cabinets regarding historical '
    'awareness, including the 1998 Joint Declaration between Japan and Korea," Kishida reiterated. [1]'
)


def _turn(question: str, searched: str | None = None, answer: str = QUOTE) -> Turn:
    return Turn(question, Answer(question=question, mode="extractive", answer=answer, searched=searched))


def test_the_latest_standalone_question_is_what_a_follow_up_builds_on() -> None:
    history = [_turn(KISHIDA), _turn(YOON, "What did Yoon say about the 1998 declaration?")]
    assert standalone_question("What about Kishida?", history) == "What did Kishida say about the 1998 declaration?"


def test_a_usable_llm_rewrite_is_taken_and_garbage_falls_back_to_the_rule() -> None:
    history = [_turn(KISHIDA)]
    good = "What did Yoon say about the 1998 Joint Declaration?"
    assert standalone_question(YOON, history, lambda q, h: good) == good
    for garbage in [
        "",
        "   ",
        "Sorry, as an AI I cannot help.",
        "Yoon said the 1998 declaration was historic [1].",
        "What did Moon Jae-in say about the 1998 declaration?",
        "x" * 400,
    ]:
        assert not usable_rewrite(garbage, YOON, history)
        assert (
            standalone_question(YOON, history, lambda q, h, g=garbage: g)
            == "What did Yoon say about the 1998 declaration?"
        )


def test_the_follow_up_pair_works_in_extractive_mode(seed_assistant) -> None:
    first = seed_assistant.ask(KISHIDA)
    assert "previous Cabinets" in first.answer
    second = seed_assistant.ask(YOON, history=[Turn(KISHIDA, first)])
    assert "Yoon" in second.searched and "1998 declaration" in second.searched
    assert second.question == YOON and not second.abstained
    # Yoon's statements, not Kishida's quotation again.
    assert "previous Cabinets" not in second.answer
    assert second.citations and all("Yoon" in c.text for c in second.citations)


def test_how_someone_responded_is_their_next_statement_in_the_article(seed_assistant) -> None:
    question = "What did Yoon say about Kishida's visit to Seoul?"
    first = seed_assistant.ask(question)
    assert "strong commitment" in first.answer and first.citations[0].doc_id == HERALD
    second = seed_assistant.ask("And how did Kishida respond?", history=[Turn(question, first)])
    # In The Korea Herald, Kishida's first statement after Yoon's is "Kishida echoed this sentiment, ...".
    assert second.answer.startswith("Kishida echoed this sentiment, highlighting the need for a future-oriented")
    assert second.citations[0].doc_id == HERALD and second.citations[0].text.startswith("Kishida echoed")
    assert not any("Yoon praised" in c.text for c in second.citations)


def _sentence(start: int, speaker: str | None, doc_id: str = "a") -> SentenceRecord:
    return SentenceRecord(doc_id, start, start + 9, f"sentence at {start}", speaker)


def _citation(doc_id: str, start: int, end: int) -> Citation:
    return Citation(1, doc_id, "t", "o", None, "x" * (end - start), start, end, 1.0)


def test_a_response_is_found_after_the_cited_spans_and_not_far_after() -> None:
    sentences = [_sentence(0, "Yoon Suk Yeol"), _sentence(10, "Yoon Suk Yeol"), _sentence(20, None)]
    sentences += [_sentence(30, "Fumio Kishida"), _sentence(40, "Fumio Kishida"), _sentence(5, "Fumio Kishida", "b")]
    cited = [_citation("a", 0, 9), _citation("a", 10, 19)]
    assert response_to("And how did Kishida respond?", cited, sentences) == sentences[3]
    assert response_to("How did Kishida react?", cited, sentences) == sentences[3]
    # Not a question about a response; a person the article does not quote; nothing cited.
    assert response_to("And what did Kishida say?", cited, sentences) is None
    assert response_to("How did Moon respond?", cited, sentences) is None
    assert response_to("How did Kishida respond?", [], sentences) is None
    # Kishida's statement before the cited spans is not a response to them.
    assert response_to("How did Kishida respond?", [_citation("a", 30, 39)], sentences) == sentences[4]
    far = [_sentence(0, "Yoon Suk Yeol"), *(_sentence(10 * i, None) for i in range(1, 8)), _sentence(80, "Kishida")]
    assert response_to("How did Kishida respond?", [_citation("a", 0, 9)], far) is None


def test_llm_modes_condense_with_the_prompt_and_fall_back_when_it_fails(seed_store, embedder) -> None:
    replies = iter(["What did Yoon say about the 1998 Joint Declaration?", "Sure! Here you go: [1]"])

    def reply(messages: list[dict]) -> str:
        return next(replies)

    with FakeOpenAIServer(reply) as server:
        assistant = make_assistant(seed_store, embedder, mode="openai", openai_base_url=server.base_url)
        history = [_turn(KISHIDA)]
        assert assistant.standalone(YOON, history) == "What did Yoon say about the 1998 Joint Declaration?"
        assert assistant.standalone(YOON, history) == "What did Yoon say about the 1998 declaration?"
        condense_request = server.requests[0]["messages"][-1]["content"]
    assert "User: " + KISHIDA in str(condense_request) and "Last question: " + YOON in str(condense_request)


def test_chat_keeps_the_conversation_and_starts_over_on_reset(seed_store) -> None:
    lines = f"{KISHIDA}\n{YOON}\n/reset\n{YOON}\n"
    result = CliRunner().invoke(main, ["chat", "--store", str(seed_store)], input=lines)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.count("Sources:") == 3 and "(conversation cleared)" in out
    before, after = out.split("(conversation cleared)")
    # The conversation carried the topic into the follow-up; after the reset it is asked alone.
    assert "previous Cabinets" in before
    assert "(searched as: What did Yoon say about the 1998 declaration?)" in before
    assert "(searched as:" not in after


def test_chat_takes_the_filter_options(seed_store) -> None:
    result = CliRunner().invoke(
        main, ["chat", "--store", str(seed_store), "--outlet", "The Japan News"], input="What did Kishida say?\n"
    )
    assert result.exit_code == 0, result.output
    assert "The Korea Herald" not in result.stdout and "The Japan News" in result.stdout
