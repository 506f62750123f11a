"""The keyword index: Lucene BM25 by hand, against bm25s, and updated in place like a rebuild."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from assistant.ingest.articles import read_article
from assistant.ingest.chunking import Chunk, chunk_article
from assistant.store.keyword import KeywordIndex
from tests.conftest import CORPUS

QUERIES = [
    "What did Kishida say about the 1998 declaration?",
    "trilateral cooperation with the United States",
    "Yoon Suk Yeol summit Seoul",
    "Kishida farewell visit to Seoul",
    "Japan South Korea relations visit",
]


def chunk(doc: str, index: int, text: str, title: str = "") -> Chunk:
    return Chunk(f"{doc}#{index}", doc, index, text, 0, len(text), title, "Wire", None)


def same_ranking(got: list[tuple[str, float]], expected: list[tuple[str, float]]) -> bool:
    return [cid for cid, _ in got] == [cid for cid, _ in expected] and [s for _, s in got] == pytest.approx(
        [s for _, s in expected], rel=1e-5
    )


def seed_chunks() -> list[Chunk]:
    return [c for path in sorted(CORPUS.glob("*.txt")) for c in chunk_article(read_article(path, CORPUS), 60, 10)]


def test_scores_match_a_hand_computation():
    keywords = KeywordIndex.build(
        [chunk("a", 0, "apple banana"), chunk("b", 0, "apple apple cherry"), chunk("c", 0, "durian")], "fp"
    )
    # N = 3, lengths 2, 3, 1 (average 2); "apple" is in 2 chunks: idf = ln(1 + 1.5 / 2.5)
    idf = math.log(1.6)
    expected_a = idf * 1 / (1 + 1.5 * (0.25 + 0.75 * 2 / 2))
    expected_b = idf * 2 / (2 + 1.5 * (0.25 + 0.75 * 3 / 2))
    assert keywords.scores("apple") == pytest.approx({"a#0": expected_a, "b#0": expected_b})
    assert keywords.search("apples", 1) == [("b#0", pytest.approx(expected_b))]  # stemmed
    assert keywords.search("the durian", 5) == [("c#0", pytest.approx(math.log(1 + 2.5 / 1.5) / (1 + 1.5 * 0.625)))]
    assert keywords.search("mango", 5) == []


def test_scores_match_bm25s_on_the_seed_articles():
    import bm25s
    import Stemmer

    chunks = seed_chunks()
    keywords = KeywordIndex.build(chunks, "fp")
    stemmer = Stemmer.Stemmer("english")
    reference = bm25s.BM25()
    reference.index(
        bm25s.tokenize([c.indexed_text for c in chunks], stopwords="en", stemmer=stemmer, show_progress=False),
        show_progress=False,
    )
    for query in QUERIES:
        tokens = bm25s.tokenize([query], stopwords="en", stemmer=stemmer, return_ids=False, show_progress=False)[0]
        expected = reference.get_scores([t for t in tokens if t in reference.vocab_dict])
        got = keywords.scores(query)
        assert got == pytest.approx(
            {chunks[i].chunk_id: float(expected[i]) for i in expected.nonzero()[0]}, rel=1e-5
        ), query


def test_adding_and_deleting_in_place_ranks_like_a_rebuild(tmp_path: Path):
    chunks = seed_chunks()
    first, second = chunks[: len(chunks) // 2], chunks[len(chunks) // 2 :]
    keywords = KeywordIndex.build(first, "one")
    keywords.save(tmp_path / "kw")
    keywords.add(second)
    gone = {first[0].doc_id}
    keywords.delete_documents(gone)
    changed = chunk(second[0].doc_id, 99, "A new chunk about a typhoon near Kyushu", "Storm")
    keywords.add([changed, second[1]])  # second[1] is replaced by itself
    live = [c for c in chunks if c.doc_id not in gone and c.chunk_id != second[1].chunk_id] + [changed, second[1]]
    rebuilt = KeywordIndex.build(live, "two")
    for query in [*QUERIES, "typhoon Kyushu storm"]:
        assert same_ranking(keywords.search(query, 8), rebuilt.search(query, 8)), query
    assert sorted(keywords.chunk_ids) == sorted(c.chunk_id for c in live)
    assert keywords.idf("typhoon declaration") == pytest.approx(rebuilt.idf("typhoon declaration"))

    keywords.source_fingerprint = "two"
    keywords.save(tmp_path / "kw")
    loaded = KeywordIndex.load(tmp_path / "kw")
    assert loaded is not None and loaded.source_fingerprint == "two"
    assert sorted(loaded.chunk_ids) == sorted(keywords.chunk_ids)
    for query in QUERIES:
        assert same_ranking(loaded.search(query, 8), rebuilt.search(query, 8)), query


def test_many_small_changes_are_merged_into_one_segment(tmp_path: Path):
    chunks = seed_chunks()
    keywords = KeywordIndex.build([], "empty")
    for item in chunks[:12]:
        keywords.add([item])
    keywords.delete([chunks[0].chunk_id, chunks[5].chunk_id])
    keywords.save(tmp_path / "kw")
    assert len(keywords.segments) == 1
    files = sorted(p.name for p in (tmp_path / "kw").iterdir())
    assert len([name for name in files if name.startswith("seg-")]) == 2  # one segment: .npz and .json
    loaded = KeywordIndex.load(tmp_path / "kw")
    rebuilt = KeywordIndex.build([c for i, c in enumerate(chunks[:12]) if i not in (0, 5)], "x")
    assert loaded is not None
    for query in QUERIES:
        assert same_ranking(loaded.search(query, 5), rebuilt.search(query, 5)), query


def test_a_deleted_chunk_id_can_come_back():
    keywords = KeywordIndex.build([chunk("a", 0, "volcano erupts"), chunk("b", 0, "river floods")], "fp")
    keywords.delete_documents({"a"})
    assert keywords.search("volcano", 5) == []
    keywords.add([chunk("a", 0, "volcano erupts again")])
    assert [cid for cid, _ in keywords.search("volcano", 5)] == ["a#0"]


def test_an_unreadable_saved_index_loads_as_none(tmp_path: Path):
    KeywordIndex.build([chunk("a", 0, "volcano")], "fp").save(tmp_path / "kw")
    for item in (tmp_path / "kw").glob("seg-*.npz"):
        item.write_bytes(b"not numpy")
    assert KeywordIndex.load(tmp_path / "kw") is None
    assert KeywordIndex.load(tmp_path / "missing") is None


def test_the_analyser_is_bm25s_own():
    import bm25s
    import Stemmer
    from bm25s.stopwords import STOPWORDS_EN

    from assistant.store.keyword import STOP_WORDS, _tokenize

    assert set(STOPWORDS_EN) == STOP_WORDS
    texts = [chunk.indexed_text for chunk in seed_chunks()] + ["Élisabeth Borne's U.S. visit, 2024-09-06: a-ok!", ""]
    expected = bm25s.tokenize(
        texts, stopwords="en", stemmer=Stemmer.Stemmer("english"), return_ids=False, show_progress=False
    )
    assert _tokenize(texts) == expected


def test_a_chunk_without_a_single_term_is_indexed_and_never_found(tmp_path: Path):
    keywords = KeywordIndex.build([chunk("a", 0, "volcano erupts")], "fp")
    keywords.add([chunk("b", 0, "!!! ... ?"), chunk("c", 0, "a of the")])  # punctuation; stop words only
    assert sorted(keywords.chunk_ids) == ["a#0", "b#0", "c#0"]
    assert [cid for cid, _ in keywords.search("volcano", 5)] == ["a#0"]
    keywords.save(tmp_path / "kw")
    loaded = KeywordIndex.load(tmp_path / "kw")
    assert loaded is not None and sorted(loaded.chunk_ids) == ["a#0", "b#0", "c#0"]
