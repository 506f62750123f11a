"""Retrievers: dense (Chroma), keyword (BM25), and hybrid (both, fused, then reranked).

Each retriever has one method, ``retrieve(query, k, filters) -> list[Passage]``. Hybrid
fuses dense and keyword rankings by reciprocal rank fusion (llama-index's
``QueryFusionRetriever``) and hands the fused candidates to the sentence-level reranker.
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
    """Reciprocal rank fusion of several retrievers, through llama-index."""

    def __init__(self, retrievers: list[Retriever], candidates: int) -> None:
        self.retrievers = retrievers
        self.candidates = candidates

    def retrieve(self, query: Query, k: int, filters: Filters) -> list[Passage]:
        from llama_index.core.llms import MockLLM
        from llama_index.core.retrievers import QueryFusionRetriever
        from llama_index.core.retrievers.fusion_retriever import FUSION_MODES

        found: dict[str, Passage] = {}
        adapters: list[Any] = [_LlamaAdapter(r, query, self.candidates, filters, found) for r in self.retrievers]
        fusion = QueryFusionRetriever(
            adapters,
            # num_queries=1 generates no extra queries, so no LLM is called; an explicit
            # stand-in keeps llama-index from resolving its global default LLM.
            llm=MockLLM(),
            mode=FUSION_MODES.RECIPROCAL_RANK,
            similarity_top_k=max(k, self.candidates),
            num_queries=1,
            use_async=False,
        )
        fused = fusion.retrieve(query.text)
        passages = []
        for node in fused[:k]:
            passage = found[node.node.node_id]
            passage.score = float(node.score or 0.0)
            passage.signals["rrf"] = passage.score
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


def _llama_base() -> type:
    from llama_index.core.retrievers import BaseRetriever

    return BaseRetriever


class _LlamaAdapter(_llama_base()):  # type: ignore[misc]
    """One of our retrievers seen as a llama-index retriever (nodes keyed by chunk id)."""

    def __init__(self, retriever: Retriever, query: Query, k: int, filters: Filters, found: dict[str, Passage]):
        super().__init__()
        self._inner = retriever
        self._query = query
        self._k = k
        self._filters = filters
        self._found = found

    def _retrieve(self, query_bundle: Any) -> list[Any]:
        from llama_index.core.schema import NodeWithScore, TextNode

        results = []
        name = getattr(self._inner, "name", type(self._inner).__name__)
        for rank, passage in enumerate(self._inner.retrieve(self._query, self._k, self._filters), start=1):
            kept = self._found.setdefault(passage.chunk.chunk_id, Passage(passage.chunk, passage.score))
            kept.signals[name] = passage.score
            kept.signals[f"{name}_rank"] = rank
            # The node's text includes the chunk id so that fusion's hash-based merging
            # keeps two identical texts from different articles apart.
            node = TextNode(id_=passage.chunk.chunk_id, text=f"{passage.chunk.chunk_id}\n{passage.chunk.text}")
            results.append(NodeWithScore(node=node, score=passage.score))
        return results
