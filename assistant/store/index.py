"""The store: Chroma collections for chunks, sentences and whole documents.

One logical index is three collections sharing a name prefix:

- ``NAME``            chunks (the passages retrieval ranks), with offsets and metadata;
- ``NAME.sentences``  each sentence of each article with its speaker and named entities, for reranking and
                      for extractive answers;
- ``NAME.documents``  one record per article: the cleaned text (what offsets refer to),
                      metadata and the fingerprint that makes ingest incremental;
- ``NAME.state``      one record: the fingerprint of all documents as the last complete
                      write left them, so checking that the keyword index is current is
                      one small read instead of reading every document record.

A document's record is written last and removed first, so a document whose record is
present always has all of its chunks and sentences. Every write first drops the state
record and the writer puts it back when done (under the writer lock, ``store/locking.py``);
readers compute the fingerprint from the records while it is missing, and never store it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

import numpy as np

from assistant.ingest.chunking import Chunk

_SPACE = {"hnsw:space": "cosine"}
_PAGE = 2000
_CONTENTS = "contents"
_T = TypeVar("_T")


@dataclass(frozen=True)
class DocumentRecord:
    doc_id: str
    title: str
    outlet: str
    published: str | None
    url: str | None
    author: str | None
    fingerprint: str
    chunks: int
    source: str = ""


@dataclass(frozen=True)
class SentenceRecord:
    doc_id: str
    start: int
    end: int
    text: str
    speaker: str | None = None
    # (label, text) of each named entity in the sentence: ("DATE", "March 2024"), ...
    entities: tuple[tuple[str, str], ...] = ()
    # It addresses the reader ("Reply to every reader with ..."): never quoted, never support.
    directive: bool = False

    @property
    def sentence_id(self) -> str:
        return f"{self.doc_id}@{self.start}"


def connect(store: Path, chroma_url: str | None = None) -> Any:
    """A Chroma client: the embedded one at ``store``, or a server when a URL is given."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        parsed = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
        if not parsed.hostname:
            raise ValueError(f"chroma URL must look like http://HOST:PORT. Currently, it is {chroma_url!r}")
        return chromadb.HttpClient(
            host=parsed.hostname,
            port=parsed.port or 8000,
            ssl=parsed.scheme == "https",
            settings=chroma_settings,
        )
    store.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(store), settings=chroma_settings)


def published_number(published: str | None) -> int:
    """``2024-09-06`` as ``20240906`` (0 when unknown), for date-range filters in Chroma."""
    return int(published.replace("-", "")) if published else 0


def _used(method: Callable[..., _T]) -> Callable[..., _T]:
    """An Index method that reads through the handles: it never runs during a reopen."""

    @functools.wraps(method)
    def read(self: Index, *args: Any, **kwargs: Any) -> _T:
        with self._gate.using():
            return method(self, *args, **kwargs)

    return read


