"""Sentence-level reranking with the embedding model, speaker preference and diversity.

No cross-encoder loads offline here, so a passage is scored by its best-matching sentences:
each sentence's cosine similarity to the question (embeddings stored at ingest), plus a
small bonus for sharing the question's content words, plus a bonus when the question asks
what a person said and that person is the sentence's speaker. Near-duplicate passages
(overlapping chunks whose best sentence is the same) are pushed down so that the top
results show different passages, and different outlets reporting the same fact, first.
"""

from __future__ import annotations

import math
import re

import numpy as np

from assistant.ingest.quotes import speaker_asked_about
from assistant.retrieve.retrievers import Passage, Query, ScoredSentence
from assistant.store.index import Index
from assistant.text.questions import holds_answer, wanted_answer
from assistant.text.words import STOP_WORDS, WORD, content_words

_QUESTION_OPENERS = frozenset(
    "what who whom whose which when where why how is are was were do does did can could will would "
    "should has have had and but so or according in on at for from after before during tell name list "
    "give describe explain compare".split()
)


def question_names(question: str) -> list[str]:
    """Lower-cased words of the capitalised names in a question (not its opening word)."""
    tokens = re.findall(r"[A-Za-z][A-Za-z\-]*", question)
    names: list[str] = []
    for position, token in enumerate(tokens):
        if not token[0].isupper() or token.isupper() and len(token) <= 1:
            continue
        if position == 0 and token.lower() in _QUESTION_OPENERS:
            continue
        if token.lower() in STOP_WORDS or token.lower() in _QUESTION_OPENERS:
            continue
        names.extend(part for part in token.lower().split("-") if len(part) > 1)
    return names


def idf(word: str, pool: list[set[str]]) -> float:
    """Inverse document frequency of a word among sentences (rare words weigh more)."""
    frequency = sum(1 for words in pool if word in words)
    return math.log(1.0 + len(pool) / (1.0 + frequency))


class SentenceReranker:
    def __init__(
        self,
        index: Index,
        overlap_weight: float = 1.0,
        speaker_bonus: float = 0.15,
        second_weight: float = 0.5,
        duplicate_penalty: float = 0.5,
        missing_name_penalty: float = 0.8,
        answer_type_bonus: float = 0.2,
    ) -> None:
        self.index = index
        self.answer_type_bonus = answer_type_bonus
        self.missing_name_penalty = missing_name_penalty
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
        pool = [content_words(r.text) for items in by_doc.values() for r, _ in items]
        weights = {w: idf(w, pool) for w in question_words}
        total_weight = sum(weights.values())
        # A name the question asks about that no candidate passage mentions ("North Korea",
        # "Fukushima") means the passages are about something else: weaker evidence.
        passage_words = {w for p in passages for w in WORD.findall(p.chunk.text.lower())}
        missing = [name for name in question_names(query.text) if name not in passage_words]
        penalty = self.missing_name_penalty if missing else 0.0
        expected = wanted_answer(query.text)
        for passage in passages:
            chunk = passage.chunk
            inside = [(r, v) for r, v in by_doc.get(chunk.doc_id, []) if chunk.start <= r.start and r.end <= chunk.end]
            scored = []
            for record, vector in inside:
                score = float(np.dot(question_vector, np.asarray(vector)))
                if total_weight:
                    shared = question_words & content_words(record.text)
                    score += self.overlap_weight * sum(weights[w] for w in shared) / total_weight
                if asked and record.speaker == asked:
                    score += self.speaker_bonus
                if holds_answer(expected, record.text, query.text):
                    score += self.answer_type_bonus
                score -= penalty
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
