"""Reranking: each candidate passage scored by a linear model over retrieval features.

No cross-encoder loads offline here. Passages and their sentences are both scored by linear
models whose weights are fitted on development questions (``bench/fit_weights.py``, weights in
``Settings``). A passage's features:

- ``dense``: cosine similarity of the chunk (title and text) to the question;
- ``bm25``: its BM25 score relative to the best candidate's; ``rrf``: the fused rank score, relative;
- ``sentence``, ``sentence2``: the cosine similarity of its best and second best sentences;
- ``terms``: the IDF-weighted share of the question's terms in the chunk and title; ``title``: in the title;
- ``names``: the share of the question's names the chunk or title mentions;
- ``answer_type``: a sentence holds the kind of answer asked for; ``speaker``: the asked speaker speaks;
- ``rare_missing``: the IDF of the rarest question term the chunk and title lack, relative to the
  rarest question term's ("Hindu festival" asked, neither word there: the story is another one).

A sentence's features (``SENTENCE_FEATURES``): its cosine ``similarity`` to the question, the
IDF-weighted ``overlap`` of the question's terms, ``answer_type`` and ``speaker`` as above,
``lead`` (it opens the article) and its ``passage``'s score. The best sentences are what an
extractive answer quotes. Near-duplicate passages (overlapping chunks whose best sentence is
the same) are pushed down.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from assistant.ingest.quotes import speaker_asked_about
from assistant.retrieve.retrievers import Passage, Query, ScoredSentence
from assistant.store.index import Index
from assistant.store.keyword import KeywordIndex, terms_of
from assistant.text.questions import holds_answer, question_names, wanted_answer
from assistant.text.words import WORD, content_words

PASSAGE_FEATURES = (
    "dense",
    "bm25",
    "rrf",
    "sentence",
    "sentence2",
    "terms",
    "title",
    "names",
    "answer_type",
    "speaker",
    "rare_missing",
)
SENTENCE_FEATURES = ("similarity", "overlap", "answer_type", "speaker", "lead", "passage")
# Sentences that start within this many characters of the article's start are its lead.
LEAD_CHARS = 600


def checked_weights(weights: Mapping[str, float], features: tuple[str, ...], what: str) -> dict[str, float]:
    """The weights of a linear model, refused when they name a feature the model does not have."""
    unknown = set(weights) - set(features) - {"bias"}
    if unknown:
        raise ValueError(f"{what} weights name unknown features: {', '.join(sorted(unknown))}")
    return dict(weights)


def linear(weights: Mapping[str, float], features: Mapping[str, float], names: tuple[str, ...]) -> float:
    """bias + the sum of weight x feature over ``names`` (a missing weight counts as 0)."""
    return weights.get("bias", 0.0) + sum(weights.get(name, 0.0) * features[name] for name in names)


def coverage(weights: Mapping[str, float], found: set[str]) -> float:
    """The weighted share of the question's terms that ``found`` holds (1.0 when it has none)."""
    total = sum(weights.values())
    return sum(w for term, w in weights.items() if term in found) / total if total else 1.0