class HandleGate:
    """Many threads use the store's handles at once; a reopen replaces them when none does.

    ``using()`` marks a thread's use (nested uses in one thread count once); ``reopening()``
    waits until no thread uses the handles, and meanwhile lets no new use begin.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._users = 0
        self._reopen_waiting = 0
        self._local = threading.local()

    def depth(self) -> int:
        """How many ``using()`` this thread is inside."""
        return int(getattr(self._local, "depth", 0))

    @contextmanager
    def using(self) -> Iterator[None]:
        depth = self.depth()
        if depth == 0 and not getattr(self._local, "reopening", False):
            with self._condition:
                self._condition.wait_for(lambda: not self._reopen_waiting)
                self._users += 1
        self._local.depth = depth + 1
        try:
            yield
        finally:
            self._local.depth = depth
            if depth == 0 and not getattr(self._local, "reopening", False):
                with self._condition:
                    self._users -= 1
                    self._condition.notify_all()

    @contextmanager
    def reopening(self) -> Iterator[None]:
        with self._condition:
            self._reopen_waiting += 1
            try:
                self._condition.wait_for(lambda: self._users == 0)
                self._local.reopening = True
                yield
            finally:
                self._local.reopening = False
                self._reopen_waiting -= 1
                self._condition.notify_all()


class Index:
    """The collections of one logical index, behind a small interface.

    Another process may write to the same store. ``refresh()`` (called before each query and
    each write) notices from the contents fingerprint, and with an embedded store reopens
    the client: a handle opened before another process's write cannot see its vectors. A
    question holds ``using()`` while it reads, so the reopen waits for the questions under
    way and never closes a handle one of them is reading through; such a question keeps the
    contents it began with, and the next one sees the new contents.
    """

    def __init__(self, client: Any, name: str, reconnect: Callable[[], Any] | None = None) -> None:
        self.name = name
        self._reconnect = reconnect
        self._seen: str | None = None
        self._counted: tuple[str | None, int] | None = None  # (contents seen, chunk count)
        self._gate = HandleGate()
        self._snapshot = threading.local()  # per thread: the contents its question began with
        self._writing = 0  # writes under way in this process (its own handle sees them)
        self._open(client)

    @contextmanager
    def using(self) -> Iterator[None]:
        """Hold while a question reads through the store's handles: no reopen meanwhile, and
        ``refresh()`` inside gives the contents seen when it began (one read of the state
        record a question, not one for each step that checks)."""
        with self._gate.using():
            outer = self._gate.depth() == 1
            if outer:
                self._snapshot.value = self._seen
            try:
                yield
            finally:
                if outer:
                    self._snapshot.value = None

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold while this process writes: the contents change, but its handles see the change,
        so no reopen (questions meanwhile keep the contents they saw; the write's end records the new)."""
        self._writing += 1
        try:
            yield
        finally:
            self._writing -= 1

    def _open(self, client: Any) -> None:
        self.client = client
        self.chunks = client.get_or_create_collection(self.name, metadata=_SPACE, embedding_function=None)
        self.sentences = client.get_or_create_collection(
            f"{self.name}.sentences", metadata=_SPACE, embedding_function=None
        )
        self.documents = client.get_or_create_collection(
            f"{self.name}.documents", metadata=_SPACE, embedding_function=None
        )
        self.state = client.get_or_create_collection(f"{self.name}.state", embedding_function=None)

    def refresh(self) -> str:
        """The contents fingerprint, after reopening the store if another process changed it.

        Inside a question under way in this thread (``using()``), nothing is read or reopened:
        the contents it began with are returned.
        """
        snapshot = getattr(self._snapshot, "value", None)
        if snapshot is not None and self._gate.depth() > 0:
            return snapshot
        with self._gate.using():
            current = self.contents_fingerprint()
            if self._seen is None or current == self._seen or self._reconnect is None:
                self._seen = current
                return current
            if self._gate.depth() > 1 or self._writing:
                return self._seen
        with self._gate.reopening():  # one thread reopens; the others find it done
            current = self.contents_fingerprint()
            if current != self._seen:
                if hasattr(self.client, "close"):
                    self.client.close()
                self._open(self._reconnect())
                current = self.contents_fingerprint()
            self._seen = current
            return current

    # --- reading ---------------------------------------------------------------------

    @_used
    def document_records(self) -> list[DocumentRecord]:
        records = [_record(meta) for meta in self._all(self.documents, ["metadatas"])["metadatas"]]
        return sorted(records, key=lambda record: record.doc_id)

    def contents_fingerprint(self) -> str:
        """A digest of every document's id and fingerprint: it changes whenever a document does.

        One small read of the state record, which the last complete write left; while a
        write is under way (or after one was interrupted) it is computed from every record.
        """
        found = self.state.get(ids=[_CONTENTS], include=["metadatas"])
        if found["ids"] and found["metadatas"][0]:
            return str(found["metadatas"][0]["fingerprint"])
        return fingerprint((record.doc_id, record.fingerprint) for record in self.document_records())

    @_used
    def write_finished(self) -> bool:
        """Whether the last write to the store ran to its end (it left the state record)."""
        return bool(self.state.get(ids=[_CONTENTS], include=[])["ids"])

    def record_contents(self) -> str:
        """Keep the contents fingerprint for cheap reads; only a writer, at the end of its write."""
        current = fingerprint((record.doc_id, record.fingerprint) for record in self.document_records())
        self.state.upsert(ids=[_CONTENTS], embeddings=[[1.0]], metadatas=[{"fingerprint": current}])
        self._seen = current
        return current

    @_used
    def document_text(self, doc_id: str) -> str | None:
        found = self.documents.get(ids=[doc_id], include=["documents"])
        return found["documents"][0] if found["ids"] else None

    @_used
    def document_record(self, doc_id: str) -> DocumentRecord | None:
        found = self.documents.get(ids=[doc_id], include=["metadatas"])
        return _record(found["metadatas"][0]) if found["ids"] else None

    @_used
    def chunk_count(self) -> int:
        """The number of chunks, counted once per contents seen (counting reads every row)."""
        if self._counted is None or self._counted[0] != self._seen or self._seen is None:
            self._counted = (self._seen, int(self.chunks.count()))
        return self._counted[1]

    @_used
    def all_chunks(self) -> list[Chunk]:
        found = self._all(self.chunks, ["documents", "metadatas"])
        return [
            _chunk(cid, text, meta) for cid, text, meta in zip(found["ids"], found["documents"], found["metadatas"])
        ]

    @_used
    def chunks_of(self, doc_ids: list[str]) -> list[Chunk]:
        """Every chunk of the given documents."""
        if not doc_ids:
            return []
        found = self.chunks.get(where={"doc_id": {"$in": sorted(set(doc_ids))}}, include=["documents", "metadatas"])
        return [
            _chunk(cid, text, meta) for cid, text, meta in zip(found["ids"], found["documents"], found["metadatas"])
        ]

    @_used
    def chunks_by_id(self, chunk_ids: list[str]) -> dict[str, Chunk]:
        if not chunk_ids:
            return {}
        found = self.chunks.get(ids=chunk_ids, include=["documents", "metadatas"])
        return {
            cid: _chunk(cid, text, meta)
            for cid, text, meta in zip(found["ids"], found["documents"], found["metadatas"])
        }

    @_used
    def chunk_vectors(self, chunk_ids: list[str]) -> dict[str, list[float]]:
        """The stored embeddings of the given chunks."""
        if not chunk_ids:
            return {}
        found = self.chunks.get(ids=chunk_ids, include=["embeddings"])
        return {cid: list(map(float, vector)) for cid, vector in zip(found["ids"], found["embeddings"])}

    @_used
    def chunk_holding(self, doc_id: str, start: int, end: int) -> Chunk | None:
        """The first chunk of a document that holds the span [start, end), if any."""
        found = self.chunks.get(where={"doc_id": doc_id}, include=["documents", "metadatas"])
        chunks = [
            _chunk(cid, text, meta) for cid, text, meta in zip(found["ids"], found["documents"], found["metadatas"])
        ]
        return min(
            (chunk for chunk in chunks if chunk.start <= start and end <= chunk.end),
            key=lambda chunk: chunk.index,
            default=None,
        )

    @_used
    def query_chunks(
        self, vector: list[float], k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[Chunk, float]]:
        """The ``k`` chunks nearest to ``vector`` with their cosine similarity."""
        total = self.chunk_count()
        if total == 0:
            return []
        found = self.chunks.query(
            query_embeddings=[vector],
            n_results=min(k, total),
            where=where or None,
            include=["documents", "metadatas", "distances"],
        )
        return [
            (_chunk(cid, text, meta), 1.0 - float(distance))
            for cid, text, meta, distance in zip(
                found["ids"][0], found["documents"][0], found["metadatas"][0], found["distances"][0]
            )
        ]

    @_used
    def sentences_of(self, doc_ids: list[str]) -> list[tuple[SentenceRecord, list[float]]]:
        """Every stored sentence of the given documents, with its embedding."""
        if not doc_ids:
            return []
        return self._sentences({"doc_id": {"$in": sorted(set(doc_ids))}})

    @_used
    def sentences_in(self, chunks: list[Chunk]) -> list[tuple[SentenceRecord, list[float]]]:
        """The stored sentences of the given chunks, with their embeddings: looked up by id
        from the chunks' sentence starts (chunks stored before those were kept: every sentence
        of their documents)."""
        if any(not chunk.sentence_starts for chunk in chunks):
            return self.sentences_of([chunk.doc_id for chunk in chunks])
        ids = sorted({f"{chunk.doc_id}@{start}" for chunk in chunks for start in chunk.sentence_starts})
        return self._sentences(ids=ids) if ids else []

    def _sentences(
        self, where: dict[str, Any] | None = None, ids: list[str] | None = None
    ) -> list[tuple[SentenceRecord, list[float]]]:
        found = self.sentences.get(where=where, ids=ids, include=["documents", "metadatas", "embeddings"])
        vectors = np.asarray(found["embeddings"], dtype=float).tolist() if len(found["ids"]) else []
        return [
            (
                SentenceRecord(
                    doc_id=meta["doc_id"],
                    start=int(meta["start"]),
                    end=int(meta["end"]),
                    text=text,
                    speaker=meta.get("speaker") or None,
                    entities=tuple((label, value) for label, value in json.loads(meta.get("entities") or "[]")),
                    directive=bool(meta.get("directive", False)),
                ),
                vector,
            )
            for text, meta, vector in zip(found["documents"], found["metadatas"], vectors)
        ]

    # --- writing ---------------------------------------------------------------------

    def replace_document(
        self,
        record: DocumentRecord,
        text: str,
        chunks: list[Chunk],
        chunk_vectors: list[list[float]],
        chunk_speakers: list[list[str]],
        sentences: list[SentenceRecord],
        sentence_vectors: list[list[float]],
    ) -> None:
        """Write a document's chunks and sentences, drop its stale ones, then its record."""
        self._forget_contents()
        if chunks:
            self.chunks.upsert(
                ids=[chunk.chunk_id for chunk in chunks],
                documents=[chunk.text for chunk in chunks],
                embeddings=chunk_vectors,
                metadatas=[
                    _chunk_meta(chunk, speakers, [s.start for s in sentences if chunk.start <= s.start < chunk.end])
                    for chunk, speakers in zip(chunks, chunk_speakers)
                ],
            )
        if sentences:
            self.sentences.upsert(
                ids=[sentence.sentence_id for sentence in sentences],
                documents=[sentence.text for sentence in sentences],
                embeddings=sentence_vectors,
                metadatas=[_sentence_meta(sentence) for sentence in sentences],
            )
        self._delete_stale(self.chunks, record.doc_id, {chunk.chunk_id for chunk in chunks})
        self._delete_stale(self.sentences, record.doc_id, {s.sentence_id for s in sentences})
        mean = _normalised_mean(chunk_vectors)
        self.documents.upsert(
            ids=[record.doc_id], documents=[text], embeddings=[mean], metadatas=[_record_meta(record)]
        )

    def remove_document(self, doc_id: str) -> None:
        self._forget_contents()
        self.documents.delete(ids=[doc_id])
        self.chunks.delete(where={"doc_id": doc_id})
        self.sentences.delete(where={"doc_id": doc_id})

    def orphan_doc_ids(self) -> set[str]:
        """Documents with chunks but no record (left by an interrupted write)."""
        chunk_docs = {meta["doc_id"] for meta in self._all(self.chunks, ["metadatas"])["metadatas"]}
        return chunk_docs - {record.doc_id for record in self.document_records()}

    def _forget_contents(self) -> None:
        self.state.delete(ids=[_CONTENTS])

    def _delete_stale(self, collection: Any, doc_id: str, keep: set[str]) -> None:
        existing = collection.get(where={"doc_id": doc_id}, include=[])["ids"]
        stale = [item for item in existing if item not in keep]
        if stale:
            collection.delete(ids=stale)

    @staticmethod
    def _all(collection: Any, include: list[str]) -> dict[str, list[Any]]:
        """Every item of a collection, fetched page by page."""
        merged: dict[str, list[Any]] = {"ids": [], **{key: [] for key in include}}
        offset = 0
        while True:
            page = collection.get(include=include, limit=_PAGE, offset=offset)
            merged["ids"].extend(page["ids"])
            for key in include:
                merged[key].extend(page[key])
            if len(page["ids"]) < _PAGE:
                return merged
            offset += _PAGE


