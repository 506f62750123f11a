"""What an answer is: text with ``[n]`` markers, the passages they cite, and the JSON contract."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from assistant.ingest.chunking import Chunk

if TYPE_CHECKING:
    from assistant.retrieve.retrievers import Passage

ABSTENTION = "The articles do not cover this question."


@dataclass(frozen=True)
class Citation:
    n: int
    doc_id: str
    title: str
    outlet: str
    published: str | None
    text: str
    start: int
    end: int
    score: float

    @classmethod
    def of_span(cls, n: int, chunk: Chunk, start: int, end: int, score: float) -> Citation:
        """Citation ``n`` of the text at [start, end) of an article, taken from a chunk holding it."""
        return cls(
            n=n,
            doc_id=chunk.doc_id,
            title=chunk.title,
            outlet=chunk.outlet,
            published=chunk.published,
            text=chunk.text[start - chunk.start : end - chunk.start],
            start=start,
            end=end,
            score=score,
        )


@dataclass
class Answer:
    question: str
    mode: str
    answer: str
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False
    model: str | None = None
    removed_sentences: list[str] = field(default_factory=list)
    # The standalone question actually searched for (differs from ``question`` on follow-ups).
    searched: str | None = None
    # How sure the assistant is that the articles answer the question (0-1).
    confidence: float | None = None

    def to_json(self) -> dict[str, Any]:
        """The object ``ask --json`` prints, exactly as the design's contract lists it."""
        return {
            "question": self.question,
            "mode": self.mode,
            "model": self.model,
            "abstained": self.abstained,
            "answer": self.answer,
            "citations": [
                {**asdict(citation), "score": round(float(citation.score), 4)} for citation in self.citations
            ],
            "removed_sentences": list(self.removed_sentences),
            **({} if self.confidence is None else {"confidence": round(self.confidence, 4)}),
        }

    def sources_text(self) -> str:
        """The sources listed under an answer: one line per citation."""
        lines = []
        for citation in self.citations:
            date = citation.published or "undated"
            lines.append(f"[{citation.n}] {citation.outlet}, {date}: {citation.title}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Turn:
    """One exchange of a conversation: what was asked and what was answered."""

    question: str
    answer: Answer

    @property
    def searched(self) -> str:
        """The standalone question this turn searched for."""
        return self.answer.searched or self.question


def abstention(
    question: str, mode: str, model: str | None = None, searched: str | None = None, confidence: float | None = None
) -> Answer:
    return Answer(
        question=question,
        mode=mode,
        answer=ABSTENTION,
        abstained=True,
        model=model,
        searched=searched,
        confidence=confidence,
    )


class Answerer(Protocol):
    """What writes an answer from passages: extractive quoting, or a model behind a verifier."""

    mode: str  # extractive, local, ollama or openai
    model: str | None  # the model that writes, None in extractive mode

    def answer(self, question: str, passages: list[Passage], searched: str | None = None) -> Answer: ...

    def stream(self, question: str, passages: list[Passage], searched: str | None = None) -> Iterator[str | Answer]: ...
