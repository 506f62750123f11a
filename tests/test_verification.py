"""The verifier on hand-written claims and on real passages of the seed articles.

Expected values come from reading the two seed articles: the Korea Herald quotes Kishida
upholding "the positions of previous Cabinets ... including the 1998 Joint Declaration";
neither article says who won any election.
"""

from __future__ import annotations

import pytest

from assistant.answer.result import Answer, Citation
from assistant.answer.verification import (
    Claim,
    is_supported,
    parse_claims,
    supported_sentences,
    verify,
)
from assistant.retrieve.retrievers import Passage

from .conftest import HERALD, JAPAN_NEWS

KISHIDA_QUOTE = (
    '"I have also made it clear that I fully uphold the positions of previous Cabinets regarding historical '
    'awareness, including the 1998 Joint Declaration between Japan and Korea," Kishida reiterated.'
)


# --- is_supported on hand-written text ---------------------------------------------------


def test_a_verbatim_quote_is_supported() -> None:
    assert is_supported(
        "I fully uphold the positions of previous Cabinets regarding historical awareness", KISHIDA_QUOTE
    )


def test_a_faithful_paraphrase_is_supported() -> None:
    claim = "Kishida said he upholds the positions of previous Cabinets, including the 1998 Joint Declaration [1]."
    assert is_supported(claim, KISHIDA_QUOTE)


@pytest.mark.parametrize(
    "claim",
    [
        "The 2024 lower house election was won by the Democratic Party of Japan.",  # invented topic and names
        "Kishida reiterated that he upholds the 1999 Joint Declaration.",  # wrong number
        "Yoon said he upholds the positions of previous Cabinets.",  # wrong speaker
        "Kishida said he does not uphold the positions of previous Cabinets.",  # negation the passage lacks
        "Yoon Suk Yeol The Korea Herald.",  # names only: nothing to check
        "",
    ],
)
def test_unsupported_claims(claim: str) -> None:
    assert not is_supported(claim, KISHIDA_QUOTE)


def test_an_outlet_named_as_source_is_supported_only_with_the_source() -> None:
    claim = "According to The Korea Herald, I fully uphold the positions of previous Cabinets regarding history."
    assert not is_supported(claim, KISHIDA_QUOTE)
    assert is_supported(claim, KISHIDA_QUOTE, sources=["The Korea Herald"])


def test_parse_claims_takes_markers_inside_or_right_after_a_sentence() -> None:
    text = "Kishida upholds it [1]. He said so. [2][3] The third [1, 4].\n- A bullet [2]\nNo marker here."
    assert parse_claims(text) == [
        Claim("Kishida upholds it.", (1,)),
        Claim("He said so.", (2, 3)),
        Claim("The third.", (1, 4)),
        Claim("A bullet", (2,)),
        Claim("No marker here.", ()),
    ]


# --- verify() on real passages -----------------------------------------------------------


@pytest.fixture(scope="module")
def passages(seed_assistant) -> list[Passage]:
    """Passage 1: the Herald chunk with Kishida's 1998 quote; passage 2: a Japan News chunk."""
    found = seed_assistant.retrieve("What did Kishida say about the 1998 declaration?", k=20)
    herald = next(p for p in found if "1998 Joint Declaration" in p.chunk.text)
    japan = next(p for p in found if p.chunk.doc_id == JAPAN_NEWS and "memorandum of understanding" in p.chunk.text)
    return [herald, japan]


def test_verify_removes_an_invented_sentence_and_a_citation_to_no_passage(passages, seed_assistant) -> None:
    text = (
        "Kishida said he fully upholds the positions of previous Cabinets, including the 1998 Joint Declaration [1]. "
        "The 2024 lower house election was won by the Liberal Democratic Party [1]. "
        "Yoon and Kishida have met 40 times [7]."
    )
    checked = verify(text, passages)
    assert checked.answer == (
        "Kishida said he fully upholds the positions of previous Cabinets, including the 1998 Joint Declaration. [1]"
    )
    assert checked.removed == [
        "The 2024 lower house election was won by the Liberal Democratic Party.",
        "Yoon and Kishida have met 40 times.",
    ]
    [citation] = checked.citations
    assert citation.n == 1 and citation.doc_id == HERALD
    # The citation is the supporting sentence itself, at its exact offsets in the cleaned article.
    assert citation.text == KISHIDA_QUOTE
    assert seed_assistant.index.document_text(HERALD)[citation.start : citation.end] == citation.text


def test_verify_renumbers_citations_to_the_passages_that_remain(passages) -> None:
    text = (
        "The Japan News reports that Kishida said a memorandum of understanding was signed [2][5]. "
        "Kishida fully upholds the positions of previous Cabinets [1]."
    )
    checked = verify(text, passages)
    assert checked.answer == (
        "The Japan News reports that Kishida said a memorandum of understanding was signed. [1] "
        "Kishida fully upholds the positions of previous Cabinets. [2]"
    )
    assert [(c.n, c.doc_id) for c in checked.citations] == [(1, JAPAN_NEWS), (2, HERALD)]
    assert "memorandum of understanding" in checked.citations[0].text
    assert checked.removed == []


def test_a_sentence_without_a_citation_is_removed(passages) -> None:
    checked = verify("Kishida fully upholds the positions of previous Cabinets.", passages)
    assert checked.answer == "" and checked.citations == []
    assert checked.removed == ["Kishida fully upholds the positions of previous Cabinets."]


