"""Retrievers: dense (Chroma), keyword (BM25), and hybrid (both, fused, then reranked).

Each retriever has one method, ``retrieve(query, k, filters) -> list[Passage]``. Hybrid
fuses dense and keyword rankings by reciprocal rank fusion (as llama-index's
``QueryFusionRetriever`` does) and hands the fused candidates to the sentence-level reranker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from assistant.ingest.chunking import Chunk
from assistant.store.embedding import Embedder
from assistant.store.index import Index, SentenceRecord, published_number
from assistant.store.keyword import KeywordIndex

RETRIEVERS = ("hybrid", "rrf", "dense", "bm25")


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to one outlet and/or a published-date range (ISO dates, inclusive)."""

    outlet: str | None = None
    since: str | None = None
    until: str | None = None

    def __bool__(self) -> bool:
        return bool(self.outlet or self.since or self.until)

    def chroma_where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.outlet:
            clauses.append({"outlet": self.outlet})
        if self.since:
            clauses.append({"published_n": {"$gte": published_number(self.since)}})
        if self.until:
            clauses.append({"published_n": {"$lte": published_number(self.until)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def admits(self, chunk: Chunk) -> bool:
        if self.outlet and chunk.outlet != self.outlet:
            return False
        published = chunk.published or ""
        if self.since and not (published and published >= self.since):
            return False
        if self.until and not (published and published <= self.until):
            return False
        return True


@dataclass
class ScoredSentence:
    sentence: SentenceRecord
    score: float
    vector: list[float] = field(default_factory=list, repr=False)
    features: dict[str, float] = field(default_factory=dict, repr=False)


@dataclass
class Passage:
    """A retrieved chunk, its score, and (once reranked) its sentences, best first.

    ``signals`` are what retrieval saw (``dense`` cosine, ``bm25`` score, ``rrf`` fused score
    and each retriever's rank), ``features`` what the reranker scored it on.
    """

    chunk: Chunk
    score: float
    sentences: list[ScoredSentence] = field(default_factory=list)
    signals: dict[str, float] = field(default_factory=dict)
    features: dict[str, float] = field(default_factory=dict)

    @property
    def evidence(self) -> float:
        """How well the best sentence answers the question (0 before reranking)."""
        return self.sentences[0].score if self.sentences else 0.0


class Query:
    """A question with its embedding, computed once and shared by every step."""

    def __init__(self, text: str, embedder: Embedder) -> None:
        self.text = text
        self._embedder = embedder
        self._vector: list[float] | None = None

    @property
    def vector(self) -> list[float]:
        if self._vector is None:
            self._vector = self._embedder.embed_one(self.text)
        return self._vector


class Retriever(Protocol):
    def retrieve(self, query: Query, k: int, filters: Filters) -> list[Passage]: ...


class DenseRetriever:
    name = "dense"

    def __init__(self, index: Index) -> None:
        self.index = index

    def retrieve(self, query: Query, k: int, filters: Filters) -> list[Passage]:
        hits = self.index.query_chunks(query.vector, k, filters.chroma_where())
        return [Passage(chunk, score) for chunk, score in hits]


class KeywordRetriever:
    name = "bm25"

    def __init__(self, index: Index, keywords: KeywordIndex) -> None:
        self.index = index
        self.keywords = keywords

    def retrieve(self, query: Query, k: int, filters: Filters) -> list[Passage]:
        ranked = self.keywords.search(query.text, k if not filters else max(10 * k, 200))
        chunks = self.index.chunks_by_id([chunk_id for chunk_id, _ in ranked])
        passages = [
            Passage(chunks[chunk_id], score)
            for chunk_id, score in ranked
            if chunk_id in chunks and filters.admits(chunks[chunk_id])
        ]
        return passages[:k]


class FusionRetriever:
    """Reciprocal rank fusion of several retrievers.

    The same fusion as llama-index's ``QueryFusionRetriever`` in reciprocal-rank mode (each
    retriever's results sorted by score, a passage earning ``1 / (rank + k)`` from each list it
    is in, ranks from 0, ties in order of first appearance; a test holds the two equal), done
    here because importing llama-index takes longer than answering a question.
    """

    def __init__(self, retrievers: list[Retriever], candidates: int, k: int = 60) -> None:
        self.retrievers = retrievers
        self.candidates = candidates
        self.k = k

    def retrieve(self, query: Query, k: int, filters: Filters) -> list[Passage]:
        found: dict[str, Passage] = {}
        fused: dict[str, float] = {}
        for retriever in self.retrievers:
            name = getattr(retriever, "name", type(retriever).__name__)
            results = retriever.retrieve(query, self.candidates, filters)
            for rank, passage in enumerate(results, start=1):
                kept = found.setdefault(passage.chunk.chunk_id, Passage(passage.chunk, passage.score))
                kept.signals[name] = passage.score
                kept.signals[f"{name}_rank"] = rank
            by_score = sorted(results, key=lambda passage: passage.score, reverse=True)
            for rank, passage in enumerate(by_score):
                fused[passage.chunk.chunk_id] = fused.get(passage.chunk.chunk_id, 0.0) + 1.0 / (rank + self.k)
        passages = []
        for chunk_id, score in sorted(fused.items(), key=lambda item: item[1], reverse=True)[:k]:
            passage = found[chunk_id]
            passage.score = score
            passage.signals["rrf"] = score
            passages.append(passage)
        return passages


class HybridRetriever:
    """Fused dense and keyword candidates, reranked at sentence level."""

    def __init__(self, fusion: FusionRetriever, reranker: Any) -> None:
        self.fusion = fusion
        self.reranker = reranker

    def retrieve(self, query: Query, k: int, filters: Filters) -> list[Passage]:
        candidates = self.fusion.retrieve(query, self.fusion.candidates, filters)
        return self.reranker.rerank(query, candidates)[:k]
