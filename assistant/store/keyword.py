"""The keyword index: BM25 over the chunks, each with its title, updated in place.

Chroma holds the truth; this index is derived from it. Chunks are analysed as bm25s does
(lower case, its English stop words, Snowball stemming) and scored with Lucene's BM25
(k1 1.5, b 0.75). The index is a list of immutable segments (a term-frequency matrix per
batch of chunks) plus the ids of deleted chunks, so adding or removing an article writes one
small segment and a small manifest instead of rebuilding everything; document frequencies
and lengths are kept as running totals, and small segments are merged now and then.

Saved next to the store with the fingerprint of the documents it reflects. A saved index
whose fingerprint no longer matches the collection (another process wrote, or a write was
interrupted) is rebuilt from Chroma, so it never serves stale chunks.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import secrets
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.ingest.chunking import Chunk

K1 = 1.5
B = 0.75
# More segments than this are merged into one (and deleted rows dropped) on save.
MAX_SEGMENTS = 8
_MANIFEST = "manifest.json"


@dataclass
class _Segment:
    """Term frequencies of a batch of chunks, by term: the postings of term ``t`` are
    ``rows[indptr[t]:indptr[t + 1]]`` (which chunks) and ``counts[...]`` (how often)."""

    name: str
    chunk_ids: list[str]
    lengths: np.ndarray  # tokens per chunk
    indptr: np.ndarray
    rows: np.ndarray
    counts: np.ndarray
    alive: np.ndarray  # False for deleted rows

    @classmethod
    def of(cls, chunk_ids: list[str], terms: np.ndarray, rows: np.ndarray, counts: np.ndarray, vocabulary: int):
        """A segment from (term, row, count) triples in any order."""
        order = np.lexsort((rows, terms))
        terms, rows, counts = terms[order], rows[order], counts[order]
        lengths = np.bincount(rows, weights=counts, minlength=len(chunk_ids)).astype(np.float32)
        indptr = np.searchsorted(terms, np.arange(vocabulary + 1)).astype(np.int64)
        rows, counts = rows.astype(np.int32), counts.astype(np.float32)
        alive = np.ones(len(chunk_ids), dtype=bool)
        return cls(f"seg-{secrets.token_hex(6)}", chunk_ids, lengths, indptr, rows, counts, alive)

    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        if term + 1 >= len(self.indptr):
            return self.rows[:0], self.counts[:0]
        start, end = self.indptr[term], self.indptr[term + 1]
        return self.rows[start:end], self.counts[start:end]

    def triples(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(term, row, count) of every posting."""
        terms = np.repeat(np.arange(len(self.indptr) - 1), np.diff(self.indptr))
        return terms, self.rows, self.counts

    def save(self, folder: Path) -> None:
        arrays = {"lengths": self.lengths, "indptr": self.indptr, "rows": self.rows, "counts": self.counts}
        np.savez(folder / f"{self.name}.npz", **arrays)  # type: ignore[arg-type]
        (folder / f"{self.name}.json").write_text(json.dumps(self.chunk_ids))

    @classmethod
    def load(cls, folder: Path, name: str, deleted: list[int]) -> _Segment:
        with np.load(folder / f"{name}.npz") as arrays:
            loaded = {key: arrays[key] for key in ("lengths", "indptr", "rows", "counts")}
        chunk_ids = json.loads((folder / f"{name}.json").read_text())
        alive = np.ones(len(chunk_ids), dtype=bool)
        alive[deleted] = False
        return cls(name, chunk_ids, alive=alive, **loaded)


