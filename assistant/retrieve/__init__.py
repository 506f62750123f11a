"""Retrieval: dense, keyword and fused retrievers with filters, and the sentence-level
reranker that orders the fused candidates."""
