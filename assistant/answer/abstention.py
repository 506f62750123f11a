"""Whether the articles answer a question: a calibrated confidence, and the decision on it.

A small logistic model over features of the reranked passages, fitted on answerable and
unanswerable development questions (``bench/fit_weights.py``; weights and threshold in
``Settings``, how they were chosen in BENCHMARKS.md):

- ``top``: the best passage's reranker score;
- ``sentence``: the best sentence's cosine similarity to the question;
- ``terms``: the IDF-weighted share of the question's terms the best passage (with title) holds;
- ``names``: the largest share of the question's names that any candidate passage mentions;
- ``rare_missing``: how rare the rarest question term is that no candidate passage holds.

Title matches and agreement between retrievers were tried and left out: quiz questions are
written from headlines, so on the development set a title match looked like answerability,
which says nothing of a reader's question.

The confidence is the model's probability that the articles answer; below the threshold
the assistant abstains. A follow-up asking how someone responded, led by that person's next
statement after the previous answer (``dialogue/responses.py``), is grounded by its place in
the article rather than by search, and is not weighed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from assistant.retrieve.reranking import checked_weights, linear
from assistant.retrieve.retrievers import Passage

QUESTION_FEATURES = ("top", "sentence", "terms", "names", "rare_missing")


def question_features(passages: Sequence[Passage]) -> dict[str, float]:
    """The features of the reranked passages (best first) that abstention is decided on."""
    if not passages or not passages[0].features:
        return dict.fromkeys(QUESTION_FEATURES, 0.0)
    best = passages[0]
    return {
        "top": best.features["logit"],
        "sentence": max(p.features.get("sentence", 0.0) for p in passages),
        "terms": best.features["terms"],
        "names": max(p.features.get("names", 0.0) for p in passages),
        "rare_missing": min(p.features.get("rare_missing", 1.0) for p in passages),
    }


class Abstention:
    """Confidence that the passages answer the question, and whether to abstain on it."""

    def __init__(self, weights: Mapping[str, float], threshold: float) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"the abstention threshold must be between 0 and 1. Currently, it is {threshold}")
        self.weights = checked_weights(weights, QUESTION_FEATURES, "abstention")
        self.threshold = threshold

    def confidence(self, passages: Sequence[Passage]) -> float:
        """The probability (0-1) that the passages answer the question."""
        if not passages:
            return 0.0
        if passages[0].signals.get("response"):
            return 1.0
        logit = linear(self.weights, question_features(passages), QUESTION_FEATURES)
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, logit))))

    def abstains(self, passages: Sequence[Passage]) -> bool:
        return self.confidence(passages) < self.threshold
