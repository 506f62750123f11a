"""Wiring: ``build_assistant(settings)`` puts the parts together in one place.

The CLI, the chat page and the evaluation all use the ``Assistant`` this returns.

One ``Assistant`` may serve many threads at once (the chat page answers several people
together): questions run concurrently, and only what is not safe to share runs one at a
time: the embedding model (its tokenizer is not thread-safe), rebuilding the keyword index,
writes to the index (ingest, remove) and the local model.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from assistant.answer.result import Answer, Answerer, Turn
from assistant.ingest.pipeline import IngestReport, Progress, ingest
from assistant.retrieve.reranking import SentenceReranker
from assistant.retrieve.retrievers import (
    RETRIEVERS,
    DenseRetriever,
    Filters,
    FusionRetriever,
    HybridRetriever,
    KeywordRetriever,
    Passage,
    Query,
    Retriever,
)
from assistant.settings import Settings
from assistant.store.embedding import Embedder
from assistant.store.index import DocumentRecord, Index, connect
from assistant.store.keyword import KeywordIndex
from assistant.store.locking import StoreBusy, writer_lock
from assistant.text.entities import EntityTagger


class QuestionError(ValueError):
    """A question the engine cannot take as asked (empty, too long, filters that match no
    article); the message says why, in the user's terms."""


class MissingIndex(ValueError):
    """There is no index where the settings point (a read-only command never creates one)."""


class SerialEmbedder(Embedder):
    """One loaded embedder shared by threads, its calls one at a time (the tokenizer is not
    thread-safe); questions (the ONNX encoder) queue apart from ingest's batches."""

    def __init__(self, inner: Embedder) -> None:  # shares the inner embedder's model; no super().__init__
        self.inner = inner
        self.batch_size = inner.batch_size
        self._lock = threading.Lock()
        self._query_lock = threading.Lock()

    @property
    def model(self) -> Any:
        return self.inner.model

    @property
    def model_path(self) -> Path:
        return self.inner.model_path

    def embed_one(self, text: str) -> list[float]:
        if self.inner.query_encoder() is None:  # no ONNX export here: the batch model answers
            with self._lock:
                return self.inner.embed_one(text)
        with self._query_lock:
            return self.inner.embed_one(text)

    def exported(self) -> Path | None:
        with self._lock:
            return self.inner.exported()

    def query_encoder(self) -> Any:
        with self._query_lock:
            return self.inner.query_encoder()

    @property  # type: ignore[override]
    def texts_embedded(self) -> int:  # type: ignore[override]
        return self.inner.texts_embedded

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        with self._lock:
            return self.inner.embed(texts)


