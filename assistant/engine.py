"""Wiring: ``build_assistant(settings)`` puts the parts together in one place.

The CLI, the chat page and the evaluation all use the ``Assistant`` this returns.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

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


class Assistant:
    """The engine: ingest, retrieve, answer, list. Heavy parts load on first use."""

    def __init__(self, settings: Settings, index: Index, embedder: Embedder, answerer: Answerer) -> None:
        self.settings = settings
        self.index = index
        self.embedder = embedder
        self.answerer = answerer
        self._answerers: dict[str, Answerer] = {answerer.mode: answerer}
        self._keywords: KeywordIndex | None = None
        self.tagger = EntityTagger()
        self.reranker = SentenceReranker(
            index,
            keywords=lambda: self.keywords,
            weights=settings.rank_weights,
            sentence_weights=settings.sentence_weights,
            duplicate_penalty=settings.rerank_duplicate_penalty,
        )

    # --- the index ---------------------------------------------------------------------

    def ingest(self, paths: Sequence[Path], progress: Progress | None = None) -> IngestReport:
        """Bring the index in step with ``paths``, holding the store's writer lock."""
        with writer_lock(self.settings.store, self.settings.lock_wait):
            keywords = self._keywords_to_update(self.index.refresh())
            finished = self.index.write_finished()
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
        with writer_lock(self.settings.store, self.settings.lock_wait):
            keywords = self._keywords_to_update(self.index.refresh())
            if self.index.document_record(doc_id) is None:
                return False
            self.index.remove_document(doc_id)
            self._write_keywords(keywords, {doc_id}, [])
            return True

    def documents(self) -> list[DocumentRecord]:
        return self.index.document_records()

    @property
    def keywords(self) -> KeywordIndex:
        """The BM25 index of what the collection holds now: the saved one when it is current.

        When it is not (a write was interrupted), it is rebuilt from Chroma, and saved only
        if no other process is writing.
        """
        current = self.index.refresh()
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
        yield from answerer.stream(question, passages, searched=searched)

    def _prepare(
        self, question: str, filters: Filters | None, k: int | None, history: Sequence[Turn], mode: str | None
    ) -> tuple[Answerer, str, list[Passage], str]:
        """The answerer, the cleaned question, the passages and the standalone question searched."""
        question = _checked(question)
        answerer = self.answerer_for(mode)
        searched = self.standalone(question, history, mode)
        passages = self._passages(searched, k, filters)
        if history:
            passages = self._with_response(question, history[-1], searched, filters or Filters(), passages)
        return answerer, question, passages, searched

    def standalone(self, question: str, history: Sequence[Turn], mode: str | None = None) -> str:
        """The follow-up ``question`` as a question that stands alone, given the conversation."""
        from assistant.dialogue.followups import standalone_question

        question = _checked(question)
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
        if mode not in self._answerers:
            self._answerers[mode] = build_answerer(mode, self.settings)
        return self._answerers[mode]

    def register_answerer(self, answerer: Answerer) -> None:
        """Use this answerer for its mode (e.g. one sharing an already loaded model)."""
        self._answerers[answerer.mode] = answerer
        if answerer.mode == self.settings.mode:
            self.answerer = answerer

    def available_modes(self) -> dict[str, str | None]:
        """Each answer mode with None when it can answer here, else the reason it cannot."""
        from assistant.answer.llm import unavailable_reason

        return {mode: unavailable_reason(mode, self.settings) for mode in ("extractive", "local", "ollama", "openai")}


def _checked(question: str) -> str:
    question = " ".join(question.split())
    if not question:
        raise ValueError("the question is empty")
    return question


def build_assistant(settings: Settings, embedder: Embedder | None = None) -> Assistant:
    """Connect to the store and wire the embedder, retrievers and answerer.

    Pass an ``embedder`` to share one loaded model between several assistants.
    """
    from assistant.answer.generation import build_answerer

    index = Index(
        connect(settings.store, settings.chroma_url),
        settings.collection,
        reconnect=lambda: connect(settings.store, settings.chroma_url),
    )
    embedder = embedder or Embedder(batch_size=settings.embed_batch_size, cache=settings.model_cache)
    answerer = build_answerer(settings.mode, settings)
    return Assistant(settings, index, embedder, answerer)
