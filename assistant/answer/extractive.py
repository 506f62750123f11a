"""The extractive answerer: the most relevant sentences, quoted verbatim, each cited.

No model writes anything: every sentence of the answer is a sentence of an article, so
the answer is faithful by construction. A quotation whose sentence does not name its
speaker gets a lead-in ("Kishida said: ...") and cites the span from the sentence that
names the speaker; a sentence from another outlet reporting the same fact adds its
citation ("... [1][2]"); a comparison question gets each outlet's wording side by side
("According to The Korea Herald, ... [1]"). When the abstention model's confidence is
below its threshold (``answer/abstention.py``), it says that the articles do not cover the
question. A sentence that addresses the reader or an assistant (``text/directives.py``) is
never quoted, whatever it says, and neither is a question: it asserts nothing.

Every answerer follows the ``Answerer`` protocol (``answer/result.py``):
``answer(question, passages, searched=None) -> Answer`` and ``stream(...)``, which yields the
answer text so far, then the final Answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from assistant.answer.abstention import Abstention
from assistant.answer.comparison import is_comparison
from assistant.answer.inertness import demote_directives
from assistant.answer.result import Answer, Citation, abstention
from assistant.answer.verification import MAX_CITED_CHARS
from assistant.ingest.quotes import speaker_asked_about
from assistant.retrieve.retrievers import Passage, ScoredSentence
from assistant.store.index import SentenceRecord
from assistant.text.sentences import DATELINE
from assistant.text.words import stem, terms

_QUESTION_END = re.compile(r"\?[\"'”’)\]]*\s*$")


@dataclass
class _Quote:
    """One answer line: a sentence of an article, its lead-in, and the spans it cites."""

    scored: ScoredSentence
    passage: Passage
    lead_in: str = ""
    start: int = 0  # the span cited for the sentence itself (the quote, or from the speaker's mention)
    end: int = 0
    text_start: int = 0  # where the quoted text starts (after a dateline)
    also: tuple[tuple[ScoredSentence, Passage], ...] = ()


class ExtractiveAnswerer:
    mode = "extractive"
    model: str | None = None

    def __init__(
        self,
        abstention: Abstention,
        max_sentences: int = 3,
        margin: float = 0.12,
        same_fact_coverage: float = 0.6,
        same_fact_similarity: float = 0.5,
        duplicate_similarity: float = 0.95,
    ) -> None:
        # Whether to answer at all is the abstention's decision, how many sentences the margin's.
        self.abstention = abstention
        self.same_fact_coverage = same_fact_coverage
        self.same_fact_similarity = same_fact_similarity
        self.duplicate_similarity = duplicate_similarity
        self.max_sentences = max_sentences
        self.margin = margin

    def answer(self, question: str, passages: list[Passage], searched: str | None = None) -> Answer:
        asked = searched or question
        passages = demote_directives(passages)
        confidence = self.abstention.confidence(passages)
        if confidence < self.abstention.threshold:
            return abstention(question, self.mode, searched=searched, confidence=confidence)
        quotes = self.compare(passages) if is_comparison(asked) else []
        if len(quotes) < 2:
            speaker = asked_speaker(asked, passages)
            chosen = self.select(passages, speaker)
            quotes = [self._quote(scored, passage) for scored, passage in chosen]
            quotes = self._merge_same_facts(quotes, passages, asked)
        if not quotes:
            return abstention(question, self.mode, searched=searched, confidence=confidence)
        citations: list[Citation] = []
        lines = []
        for quote in quotes:
            numbers = [_cite(citations, quote.passage, quote.start, quote.end, quote.scored.score)]
            for scored, passage in quote.also:
                numbers.append(_cite(citations, passage, *_own_span(scored), scored.score))
            markers = "".join(f"[{n}]" for n in dict.fromkeys(numbers))
            text = quote.scored.sentence.text[quote.text_start - quote.scored.sentence.start :]
            lines.append(f"{quote.lead_in}{text} {markers}")
        return Answer(
            question=question,
            mode=self.mode,
            answer="\n".join(lines),
            citations=citations,
            searched=searched,
            confidence=confidence,
        )

    def stream(self, question: str, passages: list[Passage], searched: str | None = None) -> Iterator[str | Answer]:
        """Yield the answer sentence by sentence (as text so far), then the final Answer."""
        final = self.answer(question, passages, searched)
        lines = final.answer.split("\n")
        for i in range(1, len(lines) + 1):
            yield "\n".join(lines[:i])
        yield final

    def select(self, passages: list[Passage], speaker: str | None = None) -> list[tuple[ScoredSentence, Passage]]:
        """The best sentences: close to the best one, no repeats.

        When the question asks what ``speaker`` said, only that speaker's statements count.
        Sentence scores come from the reranker's fitted sentence model, which already favours a
        sentence holding what the question asks for (a date for "when", a number for "how many").
        """
        pool = [(s, p) for p in passages for s in p.sentences if _may_answer(s)]
        if speaker:
            pool = [(s, p) for s, p in pool if s.sentence.speaker == speaker]
        if not pool:
            return []
        ranked = sorted(((s.score, s, p) for s, p in pool), key=lambda item: -item[0])
        floor = ranked[0][0] - self.margin
        chosen: list[tuple[ScoredSentence, Passage]] = []
        for rank, scored, passage in ranked:
            if rank < floor or len(chosen) >= self.max_sentences:
                break
            if any(_same_or_duplicate(scored, other, self.duplicate_similarity) for other, _ in chosen):
                continue
            chosen.append((scored, passage))
        return chosen

    def compare(self, passages: list[Passage]) -> list[_Quote]:
        """Each outlet's best sentence, outlets in the order given."""
        best: dict[str, tuple[ScoredSentence, Passage]] = {}
        for passage in passages:
            for scored in passage.sentences:
                if not _may_answer(scored):
                    continue
                current = best.get(passage.chunk.outlet)
                if current is None or scored.score > current[0].score:
                    best[passage.chunk.outlet] = (scored, passage)
        quotes = []
        for outlet, (scored, passage) in best.items():
            quote = self._quote(scored, passage)
            quote.lead_in = f"According to {outlet}, {quote.lead_in}"
            quotes.append(quote)
        return quotes

    def _quote(self, scored: ScoredSentence, passage: Passage) -> _Quote:
        sentence = scored.sentence
        dateline = DATELINE.match(sentence.text)
        text_start = sentence.start + (dateline.end() if dateline else 0)
        quote = _Quote(scored, passage, start=text_start, end=sentence.end, text_start=text_start)
        speaker = sentence.speaker
        if speaker and not _names(speaker, sentence.text):
            mention = _mention_before(scored, passage, speaker)
            if mention is not None and _addresses_reader(passage, mention.start, sentence.start):
                mention = None  # the span would cite a sentence addressed to the reader
            if mention is not None:
                quote.lead_in = f"{_short_name(speaker, mention.text)} said: "
                quote.start = mention.start
        return quote

    def _merge_same_facts(self, quotes: list[_Quote], passages: list[Passage], question: str) -> list[_Quote]:
        """Give a sentence the citation of another outlet's sentence that reports the same fact."""
        pool = [(s, p) for p in passages for s in p.sentences if _may_answer(s)]
        merged: list[_Quote] = []
        used: set[tuple[str, int]] = set()
        for quote in quotes:
            key = (quote.scored.sentence.doc_id, quote.scored.sentence.start)
            if key in used:
                continue
            used.add(key)
            also: list[tuple[ScoredSentence, Passage]] = []
            for scored, passage in sorted(pool, key=lambda item: -item[0].score):
                other = (scored.sentence.doc_id, scored.sentence.start)
                if passage.chunk.outlet == quote.passage.chunk.outlet or other in used:
                    continue
                if any(p.chunk.outlet == passage.chunk.outlet for _, p in also):
                    continue
                if same_fact(quote.scored, scored, question, self.same_fact_coverage, self.same_fact_similarity):
                    also.append((scored, passage))
                    used.add(other)
            quote.also = tuple(also)
            merged.append(quote)
        return merged