def test_a_citation_that_does_not_support_is_dropped_from_a_kept_sentence(passages) -> None:
    checked = verify("Kishida fully upholds the positions of previous Cabinets [2][1].", passages)
    assert checked.answer == "Kishida fully upholds the positions of previous Cabinets. [1]"
    assert [c.doc_id for c in checked.citations] == [HERALD]


def test_supported_sentences_checks_a_finished_answer() -> None:
    citation = Citation(1, HERALD, "t", "The Korea Herald", "2024-09-06", KISHIDA_QUOTE, 0, len(KISHIDA_QUOTE), 1.0)
    answer = Answer(
        question="q",
        mode="extractive",
        answer=f"According to The Korea Herald, {KISHIDA_QUOTE} [1]\nThe summit was held on the Moon. [1]\nNo marker.",
        citations=[citation],
    )
    assert supported_sentences(answer) == [True, False, False]


# --- negation: a flip in either direction is caught -----------------------------------------

UPHOLD = "Kishida said Japan would uphold the 1998 declaration, officials confirmed."
NOT_UPHOLD = "Kishida said Japan would not uphold the 1998 declaration, officials confirmed."


@pytest.mark.parametrize(
    ("claim", "evidence"),
    [
        ("Japan would uphold the 1998 declaration [1].", NOT_UPHOLD),  # "not" dropped
        ("Japan would not uphold the 1998 declaration [1].", UPHOLD),  # "not" added
        ("Japan will never uphold the 1998 declaration [1].", UPHOLD),
        ("Japan no longer upholds the 1998 declaration [1].", "Japan upholds the 1998 declaration, Kishida said."),
        ("Japan won't uphold the 1998 declaration [1].", "Japan will uphold the 1998 declaration, Kishida said."),
        ("Japan will uphold the 1998 declaration [1].", "Japan won't uphold the 1998 declaration, Kishida said."),
        # The evidence holds some other negation, so a check of "any negation at all" passes it.
        (
            "Kishida said he does not uphold the positions of previous Cabinets.",
            KISHIDA_QUOTE + " He did not elaborate.",
        ),
    ],
)
def test_a_negation_flip_is_not_supported(claim: str, evidence: str) -> None:
    assert not is_supported(claim, evidence)


@pytest.mark.parametrize(
    ("claim", "evidence"),
    [
        ("Japan would uphold the 1998 declaration [1].", UPHOLD),
        ("Japan would not uphold the 1998 declaration [1].", NOT_UPHOLD),
        ("Japan will no longer uphold the 1998 declaration [1].", "Japan will no longer uphold the 1998 declaration."),
        ("Japan won't uphold the 1998 declaration [1].", "Japan would never uphold the 1998 declaration."),
    ],
)
def test_the_same_polarity_is_supported(claim: str, evidence: str) -> None:
    assert is_supported(claim, evidence)


def test_not_only_is_no_negation() -> None:
    evidence = "Japan will not only uphold the 1998 declaration but also expand exchanges, Kishida said."
    assert is_supported("Japan will uphold the 1998 declaration [1].", evidence)


# --- quotations: only a meaningful span, with its sentence's polarity ----------------------


@pytest.mark.parametrize(
    "claim",
    [
        "I have also made it",  # 19 characters verbatim, cut mid-clause: says nothing the passage says
        "the 1998 Joint Declaration between Japan",  # cut inside a phrase
        "ully uphold the positions of previous Cabinets regarding historical awarenes",  # not whole words
    ],
)
def test_a_quotation_cut_mid_clause_is_not_supported(claim: str) -> None:
    assert not is_supported(claim, KISHIDA_QUOTE)


def test_a_whole_sentence_of_the_passage_is_supported_however_few_its_content_words() -> None:
    evidence = "The institute surveyed 36,000 adults. The last two surveys were in 2015 and 2009. Few changed."
    assert is_supported("The last two surveys were in 2015 and 2009. [1]", evidence)
    assert not is_supported("two reports were in 2014", evidence)  # a piece of it says less


def test_a_quotation_that_leaves_out_the_not_is_not_supported() -> None:
    evidence = "Kishida said Japan would not sign the fisheries agreement this year."
    assert not is_supported("sign the fisheries agreement this year", evidence)
    assert not is_supported('Kishida said Japan would "sign the fisheries agreement this year" [1].', evidence)
    assert is_supported("Japan would not sign the fisheries agreement this year", evidence)


def test_a_whole_clause_quoted_out_of_a_negated_sentence_is_not_supported() -> None:
    evidence = "Kishida did not say that Japan would sign the fisheries agreement this year."
    assert not is_supported("Japan would sign the fisheries agreement this year.", evidence)


def test_words_put_in_quotation_marks_must_be_in_the_passage_verbatim() -> None:
    assert not is_supported(
        'Kishida said he "wholeheartedly upholds" the positions of previous Cabinets.', KISHIDA_QUOTE
    )
    assert is_supported('Kishida said he would "fully uphold the positions of previous Cabinets" [1].', KISHIDA_QUOTE)


# --- relevance: a supported sentence must also answer the question -------------------------


def test_a_supported_sentence_off_the_question_is_removed(passages) -> None:
    claim = "Kishida fully upholds the positions of previous Cabinets [1]."
    on_question = verify(claim, passages, question="What did Kishida say about the 1998 declaration?")
    assert on_question.answer == "Kishida fully upholds the positions of previous Cabinets. [1]"
    off_question = verify(claim, passages, question="Until what time will the Tokyo library stay open on weekdays?")
    assert off_question.answer == "" and off_question.citations == []
    assert off_question.removed == ["Kishida fully upholds the positions of previous Cabinets."]
    # Without a question only support is checked: relevance is what removed it.
    assert verify(claim, passages).answer == on_question.answer
