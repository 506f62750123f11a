"""Wiring: ``build_assistant(settings)`` puts the parts together in one place.

The CLI, the chat page and the evaluation all use the ``Assistant`` this returns.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .answers import Answer
from .embedding import Embedder
from .index import DocumentRecord, Index, connect
from .ingest import IngestReport, Progress, ingest
from .keyword import KeywordIndex, fingerprint
from .retrieval import (
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
from .reranking import SentenceReranker
from .settings import Settings


class Assistant:
    """The engine: ingest, retrieve, answer, list. Heavy parts load on first use."""

    def __init__(self, settings: Settings, index: Index, embedder: Embedder, answerer: Any) -> None:
        self.settings = settings
        self.index = index
        self.embedder = embedder
        self.answerer = answerer
        self.reranker = SentenceReranker(index)
        self._keywords: KeywordIndex | None = None

    # --- the index ---------------------------------------------------------------------

    def ingest(self, paths: Sequence[Path], progress: Progress | None = None) -> IngestReport:
        report = ingest(
            paths,
            self.index,
            self.embedder,
            chunk_size=self.settings.chunk_size,
            chunk_overlap=self.settings.chunk_overlap,
            max_file_bytes=self.settings.max_file_bytes,
            progress=progress,
        )
        if report.changed or not self._keyword_folder().exists():
            self._keywords = self._build_keywords()
        return report

    def remove(self, doc_id: str) -> bool:
        if self.index.document_record(doc_id) is None:
            return False
        self.index.remove_document(doc_id)
        self._keywords = self._build_keywords()
        return True

    def documents(self) -> list[DocumentRecord]:
        return self.index.document_records()

    @property
    def keywords(self) -> KeywordIndex:
        """The BM25 index, loaded from disk if it matches the collection, else rebuilt."""
        current = fingerprint((r.doc_id, r.fingerprint) for r in self.index.document_records())
        if self._keywords is None or self._keywords.source_fingerprint != current:
            loaded = KeywordIndex.load(self._keyword_folder())
            self._keywords = loaded if loaded and loaded.source_fingerprint == current else self._build_keywords()
        return self._keywords

    def _build_keywords(self) -> KeywordIndex:
        current = fingerprint((r.doc_id, r.fingerprint) for r in self.index.document_records())
        keywords = KeywordIndex.build(self.index.all_chunks(), current)
        keywords.save(self._keyword_folder())
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
        fusion = FusionRetriever([dense, keyword], self.settings.candidates)
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

    def ask(self, question: str, filters: Filters | None = None, k: int | None = None) -> Answer:
        question = _checked(question)
        return self.answerer.answer(question, self.retrieve(question, k, filters))

    def stream(self, question: str, filters: Filters | None = None, k: int | None = None) -> Iterator[str | Answer]:
        """Partial answer texts as they are written, then the final Answer."""
        question = _checked(question)
        yield from self.answerer.stream(question, self.retrieve(question, k, filters))


def _checked(question: str) -> str:
    question = " ".join(question.split())
    if not question:
        raise ValueError("the question is empty")
    return question


def build_assistant(settings: Settings, embedder: Embedder | None = None) -> Assistant:
    """Connect to the store and wire the embedder, retrievers and answerer.

    Pass an ``embedder`` to share one loaded model between several assistants.
    """
    from .answering import ExtractiveAnswerer

    index = Index(connect(settings.store, settings.chroma_url), settings.collection)
    embedder = embedder or Embedder(batch_size=settings.embed_batch_size)
    answerer = ExtractiveAnswerer(settings.abstain_threshold, settings.max_answer_sentences)
    return Assistant(settings, index, embedder, answerer)
