"""The extractive answerer: the most relevant sentences, quoted verbatim, each cited.

No model writes anything: every sentence of the answer is a sentence of an article, so
the answer is faithful by construction. When the best evidence scores below the
abstention threshold, it says that the articles do not cover the question.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .answers import Answer, Citation, abstention
from .retrieval import Passage, ScoredSentence


def evidence_score(passages: list[Passage]) -> float:
    """The score of the best sentence among the passages (what abstention is decided on)."""
    return max((passage.evidence for passage in passages), default=0.0)


class ExtractiveAnswerer:
    mode = "extractive"
    model: str | None = None

    def __init__(self, threshold: float, max_sentences: int = 3, margin: float = 0.12) -> None:
        self.threshold = threshold
        self.max_sentences = max_sentences
        self.margin = margin

    def answer(self, question: str, passages: list[Passage], searched: str | None = None) -> Answer:
        if evidence_score(passages) < self.threshold:
            return abstention(question, self.mode, searched=searched)
        chosen = self.select(passages)
        citations: list[Citation] = []
        parts: list[str] = []
        for scored, passage in chosen:
            sentence = scored.sentence
            number = next((c.n for c in citations if (c.doc_id, c.start) == (sentence.doc_id, sentence.start)), 0)
            if not number:
                number = len(citations) + 1
                citations.append(
                    Citation(
                        n=number,
                        doc_id=sentence.doc_id,
                        title=passage.chunk.title,
                        outlet=passage.chunk.outlet,
                        published=passage.chunk.published,
                        text=sentence.text,
                        start=sentence.start,
                        end=sentence.end,
                        score=scored.score,
                    )
                )
            parts.append(f"{_lead_in(scored)}{sentence.text} [{number}]")
        return Answer(
            question=question, mode=self.mode, answer="\n".join(parts), citations=citations, searched=searched
        )

    def stream(self, question: str, passages: list[Passage], searched: str | None = None) -> Iterator[str | Answer]:
        """Yield the answer sentence by sentence (as text so far), then the final Answer."""
        final = self.answer(question, passages, searched)
        lines = final.answer.split("\n")
        for i in range(1, len(lines) + 1):
            yield "\n".join(lines[:i])
        yield final

    def select(self, passages: list[Passage]) -> list[tuple[ScoredSentence, Passage]]:
        """The best sentences: close to the best one, at least the threshold, no repeats."""
        pool = [(s, p) for p in passages for s in p.sentences]
        pool.sort(key=lambda item: -item[0].score)
        if not pool:
            return []
        floor = max(self.threshold, pool[0][0].score - self.margin)
        chosen: list[tuple[ScoredSentence, Passage]] = []
        for scored, passage in pool:
            if scored.score < floor or len(chosen) >= self.max_sentences:
                break
            if any(_same_or_duplicate(scored, other) for other, _ in chosen):
                continue
            chosen.append((scored, passage))
        return chosen


def _same_or_duplicate(a: ScoredSentence, b: ScoredSentence) -> bool:
    if (a.sentence.doc_id, a.sentence.start) == (b.sentence.doc_id, b.sentence.start):
        return True
    if a.vector and b.vector:
        return float(np.dot(np.asarray(a.vector), np.asarray(b.vector))) > 0.95
    return False


def _lead_in(scored: ScoredSentence) -> str:
    """Attribution for a quotation whose speaker the sentence itself does not name."""
    speaker = scored.sentence.speaker
    if not speaker:
        return ""
    text = scored.sentence.text
    named = any(part in text for part in speaker.split() if len(part) > 2)
    return "" if named else f"{speaker} said: "