def fingerprint(documents: Iterable[tuple[str, str]]) -> str:
    """A digest of (doc_id, document fingerprint) pairs, in any order."""
    digest = hashlib.sha256()
    for doc_id, document_fingerprint in sorted(documents):
        digest.update(f"{doc_id}\0{document_fingerprint}\n".encode())
    return digest.hexdigest()


def _chunk_meta(chunk: Chunk, speakers: list[str], sentence_starts: list[int]) -> dict[str, Any]:
    return {
        "doc_id": chunk.doc_id,
        "index": chunk.index,
        "start": chunk.start,
        "end": chunk.end,
        "title": chunk.title,
        "outlet": chunk.outlet,
        "published": chunk.published or "",
        "published_n": published_number(chunk.published),
        "speakers": json.dumps(speakers),
        "sentences": json.dumps(sentence_starts),
    }


def _chunk(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        chunk_id=chunk_id,
        doc_id=meta["doc_id"],
        index=int(meta["index"]),
        text=text,
        start=int(meta["start"]),
        end=int(meta["end"]),
        title=meta.get("title", ""),
        outlet=meta.get("outlet", ""),
        published=meta.get("published") or None,
        speakers=tuple(json.loads(meta.get("speakers") or "[]")),
        sentence_starts=tuple(json.loads(meta.get("sentences") or "[]")),
    )


