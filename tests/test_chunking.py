"""Sentence splitting and chunking: whole sentences, whole quotations, exact offsets."""

from __future__ import annotations

import pytest

from assistant.ingest.articles import parse_article, read_article
from assistant.ingest.chunking import chunk_article
from assistant.text.sentences import split_sentences

from .conftest import CORPUS, HERALD, JAPAN_NEWS


def sentences(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text)]


def test_a_quotation_with_several_sentences_stays_one_sentence():
    text = (
        "“With President Yoon, I was able to open a new chapter in Japan-Korea relations. "
        "We must continue on this path,” Kishida said to reporters in Seoul after the meeting. "
        "“This is an example of the growing trust between our two countries,” he added."
    )
    assert sentences(text) == [
        "“With President Yoon, I was able to open a new chapter in Japan-Korea relations. "
        "We must continue on this path,” Kishida said to reporters in Seoul after the meeting.",
        "“This is an example of the growing trust between our two countries,” he added.",
    ]


def test_abbreviations_and_initials_do_not_end_sentences():
    text = "Japan PM Kishida met S. Korea's Yoon on Sept. 6 in the U.S. embassy. Talks went well."
    assert sentences(text) == [
        "Japan PM Kishida met S. Korea's Yoon on Sept. 6 in the U.S. embassy.",
        "Talks went well.",
    ]


def test_a_sentence_ending_inside_quotes_ends_at_the_closing_quote():
    text = 'He said, "We are ready." Then he left.'
    assert sentences(text) == ['He said, "We are ready."', "Then he left."]


def test_line_breaks_end_sentences_even_with_an_unbalanced_quote():
    text = 'He said "this never closes\nNext paragraph starts here.'
    assert sentences(text) == ['He said "this never closes', "Next paragraph starts here."]


@pytest.mark.parametrize("doc_id", [HERALD, JAPAN_NEWS])
@pytest.mark.parametrize(("size", "overlap"), [(110, 25), (40, 10), (300, 50)])
def test_chunks_are_whole_sentences_with_exact_offsets(doc_id: str, size: int, overlap: int):
    article = read_article(CORPUS / f"{doc_id}.txt", CORPUS)
    spans = split_sentences(article.text)
    starts = {s.start for s in spans}
    ends = {s.end for s in spans}
    chunks = chunk_article(article, size, overlap)
    assert chunks[0].start == spans[0].start and chunks[-1].end == spans[-1].end
    for chunk in chunks:
        assert chunk.text == article.text[chunk.start : chunk.end]
        assert chunk.start in starts and chunk.end in ends
        assert (chunk.doc_id, chunk.title, chunk.outlet, chunk.published) == (
            doc_id,
            article.title,
            article.outlet,
            article.published,
        )
    # Every sentence is in some chunk, and chunks move forward.
    for span in spans:
        assert any(c.start <= span.start and span.end <= c.end for c in chunks)
    assert [c.start for c in chunks] == sorted({c.start for c in chunks})


def test_chunk_size_and_overlap_in_words():
    sentence = "One two three four five six seven eight nine ten."  # 10 words
    article = parse_article(" ".join([sentence] * 10).encode(), ".txt", "tens")
    chunks = chunk_article(article, size=30, overlap=10)
    # Chunks start every 2 sentences: 3 sentences each, the last one carried over.
    assert [c.words for c in chunks] == [30, 30, 30, 30, 20]
    assert chunks[1].start == article.text.index(sentence, chunks[0].end - len(sentence) - 1)
    assert len(chunk_article(article, size=30, overlap=0)) == 4  # 3+3+3+1


def test_a_sentence_longer_than_the_chunk_size_is_its_own_chunk():
    long_sentence = "Long " + " ".join(["word"] * 49) + "."
    article = parse_article(f"Short one. {long_sentence} Short two.".encode(), ".txt", "long")
    chunks = chunk_article(article, size=20, overlap=0)
    assert [c.text for c in chunks] == ["Short one.", long_sentence, "Short two."]


@pytest.mark.parametrize(("size", "overlap"), [(0, 0), (10, 10), (10, -1)])
def test_bad_sizes_are_refused_with_the_value(size: int, overlap: int):
    article = parse_article(b"A sentence.", ".txt", "x")
    with pytest.raises(ValueError, match="Currently"):
        chunk_article(article, size, overlap)