def same_fact(
    a: ScoredSentence, b: ScoredSentence, question: str, coverage: float = 0.6, similarity: float = 0.5
) -> bool:
    """Whether two sentences report the same fact in answer to the question.

    Both must answer the question (each holds at least ``coverage`` of its content words), be
    close in meaning (cosine at least ``similarity``), and share what the question does not
    say: a number, or at least three content words that are not names.
    """
    asked = terms(question)
    first, second = terms(a.sentence.text), terms(b.sentence.text)
    if asked.words:
        for sentence in (first, second):
            if len(asked.words & sentence.words) / len(asked.words) < coverage:
                return False
    if a.vector and b.vector and float(np.dot(np.asarray(a.vector), np.asarray(b.vector))) < similarity:
        return False
    numbers = (_digits(a.sentence.text) & _digits(b.sentence.text)) - _digits(question)
    shared = (first.words & second.words) - asked.words - {stem(name) for name in first.names | second.names}
    return bool(numbers) or len(shared) >= 3


def _digits(text: str) -> set[str]:
    return set(re.findall(r"\d+", text))


def asked_speaker(question: str, passages: list[Passage]) -> str | None:
    """The speaker whose statements the question asks for, among the passages' speakers.

    A sentence addressed to the reader names no speaker here: an order that mentions a name
    ("If anyone asks what Kishida said, ...") must not decide whose statements count."""
    speakers = {
        s.sentence.speaker for p in passages for s in p.sentences if s.sentence.speaker and not s.sentence.directive
    }
    return speaker_asked_about(question, speakers) if speakers else None


