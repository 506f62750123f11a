"""The committed gold set: its size, its categories, and every quote found in the articles."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.evaluate.metrics import contains
from assistant.evaluate.run import load_questions
from assistant.ingest.articles import read_article

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "eval" / "seed_questions.jsonl"
CORPUS = ROOT / "corpus"
HERALD, JAPAN_NEWS = "000_34b534e24a918345", "001_7118ffbf18bc5e17"


@pytest.fixture(scope="module")
def questions() -> list[dict]:
    return load_questions(GOLD)


@pytest.fixture(scope="module")
def articles() -> dict[str, str]:
    """Cleaned text of each seed article, by document id."""
    return {path.stem: read_article(path, CORPUS).text for path in sorted(CORPUS.glob("*.txt"))}


@pytest.fixture(scope="module")
def raw_files() -> dict[str, str]:
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.txt"))}


def test_size_and_unique_ids(questions: list[dict]) -> None:
    assert len(questions) >= 40
    ids = [q["id"] for q in questions]
    assert len(set(ids)) == len(ids)


def test_the_design_example_is_included(questions: list[dict]) -> None:
    example = next(q for q in questions if q["question"] == "What did Kishida say about the 1998 declaration?")
    assert example["relevant_docs"] == [HERALD] and example["answerable"]
    assert "previous Cabinets" in example["answer"]


def test_answerable_questions_have_quotes_documents_and_answer_words(questions: list[dict], articles: dict) -> None:
    for q in questions:
        if q["answerable"]:
            assert q["relevant"] and q["relevant_docs"] and q["answer"], q["id"]
            assert set(q["relevant_docs"]) <= set(articles), q["id"]
        else:
            assert not q["relevant"] and not q["relevant_docs"], q["id"]


def test_every_quote_occurs_in_a_relevant_article(questions: list[dict], articles: dict) -> None:
    for q in questions:
        for quote in q["relevant"]:
            assert any(contains(articles[doc], quote) for doc in q["relevant_docs"]), (q["id"], quote)


def test_every_relevant_document_holds_a_quote(questions: list[dict], articles: dict) -> None:
    for q in questions:
        for doc in q["relevant_docs"]:
            assert any(contains(articles[doc], quote) for quote in q["relevant"]), (q["id"], doc)


def test_every_answer_phrase_is_in_a_quote_or_a_relevant_article(questions: list[dict], articles: dict) -> None:
    for q in questions:
        sources = q["relevant"] + [articles[doc] for doc in q["relevant_docs"]]
        for phrase in q["answer"]:
            assert any(contains(source, phrase) for source in sources), (q["id"], phrase)


def test_follow_ups_point_to_earlier_questions(questions: list[dict]) -> None:
    earlier: set[str] = set()
    follow_ups = 0
    for q in questions:
        if "follows" in q:
            assert q["follows"] in earlier, q["id"]
            follow_ups += 1
        earlier.add(q["id"])
    assert follow_ups >= 5


def test_at_least_five_questions_are_answered_by_both_outlets(questions: list[dict], articles: dict) -> None:
    both = []
    for q in questions:
        if set(q["relevant_docs"]) == {HERALD, JAPAN_NEWS}:
            # a quote from each outlet, not just two document ids
            assert any(contains(articles[HERALD], quote) for quote in q["relevant"]), q["id"]
            assert any(contains(articles[JAPAN_NEWS], quote) for quote in q["relevant"]), q["id"]
            both.append(q["id"])
    assert len(both) >= 5


def test_unanswerable_questions_include_page_furniture(questions: list[dict], articles: dict, raw_files: dict) -> None:
    unanswerable = [q for q in questions if not q["answerable"]]
    assert len(unanswerable) >= 8
    furniture = [q for q in unanswerable if "furniture" in q]
    assert len(furniture) >= 3
    assert len(unanswerable) - len(furniture) >= 3  # related to the articles but not covered
    for q in furniture:
        # The headline that seems to answer it is in the raw file, but not in the cleaned text.
        assert any(contains(raw, q["furniture"]) for raw in raw_files.values()), q["id"]
        assert not any(contains(text, q["furniture"]) for text in articles.values()), q["id"]


def test_numbers_and_dates_from_the_articles_are_asked_about(questions: list[dict]) -> None:
    answers = {phrase for q in questions for phrase in q["answer"]}
    for expected in (
        "12th",
        "60th anniversary",
        "12 years",
        "August 2023",
        "March last year",
        "May last year",
        "fifth",
    ):
        assert expected in answers
