"""Our reciprocal rank fusion ranks exactly as llama-index's QueryFusionRetriever does."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.retrieve.retrievers import DenseRetriever, Filters, FusionRetriever, KeywordRetriever, Query

QUESTIONS = [
    "What did Kishida say about the 1998 declaration?",
    "How many times have Yoon and Kishida met?",
    "Who will succeed Kishida as prime minister?",
    "What did the two leaders agree about citizens leaving a third country in an emergency?",
]


def llama_fusion(retrievers: list[Any], query: Query, k: int, candidates: int) -> list[tuple[str, float]]:
    """The same fusion through llama-index, each of our retrievers wrapped as one of its retrievers."""
    from llama_index.core.llms import MockLLM
    from llama_index.core.retrievers import BaseRetriever, QueryFusionRetriever
    from llama_index.core.retrievers.fusion_retriever import FUSION_MODES
    from llama_index.core.schema import NodeWithScore, TextNode

    class Wrapped(BaseRetriever):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def _retrieve(self, query_bundle: Any) -> list[NodeWithScore]:
            return [
                NodeWithScore(
                    node=TextNode(id_=p.chunk.chunk_id, text=f"{p.chunk.chunk_id}\n{p.chunk.text}"), score=p.score
                )
                for p in self.inner.retrieve(query, candidates, Filters())
            ]

    fusion = QueryFusionRetriever(
        [Wrapped(r) for r in retrievers],
        llm=MockLLM(),
        mode=FUSION_MODES.RECIPROCAL_RANK,
        similarity_top_k=max(k, candidates),
        num_queries=1,
        use_async=False,
    )
    return [(node.node.node_id, float(node.score or 0.0)) for node in fusion.retrieve(query.text)[:k]]


@pytest.mark.parametrize("question", QUESTIONS)
def test_fusion_equals_llama_index_reciprocal_rank(seed_assistant, question: str):
    retrievers = [DenseRetriever(seed_assistant.index), KeywordRetriever(seed_assistant.index, seed_assistant.keywords)]
    query = Query(question, seed_assistant.embedder)
    ours = FusionRetriever(retrievers, candidates=8).retrieve(query, 6, Filters())
    expected = llama_fusion(retrievers, query, 6, 8)
    assert [p.chunk.chunk_id for p in ours] == [cid for cid, _ in expected]
    assert [p.score for p in ours] == pytest.approx([score for _, score in expected])
    assert all(p.signals["rrf"] == p.score for p in ours)
    # What each retriever saw stays with the passage, for the reranker's features.
    assert any({"dense", "dense_rank", "bm25", "bm25_rank"} <= set(p.signals) for p in ours)
