"""The keyword index: BM25 (bm25s, English stemming and stop words) over the chunks, each with its title.

Chroma holds the truth; this index is derived from it. It is rebuilt after an ingest that
changed anything and saved next to the store with the fingerprint of the documents it was
built from. On load, a fingerprint that no longer matches (another process ingested through
a Chroma server, say) makes it rebuild from the collection, so it never serves stale chunks.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from pathlib import Path
from typing import Any

from assistant.ingest.chunking import Chunk


class KeywordIndex:
    """BM25 over chunk texts, addressed by chunk id."""

    def __init__(self, chunk_ids: list[str], model: Any, source_fingerprint: str) -> None:
        self.chunk_ids = chunk_ids
        self._model = model
        self.source_fingerprint = source_fingerprint

    @classmethod
    def build(cls, chunks: list[Chunk], source_fingerprint: str) -> KeywordIndex:
        import bm25s

        model = None
        if chunks:
            model = bm25s.BM25()
            model.index(_tokenize([chunk.indexed_text for chunk in chunks]), show_progress=False)
        return cls([chunk.chunk_id for chunk in chunks], model, source_fingerprint)

    def scores(self, query: str) -> dict[str, float]:
        """BM25 score of every chunk that shares a term with the query."""
        if self._model is None:
            return {}
        terms = [term for term in _tokenize([query], ids=False)[0] if term in self._model.vocab_dict]
        if not terms:
            return {}
        values = self._model.get_scores(terms)
        return {self.chunk_ids[i]: float(values[i]) for i in values.nonzero()[0]}

    def idf(self, text: str) -> dict[str, float]:
        """Each indexed term of a text (stemmed, no stop words) with its IDF over the chunks.

        Terms the index has never seen get the IDF of a term found in no chunk.
        """
        terms = terms_of(text)
        if self._model is None:
            return {term: 0.0 for term in terms}
        scores = self._model.scores
        total = int(scores["num_docs"])
        indptr = scores["indptr"]
        weights = {}
        for term in terms:
            at = self._model.vocab_dict.get(term)
            frequency = 0
            if at is not None:
                end = indptr[at + 1] if at + 1 < len(indptr) else len(scores["data"])
                frequency = int(end - indptr[at])
            weights[term] = math.log(1.0 + (total - frequency + 0.5) / (frequency + 0.5))
        return weights

    def search(self, query: str, k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """The ``k`` best chunk ids (optionally only among ``allowed``) with their scores."""
        scored = self.scores(query)
        if allowed is not None:
            scored = {cid: score for cid, score in scored.items() if cid in allowed}
        return sorted(scored.items(), key=lambda item: (-item[1], item[0]))[:k]

    # --- persistence ------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write to ``folder`` atomically: a new folder is swapped in only once complete."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
        try:
            if self._model is not None:
                self._model.save(str(staging / "bm25"))
            meta = {"chunk_ids": self.chunk_ids, "fingerprint": self.source_fingerprint}
            (staging / "meta.json").write_text(json.dumps(meta))
            old = folder.with_name(folder.name + ".old")
            if folder.exists():
                folder.rename(old)
            staging.rename(folder)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> KeywordIndex | None:
        """The saved index, or None when there is none or it cannot be read."""
        import bm25s

        try:
            meta = json.loads((folder / "meta.json").read_text())
            model = bm25s.BM25.load(str(folder / "bm25")) if meta["chunk_ids"] else None
        except (OSError, ValueError, KeyError):
            return None
        return cls(list(meta["chunk_ids"]), model, str(meta["fingerprint"]))


def terms_of(text: str) -> set[str]:
    """The terms BM25 indexes a text by: lower case, stemmed, without stop words."""
    return set(_tokenize([text], ids=False)[0])


def _tokenize(texts: list[str], ids: bool = True) -> Any:
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    return bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, return_ids=ids, show_progress=False)