class Assistant:
    """The engine: ingest, retrieve, answer, list. Heavy parts load on first use."""

    def __init__(self, settings: Settings, index: Index, embedder: Embedder, answerer: Answerer) -> None:
        self.settings = settings
        self.index = index
        self.embedder = embedder if isinstance(embedder, SerialEmbedder) else SerialEmbedder(embedder)
        self.answerer = answerer
        self._answerers: dict[str, Answerer] = {answerer.mode: answerer}
        self._keywords: KeywordIndex | None = None
        # Shared by every assistant made by with_mode: one writer, one keyword rebuild, one
        # local-model call and one answerer construction at a time.
        self._locks = {name: threading.RLock() for name in ("write", "keywords", "generate", "answerers")}
        self.tagger = EntityTagger()
        self.reranker = SentenceReranker(
            index,
            keywords=lambda: self.keywords,
            weights=settings.rank_weights,
            sentence_weights=settings.sentence_weights,
            duplicate_penalty=settings.rerank_duplicate_penalty,
        )

    # --- the index ---------------------------------------------------------------------

    def with_mode(self, mode: str | None) -> Assistant:
        """This assistant answering in ``mode`` by default, sharing the index, the loaded
        models and the locks (the evaluation in another mode runs beside the chat)."""
        if not mode or mode == self.settings.mode:
            return self
        other = copy.copy(self)  # shallow: the same index, embedder, answerers and locks
        other.settings = self.settings.model_copy(update={"mode": mode})
        other.answerer = self.answerer_for(mode)
        return other

    def ingest(self, paths: Sequence[Path], progress: Progress | None = None) -> IngestReport:
        """Bring the index in step with ``paths``: one writer thread here, one writer process
        on the store (its writer lock)."""
        with self._locks["write"], writer_lock(self.settings.store, self.settings.lock_wait):
            keywords = self._keywords_to_update(self.index.refresh())
            finished = self.index.write_finished()
            with self.index.writing():
                report = ingest(
                    paths,
                    self.index,
                    self.embedder,
                    chunk_size=self.settings.chunk_size,
                    chunk_overlap=self.settings.chunk_overlap,
                    max_file_bytes=self.settings.max_file_bytes,
                    progress=progress,
                    tagger=self.tagger if self.settings.entities else None,
                    repair=not finished,
                )
                if report.changed or report.repaired or not finished or keywords is None:
                    changed = set(report.updated + report.removed + report.repaired)
                    self._write_keywords(keywords, changed, report.added + report.updated)
        self.embedder.exported()  # so that the first question needs no torch
        return report

    def remove(self, doc_id: str) -> bool:
        """Remove one article from the index (its file, if any, is left alone)."""
        with self._locks["write"], writer_lock(self.settings.store, self.settings.lock_wait):
            keywords = self._keywords_to_update(self.index.refresh())
            if self.index.document_record(doc_id) is None:
                return False
            with self.index.writing():
                self.index.remove_document(doc_id)
                self._write_keywords(keywords, {doc_id}, [])
            return True

    def documents(self) -> list[DocumentRecord]:
        self.index.refresh()
        return self.index.document_records()

    @property
    def keywords(self) -> KeywordIndex:
        """The BM25 index of what the collection holds now: the saved one when it is current.

        When it is not (a write was interrupted), it is rebuilt from Chroma (one thread at a
        time), and saved only if no other process is writing.
        """
        current = self.index.refresh()
        keywords = self._keywords
        if keywords is not None and keywords.source_fingerprint == current:
            return keywords
        with self._locks["keywords"]:
            if self._keywords is None or self._keywords.source_fingerprint != current:
                self._keywords = self._saved_keywords(current)
                if self._keywords is None:
                    try:
                        with writer_lock(self.settings.store, wait=0):
                            self._keywords = self._write_keywords(None, set(), [])
                    except StoreBusy:
                        self._keywords = KeywordIndex.build(self.index.all_chunks(), current)
            return self._keywords

    def _saved_keywords(self, current: str) -> KeywordIndex | None:
        """The keyword index in memory or on disk, if it reflects the contents ``current``."""
        if self._keywords is not None and self._keywords.source_fingerprint == current:
            return self._keywords
        return self._keywords_to_update(current)

    def _keywords_to_update(self, current: str) -> KeywordIndex | None:
        """A private copy of the saved keyword index (from disk) if it reflects ``current``: a
        writer changes the copy and swaps it in, so questions being answered meanwhile keep a
        consistent index."""
        loaded = KeywordIndex.load(self._keyword_folder())
        return loaded if loaded is not None and loaded.source_fingerprint == current else None

    def _write_keywords(self, keywords: KeywordIndex | None, gone: set[str], changed: list[str]) -> KeywordIndex:
        """Bring the keyword index up to date after a write (incrementally when one is given),
        save it, and record the contents it reflects. Only under the writer lock."""
        current = self.index.record_contents()
        if keywords is None:
            keywords = KeywordIndex.build(self.index.all_chunks(), current)
        else:
            keywords.delete_documents(gone | set(changed))
            keywords.add(self.index.chunks_of(changed))
            keywords.source_fingerprint = current
        keywords.save(self._keyword_folder())
        self._keywords = keywords
        return keywords

    def _keyword_folder(self) -> Path:
        where = "local"
        if self.settings.chroma_url:
            where = "".join(c if c.isalnum() else "_" for c in self.settings.chroma_url)
        return self.settings.store / "keyword" / f"{where}-{self.settings.collection}"

    # --- retrieval and answers -----------------------------------------------------------

    def retriever(self, name: str | None = None) -> Retriever:
        name = name or self.settings.retriever
        if name not in RETRIEVERS:
            raise ValueError(f"retriever must be one of {', '.join(RETRIEVERS)}. Currently, it is {name!r}")
        dense = DenseRetriever(self.index)
        if name == "dense":
            return dense
        keyword = KeywordRetriever(self.index, self.keywords)
        if name == "bm25":
            return keyword
        fusion = FusionRetriever([dense, keyword], self.settings.candidates, self.settings.rrf_k)
        return fusion if name == "rrf" else HybridRetriever(fusion, self.reranker)

    def retrieve(
        self,
        question: str,
        k: int | None = None,
        filters: Filters | None = None,
        retriever: str | None = None,
    ) -> list[Passage]:
        """The top ``k`` passages for a question, each with its sentences scored."""
        k = k or self.settings.top_k
        if k <= 0:
            raise ValueError(f"k must be greater than 0. Currently, k is {k}")
        query = Query(question, self.embedder)
        self.index.refresh()  # before the question: a reopen waits for the questions under way
        with self.index.using():
            passages = self.retriever(retriever).retrieve(query, k, filters or Filters())
            if passages and not passages[0].sentences:
                self.reranker.annotate(query, passages)
        return passages

    def ask(
        self,
        question: str,
        filters: Filters | None = None,
        k: int | None = None,
        history: Sequence[Turn] = (),
        mode: str | None = None,
    ) -> Answer:
        """Answer a question (a follow-up when ``history`` is given) in ``mode`` (default: settings)."""
        answerer, question, passages, searched = self._prepare(question, filters, k, history, mode)
        with self._answering(answerer):
            return answerer.answer(question, passages, searched=searched)

    def stream(
        self,
        question: str,
        filters: Filters | None = None,
        k: int | None = None,
        history: Sequence[Turn] = (),
        mode: str | None = None,
    ) -> Iterator[str | Answer]:
        """Partial answer texts as they are written, then the final Answer."""
        answerer, question, passages, searched = self._prepare(question, filters, k, history, mode)
        with self._answering(answerer):
            yield from answerer.stream(question, passages, searched=searched)

    def _answering(self, answerer: Answerer) -> Any:
        """The lock an answer is written under: the local model answers one question at a time."""
        return self._locks["generate"] if answerer.mode == "local" else _NO_LOCK

    def check_filters(self, filters: Filters | None) -> None:
        """QuestionError when ``filters`` admit no article in the index, saying which and what there is."""
        if not filters:
            return
        where = filters.chroma_where()
        if self.index.chunks.get(where=where, limit=1, include=[])["ids"]:
            return
        wanted = []
        if filters.outlet:
            wanted.append(f"outlet {filters.outlet!r}")
        if filters.since or filters.until:
            wanted.append(f"published {filters.since or '…'} to {filters.until or '…'}")
        records = self.index.document_records()
        if not records:
            raise QuestionError("the index is empty: run `news-assistant ingest` first")
        outlets = sorted({record.outlet for record in records if record.outlet})
        dates = sorted(record.published for record in records if record.published)
        have = [f"outlets: {', '.join(outlets)}" if outlets else "no outlets"]
        if dates:
            have.append(f"published {dates[0]} to {dates[-1]}")
        raise QuestionError(f"no article matches {' and '.join(wanted)} (the index has {'; '.join(have)})")

    def _prepare(
        self, question: str, filters: Filters | None, k: int | None, history: Sequence[Turn], mode: str | None
    ) -> tuple[Answerer, str, list[Passage], str]:
        """The answerer, the cleaned question, the passages and the standalone question searched.

        The question reads one state of the store throughout: a reopen for another process's
        write happens before it starts, or waits until it is done.
        """
        question = checked_question(question, self.settings.max_question_chars)
        self.index.refresh()
        with self.index.using():
            self.check_filters(filters)
            answerer = self.answerer_for(mode)
            searched = self.standalone(question, history, mode)
            passages = self._passages(searched, k, filters)
            if history:
                passages = self._with_response(question, history[-1], searched, filters or Filters(), passages)
        return answerer, question, passages, searched

    def standalone(self, question: str, history: Sequence[Turn], mode: str | None = None) -> str:
        """The follow-up ``question`` as a question that stands alone, given the conversation."""
        from assistant.dialogue.followups import standalone_question

        question = checked_question(question, self.settings.max_question_chars)
        if not history:
            return question
        condense = getattr(self.answerer_for(mode), "condense", None)
        return standalone_question(question, history, condense)

    def _with_response(
        self, question: str, previous: Turn, searched: str, filters: Filters, passages: list[Passage]
    ) -> list[Passage]:
        """For "And how did Kishida respond?": his next statement after the previous answer leads."""
        from assistant.dialogue.responses import asks_response, lead_with, response_to

        cited = previous.answer.citations
        if not cited or not asks_response(question):
            return passages
        records = [record for record, _ in self.index.sentences_of([cited[0].doc_id])]
        sentence = response_to(question, cited, records)
        if sentence is None:
            return passages
        chunk = self.index.chunk_holding(sentence.doc_id, sentence.start, sentence.end)
        if chunk is None or not filters.admits(chunk):
            return passages
        response = Passage(chunk, 0.0)
        self.reranker.annotate(Query(searched, self.embedder), [response])
        return lead_with(passages, response, sentence)

    def _passages(self, question: str, k: int | None, filters: Filters | None) -> list[Passage]:
        """The passages to answer from: per outlet for a comparison question, else the top ``k``."""
        from assistant.answer.comparison import comparison_passages, is_comparison

        if is_comparison(question):
            passages = comparison_passages(
                self.retrieve, self.embedder.embed_one, question, filters, self.settings.comparison_lexical_weight
            )
            if passages:
                return passages
        return self.retrieve(question, k, filters)

    # --- answer modes -------------------------------------------------------------------

    def answerer_for(self, mode: str | None = None) -> Answerer:
        """The answerer of a mode (default: the settings' mode), built on first use."""
        from assistant.answer.generation import build_answerer

        mode = mode or self.settings.mode
        with self._locks["answerers"]:
            if mode not in self._answerers:
                self._answerers[mode] = build_answerer(mode, self.settings)
            return self._answerers[mode]

    def register_answerer(self, answerer: Answerer) -> None:
        """Use this answerer for its mode (e.g. one sharing an already loaded model)."""
        self._answerers[answerer.mode] = answerer
        if answerer.mode == self.settings.mode:
            self.answerer = answerer

    def available_modes(self, modes: Sequence[str] | None = None) -> dict[str, str | None]:
        """Each answer mode (or each of ``modes``) with None when it can answer here, else the
        reason it cannot. Checking ollama or openai sends a request to that server."""
        from assistant.answer.llm import unavailable_reason

        modes = modes if modes is not None else ("extractive", "local", "ollama", "openai")
        return {mode: unavailable_reason(mode, self.settings) for mode in modes}


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