class SentenceReranker:
    def __init__(
        self,
        index: Index,
        keywords: Callable[[], KeywordIndex | None],
        weights: Mapping[str, float],
        sentence_weights: Mapping[str, float],
        duplicate_penalty: float = 0.5,
    ) -> None:
        self.index = index
        self.keywords = keywords
        self.weights = checked_weights(weights, PASSAGE_FEATURES, "rank")
        self.sentence_weights = checked_weights(sentence_weights, SENTENCE_FEATURES, "sentence")
        self.duplicate_penalty = duplicate_penalty

    def annotate(self, query: Query, passages: list[Passage]) -> list[Passage]:
        """Fill each passage's ``features`` and score its sentences, best first (order kept)."""
        if not passages:
            return passages
        by_doc: dict[str, list[tuple]] = {}
        for record, vector in self.index.sentences_in([p.chunk for p in passages]):
            by_doc.setdefault(record.doc_id, []).append((record, vector))
        speakers = {r.speaker for items in by_doc.values() for r, _ in items if r.speaker}
        asked = speaker_asked_about(query.text, speakers)
        question_vector = np.asarray(query.vector)
        keywords = self.keywords()
        # The question's content terms, weighted by IDF; "say", "tell", "according" are not
        # content, though in a small archive they are rare enough to weigh the most.
        content = content_words(query.text)
        weights = keywords.idf(query.text) if keywords is not None else dict.fromkeys(terms_of(query.text), 1.0)
        weights = {term: weight for term, weight in weights.items() if term in content}
        rarest = max(weights.values(), default=0.0) or 1.0
        names = question_names(query.text)
        expected = wanted_answer(query.text)
        self._fill_dense(query, passages)
        best_bm25 = max((p.signals.get("bm25", 0.0) for p in passages), default=0.0) or 1.0
        best_rrf = max((p.signals.get("rrf", 0.0) for p in passages), default=0.0) or 1.0
        for passage in passages:
            chunk = passage.chunk
            words = set(WORD.findall(chunk.indexed_text.lower()))
            chunk_terms = terms_of(chunk.indexed_text)
            inside = [(r, v) for r, v in by_doc.get(chunk.doc_id, []) if chunk.start <= r.start and r.end <= chunk.end]
            sentences = [
                (
                    record,
                    vector,
                    {
                        "similarity": float(np.dot(question_vector, np.asarray(vector))),
                        "overlap": coverage(weights, terms_of(record.text)),
                        "answer_type": float(holds_answer(expected, record.text, query.text, record.entities or None)),
                        "speaker": float(bool(asked) and record.speaker == asked),
                        "lead": float(record.start < LEAD_CHARS),
                    },
                )
                for record, vector in inside
            ]
            top = sorted((f["similarity"] for _, _, f in sentences), reverse=True) + [0.0, 0.0]
            passage.features = {
                "dense": passage.signals.get("dense", 0.0),
                "bm25": passage.signals.get("bm25", 0.0) / best_bm25,
                "rrf": passage.signals.get("rrf", 0.0) / best_rrf,
                "sentence": top[0],
                "sentence2": top[1],
                "terms": coverage(weights, chunk_terms),
                "rare_missing": max((w for term, w in weights.items() if term not in chunk_terms), default=0.0)
                / rarest,
                "title": coverage(weights, terms_of(chunk.title)),
                "names": sum(name in words for name in names) / len(names) if names else 1.0,
                "answer_type": max((f["answer_type"] for _, _, f in sentences), default=0.0),
                "speaker": max((f["speaker"] for _, _, f in sentences), default=0.0),
            }
            passage.features["logit"] = linear(self.weights, passage.features, PASSAGE_FEATURES)
            scored = []
            for record, vector, features in sentences:
                features["passage"] = passage.features["logit"]
                score = linear(self.sentence_weights, features, SENTENCE_FEATURES)
                scored.append(ScoredSentence(record, score, vector, features))
            passage.sentences = sorted(scored, key=lambda s: (-s.score, s.sentence.start))
        return passages

    def rerank(self, query: Query, passages: list[Passage]) -> list[Passage]:
        """Annotate, order by the fitted score, and move near-duplicates down."""
        self.annotate(query, passages)
        for passage in passages:
            passage.score = passage.features["logit"]
        remaining = sorted(passages, key=lambda p: (-p.score, p.chunk.chunk_id))
        chosen: list[Passage] = []
        seen_best: set[tuple[str, int]] = set()
        while remaining:
            best = max(
                remaining,
                key=lambda p: p.score - (self.duplicate_penalty if _best_key(p) in seen_best else 0.0),
            )
            remaining.remove(best)
            chosen.append(best)
            if best.sentences:
                seen_best.add(_best_key(best))
        return chosen

    def _fill_dense(self, query: Query, passages: list[Passage]) -> None:
        """The dense similarity of candidates that only the keyword retriever found."""
        missing = [p for p in passages if "dense" not in p.signals]
        if not missing:
            return
        vectors = self.index.chunk_vectors([p.chunk.chunk_id for p in missing])
        question_vector = np.asarray(query.vector)
        for passage in missing:
            vector = vectors.get(passage.chunk.chunk_id)
            passage.signals["dense"] = float(np.dot(question_vector, np.asarray(vector))) if vector is not None else 0.0


def _best_key(passage: Passage) -> tuple[str, int]:
    if not passage.sentences:
        return (passage.chunk.chunk_id, -1)
    return (passage.chunk.doc_id, passage.sentences[0].sentence.start)