def _cite(citations: list[Citation], passage: Passage, start: int, end: int, score: float) -> int:
    """The number of the citation of this span, added if new."""
    for citation in citations:
        if (citation.doc_id, citation.start, citation.end) == (passage.chunk.doc_id, start, end):
            return citation.n
    number = len(citations) + 1
    citations.append(Citation.of_span(number, passage.chunk, start, end, score))
    return number


def _own_span(scored: ScoredSentence) -> tuple[int, int]:
    return scored.sentence.start, scored.sentence.end


def _may_answer(scored: ScoredSentence) -> bool:
    """Whether a sentence may be quoted as an answer: not addressed to the reader, not a question.

    A question in an article ("When will the election be held?", a subheading; a question someone
    asked) asserts nothing, so it answers nothing, however close it is to what was asked.
    """
    return not scored.sentence.directive and not _QUESTION_END.search(scored.sentence.text)


def _same_or_duplicate(a: ScoredSentence, b: ScoredSentence, similarity: float) -> bool:
    if (a.sentence.doc_id, a.sentence.start) == (b.sentence.doc_id, b.sentence.start):
        return True
    if a.vector and b.vector:
        return float(np.dot(np.asarray(a.vector), np.asarray(b.vector))) > similarity
    return False


def _addresses_reader(passage: Passage, start: int, end: int) -> bool:
    """Whether a sentence of the passage between two offsets addresses the reader."""
    return any(start <= s.sentence.start < end and s.sentence.directive for s in passage.sentences)


def _names(speaker: str, text: str) -> bool:
    return any(part in text for part in speaker.split() if len(part) > 2)


def _short_name(speaker: str, mention: str) -> str:
    """The speaker as the cited sentence naming them does: by the last name, in full, or by the
    part of the name it uses ("Harbour Ferry" of "Harbour Ferry Night Service", never "Service")."""
    last = speaker.split()[-1]
    if last in mention:
        return last
    if speaker in mention:
        return speaker
    words = speaker.split()
    runs = (" ".join(words[i : i + n]) for n in range(len(words) - 1, 0, -1) for i in range(len(words) - n + 1))
    return next((run for run in runs if len(run) > 2 and run in mention), speaker)


def _mention_before(scored: ScoredSentence, passage: Passage, speaker: str) -> SentenceRecord | None:
    """The nearest earlier sentence of the chunk naming the speaker (span ≤ the cap)."""
    sentence = scored.sentence
    earlier = sorted(
        (s.sentence for s in passage.sentences if s.sentence.end <= sentence.start),
        key=lambda record: -record.start,
    )
    for record in earlier[:3]:
        if sentence.end - record.start > MAX_CITED_CHARS:
            return None
        if _names(speaker, record.text):
            return record
    return None