_NO_LOCK = _NoLock()


def checked_question(question: str, limit: int) -> str:
    """The question with its white space collapsed; QuestionError when it cannot be asked."""
    question = " ".join(question.split())
    if not question:
        raise QuestionError("the question is empty")
    if len(question) > limit:
        raise QuestionError(f"the question is too long ({len(question)} characters; the limit is {limit})")
    if not any(character.isalnum() for character in question):
        raise QuestionError("the question has no words, only punctuation or symbols")
    return question


def build_assistant(settings: Settings, embedder: Embedder | None = None, create: bool = True) -> Assistant:
    """Connect to the store and wire the embedder, retrievers and answerer.

    Pass an ``embedder`` to share one loaded model between several assistants. With
    ``create=False`` (commands that only read) a missing index is a ``MissingIndex`` error
    instead of a new, empty one.
    """
    from assistant.answer.generation import build_answerer

    answerer = build_answerer(settings.mode, settings)  # a mode that cannot run says so first
    index = Index(
        open_store(settings, create),
        settings.collection,
        reconnect=lambda: open_store(settings, create),
    )
    embedder = embedder or Embedder(batch_size=settings.embed_batch_size, cache=settings.model_cache)
    return Assistant(settings, index, embedder, answerer)


def open_store(settings: Settings, create: bool = True) -> Any:
    """The Chroma client the settings point at; MissingIndex or ValueError in the user's terms."""
    where = settings.chroma_url or str(settings.store)
    if settings.chroma_url is None:
        if settings.store.exists() and not settings.store.is_dir():
            raise ValueError(f"the store {settings.store} is a file, not an index folder")
        if not create and not (settings.store / "chroma.sqlite3").is_file():
            raise MissingIndex(f"the index is empty: there is no index at {where}; run `news-assistant ingest` first")
    try:
        client = connect(settings.store, settings.chroma_url)
    except Exception as error:
        if settings.chroma_url is None:
            raise
        raise ValueError(
            f"cannot reach the Chroma server at {settings.chroma_url}: is it running "
            "(chroma run --path DIR --host HOST --port PORT)?"
        ) from error
    if not create and not _has_collection(client, settings.collection):
        raise MissingIndex(
            f"the index is empty: there is no collection {settings.collection!r} at {where}; "
            "run `news-assistant ingest` first"
        )
    return client


def _has_collection(client: Any, name: str) -> bool:
    from chromadb.errors import NotFoundError

    try:
        client.get_collection(name)
    except (NotFoundError, ValueError):
        return False
    return True