class KeywordIndex:
    """BM25 over chunk texts, addressed by chunk id, that can add and delete chunks."""

    def __init__(self, source_fingerprint: str) -> None:
        self.source_fingerprint = source_fingerprint
        self.vocabulary: dict[str, int] = {}
        self.segments: list[_Segment] = []
        self._df = np.zeros(0, dtype=np.int64)
        self._live = 0
        self._total_length = 0.0
        self._where: dict[str, tuple[int, int]] = {}  # live chunk id -> (segment, row)

    @classmethod
    def build(cls, chunks: list[Chunk], source_fingerprint: str) -> KeywordIndex:
        keywords = cls(source_fingerprint)
        keywords.add(chunks)
        return keywords

    @property
    def chunk_ids(self) -> list[str]:
        return [cid for segment in self.segments for cid, alive in zip(segment.chunk_ids, segment.alive) if alive]

    # --- changes ----------------------------------------------------------------------

    def add(self, chunks: list[Chunk]) -> None:
        """Index new chunks in one new segment (a chunk id already present is replaced)."""
        self.delete([chunk.chunk_id for chunk in chunks])
        if not chunks:
            return
        terms: list[int] = []
        rows: list[int] = []
        counts: list[int] = []
        for row, tokens in enumerate(_tokenize([chunk.indexed_text for chunk in chunks])):
            for term, count in Counter(tokens).items():
                terms.append(self._term_id(term))
                rows.append(row)
                counts.append(count)
        ids = [chunk.chunk_id for chunk in chunks]
        term_ids, row_ids, tallies = (np.array(values, dtype=np.int64) for values in (terms, rows, counts))
        self._attach(_Segment.of(ids, term_ids, row_ids, tallies, len(self.vocabulary)))

    def delete(self, chunk_ids: list[str]) -> None:
        by_segment: dict[int, list[int]] = {}
        for chunk_id in chunk_ids:
            if chunk_id in self._where:
                at, row = self._where.pop(chunk_id)
                self.segments[at].alive[row] = False
                by_segment.setdefault(at, []).append(row)
        for at, rows in by_segment.items():
            self._forget(self.segments[at], np.array(rows))

    def delete_documents(self, doc_ids: set[str]) -> None:
        """Delete every chunk of these documents (chunk ids are ``DOC_ID#N``)."""
        self.delete([cid for cid in self._where if cid.rpartition("#")[0] in doc_ids])

    def _attach(self, segment: _Segment) -> None:
        at = len(self.segments)
        self.segments.append(segment)
        if len(self._df) < len(self.vocabulary):
            self._df = np.concatenate([self._df, np.zeros(len(self.vocabulary) - len(self._df), dtype=np.int64)])
        present = np.diff(segment.indptr)
        self._df[: len(present)] += present
        self._live += len(segment.chunk_ids)
        self._total_length += float(segment.lengths.sum())
        for row in np.flatnonzero(segment.alive):
            self._where[segment.chunk_ids[row]] = (at, int(row))
        if not segment.alive.all():
            self._forget(segment, np.flatnonzero(~segment.alive))

    def _forget(self, segment: _Segment, rows: np.ndarray) -> None:
        """Take deleted rows out of the running document frequencies and lengths."""
        terms, posting_rows, _ = segment.triples()
        np.subtract.at(self._df, terms[np.isin(posting_rows, rows)], 1)
        self._live -= len(rows)
        self._total_length -= float(segment.lengths[rows].sum())

    def _term_id(self, term: str) -> int:
        if term not in self.vocabulary:
            self.vocabulary[term] = len(self.vocabulary)
        return self.vocabulary[term]

    def _compacted(self) -> KeywordIndex:
        """The same index as one segment without deleted rows."""
        live_ids: list[str] = []
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for segment in self.segments:
            keep = segment.alive
            new_row = np.cumsum(keep) - 1 + len(live_ids)
            terms, rows, counts = segment.triples()
            kept = keep[rows]
            parts.append((terms[kept], new_row[rows[kept]], counts[kept]))
            live_ids += [cid for cid, alive in zip(segment.chunk_ids, keep) if alive]
        compact = KeywordIndex(self.source_fingerprint)
        compact.vocabulary = self.vocabulary
        if live_ids:
            terms, rows, counts = (np.concatenate(column) for column in zip(*parts))
            compact._attach(_Segment.of(live_ids, terms, rows, counts, len(self.vocabulary)))
        return compact

    # --- persistence ------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write new segments, then swap in the manifest that names them (the commit point).

        Segments already on disk are not written again; once there are too many, or many
        deleted rows, everything is merged into one. Only a writer (holding the store's lock) saves.
        """
        dead = sum(int((~segment.alive).sum()) for segment in self.segments)
        if len(self.segments) > MAX_SEGMENTS or dead > max(self._live, 1):
            compact = self._compacted()
            self.segments, self._where = compact.segments, compact._where
        folder.mkdir(parents=True, exist_ok=True)
        for stale in (folder / "bm25", folder / "meta.json"):  # the format before segments
            shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink(missing_ok=True)
        for segment in self.segments:
            if not (folder / f"{segment.name}.json").exists():
                segment.save(folder)
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        _replace(folder / "vocabulary.json", json.dumps(terms))
        manifest = {
            "fingerprint": self.source_fingerprint,
            "segments": [segment.name for segment in self.segments],
            "deleted": {s.name: np.flatnonzero(~s.alive).tolist() for s in self.segments if not s.alive.all()},
        }
        _replace(folder / _MANIFEST, json.dumps(manifest))
        named = {f"{segment.name}.{suffix}" for segment in self.segments for suffix in ("npz", "json")}
        for item in folder.glob("seg-*"):
            if item.name not in named:
                item.unlink(missing_ok=True)

    @classmethod
    def load(cls, folder: Path) -> KeywordIndex | None:
        """The saved index, or None when there is none or it cannot be read."""
        try:
            manifest = json.loads((folder / _MANIFEST).read_text())
            terms = json.loads((folder / "vocabulary.json").read_text())
            keywords = cls(str(manifest["fingerprint"]))
            keywords.vocabulary = {term: at for at, term in enumerate(terms)}
            for name in manifest["segments"]:
                keywords._attach(_Segment.load(folder, name, manifest["deleted"].get(name, [])))
        except (OSError, ValueError, KeyError):
            return None
        return keywords

    # --- queries ----------------------------------------------------------------------

    def scores(self, query: str) -> dict[str, float]:
        """BM25 score of every chunk that shares a term with the query."""
        return {chunk_id: score for chunk_id, score in self._scored(query, None, None)}

    def search(self, query: str, k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """The ``k`` best chunk ids (optionally only among ``allowed``) with their scores."""
        return sorted(self._scored(query, allowed, k), key=lambda item: (-item[1], item[0]))[:k]

    def _scored(self, query: str, allowed: set[str] | None, k: int | None) -> list[tuple[str, float]]:
        """Chunks with a positive score (only the ``k`` best of each segment when ``k`` is given).

        The work is proportional to the postings of the query's terms, not to the corpus.
        """
        terms = [self.vocabulary[t] for t in _tokenize([query])[0] if t in self.vocabulary]
        if not terms or self._live == 0:
            return []
        average = self._total_length / self._live
        found: list[tuple[str, float]] = []
        for segment in self.segments:
            hit_rows, totals = self._segment_scores(segment, terms, average)
            if allowed is not None:
                keep = np.array([segment.chunk_ids[row] in allowed for row in hit_rows], dtype=bool)
                hit_rows, totals = hit_rows[keep], totals[keep]
            if k is not None and len(hit_rows) > k:
                # ties at the k-th score stay in, so the final order by (score, id) is exact
                kth = np.partition(totals, len(totals) - k)[len(totals) - k]
                keep = totals >= kth
                hit_rows, totals = hit_rows[keep], totals[keep]
            found += [(segment.chunk_ids[row], float(total)) for row, total in zip(hit_rows, totals)]
        return found

    def _segment_scores(self, segment: _Segment, terms: list[int], average: float) -> tuple[np.ndarray, np.ndarray]:
        """The live rows of a segment that hold a query term, and their BM25 scores."""
        postings = [segment.postings(term) for term in terms]
        idfs = [self._idf(term) for term in terms]
        hit_rows = np.unique(np.concatenate([rows for rows, _ in postings]))
        hit_rows = hit_rows[segment.alive[hit_rows]]
        if not len(hit_rows):
            return hit_rows, np.zeros(0)
        totals = np.zeros(len(hit_rows), dtype=np.float64)
        norm = K1 * ((1 - B) + B * segment.lengths[hit_rows] / average)
        for (rows, counts), idf in zip(postings, idfs):
            at = np.searchsorted(hit_rows, rows)
            present = (at < len(hit_rows)) & (hit_rows[np.minimum(at, len(hit_rows) - 1)] == rows)
            at, counts = at[present], counts[present]
            totals[at] += idf * counts / (norm[at] + counts)
        return hit_rows, totals

    def _idf(self, term: int) -> float:
        frequency = int(self._df[term]) if term < len(self._df) else 0
        return math.log(1.0 + (self._live - frequency + 0.5) / (frequency + 0.5))

    def idf(self, text: str) -> dict[str, float]:
        """Each indexed term of a text (stemmed, no stop words) with its IDF over the chunks.

        Terms the index has never seen get the IDF of a term found in no chunk.
        """
        return {
            term: self._idf(self.vocabulary[term]) if term in self.vocabulary else self._idf(len(self._df))
            for term in terms_of(text)
        }


def terms_of(text: str) -> set[str]:
    """The terms BM25 indexes a text by: lower case, stemmed, without stop words."""
    return set(_tokenize([text])[0])


# bm25s's English stop words (``bm25s.stopwords.STOPWORDS_EN``; a test holds them equal).
STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then there these "
    "they this to was will with".split()
)
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def _tokenize(texts: list[str]) -> list[list[str]]:
    """bm25s's analyser (its ``tokenize`` with English stop words and the Snowball stemmer),
    without importing bm25s on the query path: lower case, words of two or more characters."""
    stem = _stemmer().stemWords
    return [stem([word for word in _TOKEN.findall(text.lower()) if word not in STOP_WORDS]) for text in texts]


@functools.cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (a reader sees the old file or the new one)."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    temporary.write_text(text)
    os.replace(temporary, path)
