"""The store: the Chroma collections (chunks, sentences, documents), the BM25 keyword index
derived from them, and the embedding model that turns text into vectors."""