def _sentence_meta(sentence: SentenceRecord) -> dict[str, Any]:
    return {
        "doc_id": sentence.doc_id,
        "start": sentence.start,
        "end": sentence.end,
        "speaker": sentence.speaker or "",
        "entities": json.dumps([list(entity) for entity in sentence.entities]),
        "directive": sentence.directive,
    }


def _record_meta(record: DocumentRecord) -> dict[str, Any]:
    return {
        "doc_id": record.doc_id,
        "title": record.title,
        "outlet": record.outlet,
        "published": record.published or "",
        "published_n": published_number(record.published),
        "url": record.url or "",
        "author": record.author or "",
        "fingerprint": record.fingerprint,
        "chunks": record.chunks,
        "source": record.source,
    }


def _record(meta: dict[str, Any]) -> DocumentRecord:
    return DocumentRecord(
        doc_id=meta["doc_id"],
        title=meta.get("title", ""),
        outlet=meta.get("outlet", ""),
        published=meta.get("published") or None,
        url=meta.get("url") or None,
        author=meta.get("author") or None,
        fingerprint=meta.get("fingerprint", ""),
        chunks=int(meta.get("chunks", 0)),
        source=meta.get("source", ""),
    )


def _normalised_mean(vectors: list[list[float]]) -> list[float]:
    mean = np.asarray(vectors, dtype=float).mean(axis=0)
    norm = float(np.linalg.norm(mean)) or 1.0
    return (mean / norm).tolist()
