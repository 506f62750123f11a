"""Incremental ingest into a real Chroma with the real embedding model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.ingest.articles import read_article
from assistant.store.embedding import Embedder

from .conftest import HERALD, JAPAN_NEWS, make_assistant

pytestmark = pytest.mark.slow

NEW_ARTICLE = """---
title: Typhoon Shanshan nears Kyushu
outlet: Test Wire
published: 2024-08-28
---
Typhoon Shanshan was expected to bring record rainfall to Kyushu, the weather agency said on Wednesday.

Airlines cancelled more than 600 flights ahead of the storm, according to the transport ministry.
"""


def snapshot(assistant) -> dict:
    """Everything a user can see of the index: records, chunks, sentences, keyword ids."""
    index = assistant.index
    chunks = index.chunks.get(include=["documents", "metadatas"])
    sentences = index.sentences.get(include=["documents", "metadatas"])
    return {
        "records": index.document_records(),
        "chunks": sorted(zip(chunks["ids"], chunks["documents"])),
        "sentences": sorted(zip(sentences["ids"], sentences["documents"])),
        "keyword": sorted(assistant.keywords.chunk_ids),
    }


def test_second_ingest_of_unchanged_corpus_embeds_nothing(tmp_path: Path, corpus_copy: Path, embedder: Embedder):
    assistant = make_assistant(tmp_path / "store", embedder)
    first = assistant.ingest([corpus_copy])
    assert sorted(first.added) == [HERALD, JAPAN_NEWS]
    assert first.texts_embedded > 0

    before = embedder.texts_embedded
    again = make_assistant(tmp_path / "store", embedder).ingest([corpus_copy])
    assert sorted(again.unchanged) == [HERALD, JAPAN_NEWS]
    assert (again.added, again.updated, again.removed, again.skipped) == ([], [], [], [])
    assert again.texts_embedded == 0
    assert embedder.texts_embedded == before  # the real embedder was not called at all


def test_changed_file_replaces_exactly_its_own_chunks(tmp_path: Path, corpus_copy: Path, embedder: Embedder):
    assistant = make_assistant(tmp_path / "store", embedder)
    assistant.ingest([corpus_copy])
    other_before = assistant.index.chunks.get(where={"doc_id": HERALD}, include=["documents"])

    path = corpus_copy / f"{JAPAN_NEWS}.txt"
    text = path.read_text().replace("12th face-to-face meeting", "13th face-to-face meeting")
    path.write_text(text)
    report = assistant.ingest([corpus_copy])
    assert report.updated == [JAPAN_NEWS] and sorted(report.unchanged) == [HERALD]

    article = read_article(path, corpus_copy)
    stored = assistant.index.chunks.get(where={"doc_id": JAPAN_NEWS}, include=["documents"])
    joined = " ".join(stored["documents"])
    assert "13th face-to-face meeting" in joined and "12th face-to-face" not in joined
    assert assistant.index.document_text(JAPAN_NEWS) == article.text
    assert assistant.index.chunks.get(where={"doc_id": HERALD}, include=["documents"]) == other_before
    # The keyword index follows: the new wording is found, the old is not.
    assert any(cid.startswith(JAPAN_NEWS) for cid, _ in assistant.keywords.search("13th", 5))
    assert assistant.keywords.search("12th", 5) == []


def test_shorter_changed_file_leaves_no_stale_chunks(tmp_path: Path, corpus_copy: Path, embedder: Embedder):
    assistant = make_assistant(tmp_path / "store", embedder)
    assistant.ingest([corpus_copy])
    assert assistant.index.document_record(HERALD).chunks > 1
    path = corpus_copy / f"{HERALD}.txt"
    path.write_text("---\noutlet: The Korea Herald\n---\nYoon and Kishida met in Seoul on Friday.\n")
    assistant.ingest([corpus_copy])
    ids = assistant.index.chunks.get(where={"doc_id": HERALD}, include=[])["ids"]
    assert ids == [f"{HERALD}#0"]
    sentences = assistant.index.sentences.get(where={"doc_id": HERALD}, include=["documents"])
    assert sentences["documents"] == ["Yoon and Kishida met in Seoul on Friday."]


def test_removed_file_has_its_chunks_removed(tmp_path: Path, corpus_copy: Path, embedder: Embedder):
    assistant = make_assistant(tmp_path / "store", embedder)
    assistant.ingest([corpus_copy])
    (corpus_copy / f"{HERALD}.txt").unlink()
    report = assistant.ingest([corpus_copy])
    assert report.removed == [HERALD]
    assert [r.doc_id for r in assistant.documents()] == [JAPAN_NEWS]
    assert assistant.index.chunks.get(where={"doc_id": HERALD}, include=[])["ids"] == []
    assert assistant.index.sentences.get(where={"doc_id": HERALD}, include=[])["ids"] == []
    assert all(not cid.startswith(HERALD) for cid in assistant.keywords.chunk_ids)
    assert assistant.keywords.search("Cabinets", 5) == []  # a word only the Herald article has


def test_single_file_ingest_does_not_remove_others(tmp_path: Path, corpus_copy: Path, embedder: Embedder):
    assistant = make_assistant(tmp_path / "store", embedder)
    assistant.ingest([corpus_copy])
    new = tmp_path / "typhoon.txt"
    new.write_text(NEW_ARTICLE)
    report = assistant.ingest([new])
    assert report.added == ["typhoon"] and report.removed == []
    assert [r.doc_id for r in assistant.documents()] == [HERALD, JAPAN_NEWS, "typhoon"]
    record = assistant.index.document_record("typhoon")
    assert (record.outlet, record.published, record.title) == (
        "Test Wire",
        "2024-08-28",
        "Typhoon Shanshan nears Kyushu",
    )


def test_keyword_index_survives_a_restart_and_is_reused(tmp_path: Path, corpus_copy: Path, embedder: Embedder):
    make_assistant(tmp_path / "store", embedder).ingest([corpus_copy])
    folder = next((tmp_path / "store" / "keyword").iterdir())
    saved = (folder / "manifest.json").stat().st_mtime_ns
    restarted = make_assistant(tmp_path / "store", embedder)
    assert restarted.keywords.search("Cabinets", 1)[0][0].startswith(HERALD)
    assert (folder / "manifest.json").stat().st_mtime_ns == saved  # loaded, not rebuilt


def test_stale_keyword_index_is_rebuilt_from_chroma(tmp_path: Path, corpus_copy: Path, embedder: Embedder):
    store = tmp_path / "store"
    make_assistant(store, embedder).ingest([corpus_copy])
    saved = tmp_path / "saved-keyword"
    shutil.copytree(store / "keyword", saved)
    (corpus_copy / f"{HERALD}.txt").unlink()
    make_assistant(store, embedder).ingest([corpus_copy])
    # Put back the keyword index of the old state, as another process might have left it.
    shutil.rmtree(store / "keyword")
    shutil.copytree(saved, store / "keyword")
    assistant = make_assistant(store, embedder)
    assert all(not cid.startswith(HERALD) for cid in assistant.keywords.chunk_ids)


def test_a_running_assistant_sees_what_another_one_writes(tmp_path: Path, corpus_copy: Path, embedder: Embedder):
    store = tmp_path / "store"
    make_assistant(store, embedder).ingest([corpus_copy])
    reader = make_assistant(store, embedder)
    assert reader.keywords.search("Shanshan", 5) == []
    writer = make_assistant(store, embedder)
    new = tmp_path / "typhoon.txt"
    new.write_text(NEW_ARTICLE)
    writer.ingest([new])
    assert reader.keywords.search("Shanshan", 1)[0][0].startswith("typhoon")
    # A write that never finished (no keyword rebuild after it) is noticed as well.
    writer.index.remove_document("typhoon")
    assert reader.keywords.search("Shanshan", 5) == []


BAD_FILES = {
    "empty.txt": b"",
    "binary.txt": bytes(range(256)) * 4,
    "latin1.txt": "Caf\xe9 au lait prices rose, the owners said.".encode("latin-1"),
    "huge.txt": b"All work and no play. " * 2000,
    "deck.pdf": b"%PDF-1.7 not an article",
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_each_bad_file_is_skipped_with_a_reason_and_the_rest_ingested(
    tmp_path: Path, corpus_copy: Path, embedder: Embedder, name: str
):
    (corpus_copy / name).write_bytes(BAD_FILES[name])
    assistant = make_assistant(tmp_path / "store", embedder, max_file_bytes=20_000)
    report = assistant.ingest([corpus_copy])
    assert sorted(report.added) == [HERALD, JAPAN_NEWS]
    assert len(report.skipped) == 1
    path, reason = report.skipped[0]
    assert path.endswith(name) and reason and "\n" not in reason
    assert not report.failed


def test_failed_ingest_leaves_the_index_unchanged(tmp_path: Path, corpus_copy: Path, embedder: Embedder):
    assistant = make_assistant(tmp_path / "store", embedder, max_file_bytes=20_000)
    assistant.ingest([corpus_copy])
    before = snapshot(assistant)

    # The Herald file turns into garbage; new bad files appear; nothing good is added.
    (corpus_copy / f"{HERALD}.txt").write_bytes(b"\xff\xfe\x00\x00garbage")
    for name, content in BAD_FILES.items():
        (corpus_copy / name).write_bytes(content)
    report = make_assistant(tmp_path / "store", embedder, max_file_bytes=20_000).ingest(
        [corpus_copy / f"{HERALD}.txt", *(corpus_copy / name for name in BAD_FILES)]
    )
    assert report.failed and len(report.skipped) == 1 + len(BAD_FILES)
    reopened = make_assistant(tmp_path / "store", embedder, max_file_bytes=20_000)
    assert snapshot(reopened) == before

    # Ingesting the folder keeps the broken article's last good version too.
    report = reopened.ingest([corpus_copy])
    assert report.unchanged == [JAPAN_NEWS] and report.removed == []
    assert snapshot(reopened) == before


def test_missing_path_is_reported(tmp_path: Path, embedder: Embedder):
    report = make_assistant(tmp_path / "store", embedder).ingest([tmp_path / "nope"])
    assert report.failed and report.skipped == [(str(tmp_path / "nope"), "no such file or directory")]
