"""Retrieval on the real seed articles: hybrid, speakers, filters, diversity, abstention."""

from __future__ import annotations

import pytest

from assistant.retrieve.retrievers import Filters

from .conftest import HERALD, JAPAN_NEWS

pytestmark = pytest.mark.slow

YOON_TRILATERAL = "improvement in Korea-Japan relations has become a crucial foundation"


@pytest.mark.parametrize("retriever", ["hybrid", "rrf", "dense", "bm25"])
def test_every_retriever_finds_the_1998_declaration_passage(seed_assistant, retriever: str):
    passages = seed_assistant.retrieve("What did Kishida say about the 1998 declaration?", k=3, retriever=retriever)
    assert passages and len(passages) <= 3
    assert "1998 Joint Declaration" in passages[0].chunk.text


def test_yoon_quotation_ranks_first_for_what_yoon_said(seed_assistant):
    passages = seed_assistant.retrieve("What did Yoon say about trilateral cooperation?", k=5)
    best = passages[0].sentences[0].sentence
    assert YOON_TRILATERAL in best.text
    assert best.speaker == "Yoon Suk Yeol"


def test_speaker_is_preferred_over_a_mere_mention(seed_assistant):
    # Both articles mention Yoon in many sentences; the ones he *said* come first.
    passages = seed_assistant.retrieve("What did Yoon say?", k=5)
    assert passages[0].sentences[0].sentence.speaker == "Yoon Suk Yeol"
    # And for Kishida, the Japan News quotation or a Herald quotation of his, never Yoon's.
    kishida = seed_assistant.retrieve("What did Kishida say to reporters after the meeting?", k=5)
    assert kishida[0].sentences[0].sentence.speaker == "Fumio Kishida"
    assert "new chapter" in kishida[0].sentences[0].sentence.text


def test_chunks_carry_their_speakers(seed_assistant):
    chunks = seed_assistant.index.all_chunks()
    with_yoon = [c for c in chunks if "Yoon Suk Yeol" in c.speakers]
    assert with_yoon and all(c.doc_id in (HERALD, JAPAN_NEWS) for c in with_yoon)
    assert {s for c in chunks for s in c.speakers} == {"Yoon Suk Yeol", "Fumio Kishida"}


def test_same_fact_from_both_outlets_is_in_the_top_results(seed_assistant):
    passages = seed_assistant.retrieve("What did the two countries sign to protect their citizens abroad?", k=3)
    assert {p.chunk.doc_id for p in passages} == {HERALD, JAPAN_NEWS}
    texts = " ".join(p.chunk.text for p in passages)
    assert "formal agreement" in texts and "memorandum of understanding" in texts


def test_hybrid_results_are_not_near_duplicates(seed_assistant):
    passages = seed_assistant.retrieve("Kishida Yoon relations", k=5)
    best = [(p.chunk.doc_id, p.sentences[0].sentence.start) for p in passages]
    assert len(best[:2]) == len(set(best[:2]))


@pytest.mark.parametrize("retriever", ["hybrid", "dense", "bm25"])
def test_outlet_filter(seed_assistant, retriever: str):
    passages = seed_assistant.retrieve(
        "What was signed?", k=5, filters=Filters(outlet="The Japan News"), retriever=retriever
    )
    assert passages and {p.chunk.doc_id for p in passages} == {JAPAN_NEWS}


@pytest.mark.parametrize(
    ("since", "until", "found"),
    [
        ("2024-09-06", "2024-09-06", True),
        ("2024-09-07", None, False),
        (None, "2024-09-05", False),
        ("2024-01-01", "2024-12-31", True),
    ],
)
def test_date_filter(seed_assistant, since, until, found: bool):
    passages = seed_assistant.retrieve("Kishida visit to Seoul", k=5, filters=Filters(since=since, until=until))
    assert bool(passages) is found


@pytest.mark.parametrize(
    "question",
    [
        "Is the ruling camp likely to win a lower house majority in the 2024 polls?",
        "Did Komeito leader Keiichi Ishii win his seat?",
        "Why are streaming services boosting anime popularity overseas?",
        "Did Shigeru Ishiba win the runoff?",
    ],
)
def test_questions_only_page_furniture_answers_abstain(seed_assistant, question: str):
    answer = seed_assistant.ask(question)
    assert answer.abstained, answer.answer
    assert answer.citations == []


def test_a_word_only_in_the_title_finds_the_article(tmp_path, embedder):
    """Titles are indexed with the text: a question worded like the headline finds the article."""
    from .conftest import make_assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "zoo.txt").write_text(
        "---\ntitle: Panda cub born at the city zoo\noutlet: Example\n---\n"
        "Keepers said the newborn weighed about 150 grams. The mother is doing well, they added.\n"
    )
    (corpus / "council.txt").write_text(
        "---\ntitle: Council approves budget\noutlet: Example\n---\n"
        "The council voted to approve the budget on Monday. Spending rises by two percent.\n"
    )
    assistant = make_assistant(tmp_path / "store", embedder)
    assistant.ingest([corpus])
    for retriever in ("bm25", "dense", "hybrid"):
        top = assistant.retrieve("panda", k=1, retriever=retriever)
        assert top[0].chunk.doc_id == "zoo", retriever


def test_a_name_the_articles_never_mention_lowers_the_confidence(seed_assistant):
    known = seed_assistant.ask("What did Kishida say about the 1998 declaration?")
    unknown = seed_assistant.ask("What did Kishida say about the Zanzibar declaration?")
    assert 0.0 <= unknown.confidence < known.confidence <= 1.0
    assert not known.abstained


def test_abstention_is_monotonic_in_its_evidence():
    """A hand check of the model: more of the question's names found means more confidence."""
    from assistant.answer.abstention import Abstention
    from assistant.ingest.chunking import Chunk
    from assistant.retrieve.retrievers import Passage

    chunk = Chunk("d#0", "d", 0, "text", 0, 4, "title", "outlet", None)
    model = Abstention({"bias": -1.0, "names": 2.0}, 0.5)

    def passages(names: float) -> list[Passage]:
        features = {"logit": 0.0, "sentence": 0.5, "terms": 0.5, "names": names, "rare_missing": 0.0}
        return [Passage(chunk, 0.0, features=features)]

    # sigmoid(-1 + 2 * 0) = 0.2689, sigmoid(-1 + 2 * 1) = 0.7311
    assert model.confidence(passages(0.0)) == pytest.approx(0.2689, abs=1e-4)
    assert model.confidence(passages(1.0)) == pytest.approx(0.7311, abs=1e-4)
    assert model.abstains(passages(0.0)) and not model.abstains(passages(1.0))


def test_a_question_reads_the_store_state_once(seed_assistant, monkeypatch):
    """Whether the store changed is checked once a question (its retrieval, keyword index and
    reranker then share what that check saw), not once for each step."""
    index = seed_assistant.index
    reads = []
    real = index.contents_fingerprint
    monkeypatch.setattr(index, "contents_fingerprint", lambda: reads.append(1) or real())
    answer = seed_assistant.ask("What did Kishida say about the 1998 declaration?")
    assert not answer.abstained
    assert len(reads) == 1
