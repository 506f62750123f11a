"""Sentence-level reranking with the embedding model, speaker preference and diversity.

No cross-encoder loads offline here, so a passage is scored by its best-matching sentences:
each sentence's cosine similarity to the question (embeddings stored at ingest), plus a
small bonus for sharing the question's content words, plus a bonus when the question asks
what a person said and that person is the sentence's speaker. Near-duplicate passages
(overlapping chunks whose best sentence is the same) are pushed down so that the top
results show different passages, and different outlets reporting the same fact, first.
"""

from __future__ import annotations

import re

import numpy as np

from .index import Index
from .quotes import speaker_asked_about
from .retrieval import Passage, Query, ScoredSentence

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "a an the of to in on at for and or but is are was were be been being do does did what who whom "
    "whose which when where why how that this these those it its with by from as about into than then "
    "there their they them he she his her i you we our your my me us say said says tell told according "
    "any some can could would should will shall may might have has had not no so if also".split()
)


def content_words(text: str) -> set[str]:
    """Lower-case words of a text without stop words, crudely stemmed (plural/-ed/-ing)."""
    words = set()
    for word in _WORD.findall(text.lower()):
        if word in _STOP or len(word) < 2:
            continue
        for suffix in ("ing", "ed", "es", "s"):
            if len(word) > len(suffix) + 3 and word.endswith(suffix):
                word = word[: -len(suffix)]
                break
        words.add(word)
    return words


class SentenceReranker:
    def __init__(
        self,
        index: Index,
        overlap_weight: float = 0.15,
        speaker_bonus: float = 0.15,
        second_weight: float = 0.2,
        duplicate_penalty: float = 0.5,
    ) -> None:
        self.index = index
        self.overlap_weight = overlap_weight
        self.speaker_bonus = speaker_bonus
        self.second_weight = second_weight
        self.duplicate_penalty = duplicate_penalty

    def annotate(self, query: Query, passages: list[Passage]) -> list[Passage]:
        """Fill each passage's ``sentences`` with scores, best first (order kept)."""
        if not passages:
            return passages
        by_doc: dict[str, list[tuple]] = {}
        for record, vector in self.index.sentences_of([p.chunk.doc_id for p in passages]):
            by_doc.setdefault(record.doc_id, []).append((record, vector))
        speakers = {r.speaker for items in by_doc.values() for r, _ in items if r.speaker}
        asked = speaker_asked_about(query.text, speakers)
        question_vector = np.asarray(query.vector)
        question_words = content_words(query.text)
        for passage in passages:
            chunk = passage.chunk
            inside = [(r, v) for r, v in by_doc.get(chunk.doc_id, []) if chunk.start <= r.start and r.end <= chunk.end]
            scored = []
            for record, vector in inside:
                score = float(np.dot(question_vector, np.asarray(vector)))
                if question_words:
                    shared = question_words & content_words(record.text)
                    score += self.overlap_weight * len(shared) / len(question_words)
                if asked and record.speaker == asked:
                    score += self.speaker_bonus
                scored.append(ScoredSentence(record, score, vector))
            passage.sentences = sorted(scored, key=lambda s: (-s.score, s.sentence.start))
        return passages

    def rerank(self, query: Query, passages: list[Passage]) -> list[Passage]:
        """Annotate, order by sentence evidence, and move near-duplicates down."""
        self.annotate(query, passages)
        for passage in passages:
            scores = [s.score for s in passage.sentences[:2]] or [0.0]
            second = scores[1] if len(scores) > 1 else 0.0
            passage.score = scores[0] + self.second_weight * max(second, 0.0)
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


def _best_key(passage: Passage) -> tuple[str, int]:
    if not passage.sentences:
        return (passage.chunk.chunk_id, -1)
    return (passage.chunk.doc_id, passage.sentences[0].sentence.start)
