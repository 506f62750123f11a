"""The verifier: every sentence of a written answer must answer the question and be supported.

``verify(text, passages, question)`` splits an answer into sentences and keeps a sentence
only when

- it cites at least one of the passages given to the model (markers such as ``[2]`` or
  ``[1, 3]``; numbers with no passage are dropped);
- ``is_supported`` finds its content in the cited passage: its names and numbers all
  appear there, most of its other content words do, each with the polarity the passage gives
  it (negation flips in either direction fail, ``text/negation.py``), and what it puts in
  quotation marks is in the passage word for word. A sentence that is itself a verbatim
  quotation is supported as it is only when it is a whole clause of the passage whose
  negation matches the sentence it comes from;
- it answers the question: it, or the passage sentences that support it, shares a content
  word or a name with the question. A supported sentence about something else (what an
  article told a model to say) is removed.

Sentences of an article that address the reader or an assistant (``text/directives.py``:
imperatives, "you", "any assistant must ...") never count as evidence. The kept sentences
cite the few sentences of the passage that support them, with their offsets, renumbered in
order of first use; the others are listed as removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.answer.result import Citation
from assistant.retrieve.retrievers import Passage
from assistant.text.directives import is_directive
from assistant.text.negation import CLAUSE_WORDS, expand_contractions, is_negated, opposite_words
from assistant.text.sentences import split_sentences
from assistant.text.words import normalise_quotes, stem, terms

# ``[1]``, ``[1, 2]``, ``[1][2]``: one marker group may hold several numbers.
MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
MAX_CITED_CHARS = 800
MAX_WINDOW = 3
MIN_COVERAGE = 0.75

# A verbatim quotation stands alone only as a whole clause: it starts after one of these ...
_CLAUSE_OPENERS = CLAUSE_WORDS | {"that", "and", "or", "said", "says", "when", "where", "who", "which"}
# ... and ends before one of these (or at the end of the text).
_CLAUSE_CLOSERS = CLAUSE_WORDS | {"and", "or", "said", "says", "according", "when", "where", "who", "which"}
_QUOTED = re.compile(r'"([^"]+)"')


@dataclass(frozen=True)
class Claim:
    """One sentence of an answer, without its markers, and the passage numbers it cites."""

    text: str
    numbers: tuple[int, ...]


@dataclass
class Verification:
    answer: str  # the kept sentences, each ending with its renumbered markers
    citations: list[Citation]
    removed: list[str]


def strip_markers(text: str) -> str:
    return MARKER.sub("", text).strip()


def parse_claims(text: str) -> list[Claim]:
    """The sentences of an answer, each with the markers inside it or right after it."""
    plain: list[str] = []
    markers: list[tuple[int, tuple[int, ...]]] = []
    position = last = 0
    for match in MARKER.finditer(text):
        plain.append(text[last : match.start()])
        position += match.start() - last
        markers.append((position, tuple(int(n) for n in re.findall(r"\d+", match.group(1)))))
        last = match.end()
    plain.append(text[last:])
    joined = "".join(plain)
    spans = [s for s in split_sentences(joined) if re.search(r"\w", joined[s.start : s.end])]
    numbers: list[list[int]] = [[] for _ in spans]
    for at, found in markers:
        # A marker belongs to the last sentence that starts before it ("... abroad. [2] Next").
        owner = max((i for i, s in enumerate(spans) if s.start < at), default=0 if spans else None)
        if owner is not None:
            numbers[owner].extend(n for n in found if n not in numbers[owner])
    claims = []
    for span, cited in zip(spans, numbers, strict=True):
        sentence = _clean_sentence(joined[span.start : span.end])
        if sentence:
            claims.append(Claim(sentence, tuple(cited)))
    return claims


def _clean_sentence(sentence: str) -> str:
    """A sentence without list bullets and stray spaces before its final punctuation."""
    sentence = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", sentence)
    sentence = re.sub(r"\s+([.,;:!?])", r"\1", sentence)
    return " ".join(sentence.split())


def inert(text: str) -> str:
    """The text with every sentence that addresses the reader blanked out (offsets kept)."""
    kept = list(text)
    for span in split_sentences(text):
        if is_directive(text[span.start : span.end]):
            kept[span.start : span.end] = " " * (span.end - span.start)
    return "".join(kept)


def is_supported(claim: str, evidence: str, sources: Iterable[str] = ()) -> bool:
    """Whether the cited ``evidence`` supports ``claim``.

    A verbatim quotation of the evidence is supported when it is a meaningful span
    (``is_faithful_quote``). Otherwise every number and name of the claim must appear in the
    evidence (names may also appear in ``sources``: the outlet and title of the article, for
    "According to The Japan News, ..."), a negation in the claim must have one in the
    evidence, no content word may be negated in the claim and not in the evidence or the
    other way round, what the claim puts in quotation marks must be in the evidence word for
    word, and at least three quarters of its other content words (stemmed) must appear in
    the evidence.
    """
    claim = strip_markers(claim)
    if is_faithful_quote(claim, evidence):
        return True
    claim, evidence = expand_contractions(claim), expand_contractions(evidence)
    said = terms(claim)
    found = terms(evidence)
    if not said.words:
        return False
    if said.numbers - found.numbers:
        return False
    known_names = set(found.raw)
    for source in sources:
        known_names |= terms(source).raw
    if said.names - known_names:
        return False
    if is_negated(claim) and not is_negated(evidence):
        return False
    if opposite_words(claim, evidence):
        return False
    if any(not _find_words(_normalise(quote), _normalise(evidence)) for quote in _quotations(claim)):
        return False
    # Names alone ("Yoon Suk Yeol The Korea Herald") say nothing that could be checked.
    others = said.words - {stem(name) for name in said.names}
    if not others:
        return False
    # A verbatim piece that is no whole clause ("I have also made it") must say more than a word.
    if len(others) < 2 and _find_words(_normalise(claim).strip(" \"'.,;:!?"), _normalise(evidence)):
        return False
    return len(others & found.words) / len(others) >= MIN_COVERAGE


def is_faithful_quote(claim: str, evidence: str) -> bool:
    """Whether the claim is a verbatim span of the evidence that keeps its meaning.

    The span must be whole words, at least two content words (unless it is a whole sentence
    of the evidence), and a whole clause: it starts
    at the start of a sentence, after punctuation or after a word that opens a clause
    ("that", "but", ...), and ends at the end of one, before punctuation or before such a
    word ("I have also made it" is cut mid-clause). Its negation must match the sentence it
    comes from: a span that leaves out the sentence's "not" says the opposite.
    """
    quote = _normalise(claim).strip(" \"'.,;:!?")
    text = _normalise(evidence)
    if len(terms(quote).words) < 2 and not _is_whole_sentence(quote, evidence):
        return False
    for start in _find_words(quote, text):
        end = start + len(quote)
        if not (_opens_clause(text[:start]) and _closes_clause(text[end:])):
            continue
        sentences = [text[s.start : s.end] for s in split_sentences(text) if s.start < end and s.end > start]
        if is_negated(quote) == is_negated(" ".join(sentences)):
            return True
    return False


def _is_whole_sentence(quote: str, evidence: str) -> bool:
    """Whether the (normalised) quote is one of the evidence's sentences, whole ("The last two
    were in 2014.")."""
    return any(_normalise(evidence[s.start : s.end]).strip(" \"'.,;:!?") == quote for s in split_sentences(evidence))


def _find_words(needle: str, text: str) -> list[int]:
    """Where ``needle`` occurs in ``text`` as whole words (both lower-case, spaces collapsed)."""
    if not needle:
        return []
    return [m.start() for m in re.finditer(rf"(?<!\w){re.escape(needle)}(?!\w)", text)]


def _opens_clause(before: str) -> bool:
    before = before.rstrip()
    if not before or before[-1] in ".!?;:,\"'(-—–":
        return True
    return before.split()[-1] in _CLAUSE_OPENERS


def _closes_clause(after: str) -> bool:
    after = after.lstrip()
    if not after or after[0] in ".!?;:,\"')-—–[":
        return True
    return after.split()[0] in _CLAUSE_CLOSERS


def _quotations(claim: str) -> list[str]:
    """The spans a claim puts in quotation marks (two words or more)."""
    return [q.strip(" .,;:!?") for q in _QUOTED.findall(normalise_quotes(claim)) if len(q.split()) >= 2]


class Verifier:
    """Checks an answer's sentences one at a time against the passages given to the model.

    Keeps the numbering state, so that a streamed answer can be checked sentence by sentence
    with the same result as ``verify`` on the whole text.
    """

    def __init__(self, passages: Sequence[Passage], question: str | None = None) -> None:
        self.passages = list(passages)
        self.question = question
        self.citations: list[Citation] = []
        self.kept: list[str] = []
        self.removed: list[str] = []

    def check(self, claim: Claim) -> str | None:
        """The sentence with renumbered markers if it is supported and on the question, else None (removed)."""
        valid = [n for n in claim.numbers if 1 <= n <= len(self.passages)]
        support: list[tuple[Passage, tuple[int, int]]] = []
        for n in valid:
            window = self._support_window(claim.text, self.passages[n - 1])
            if window is not None:
                support.append((self.passages[n - 1], window))
        if not support and len(valid) > 1:
            # Supported only by the cited passages together: each cites its whole chunk.
            joined = "\n".join(inert(self.passages[n - 1].chunk.text) for n in valid)
            if is_supported(claim.text, joined, self._sources(valid)):
                support = [(self.passages[n - 1], self._chunk_span(self.passages[n - 1])) for n in valid]
        if not support or not self._on_question(claim.text, support):
            self.removed.append(claim.text)
            return None
        numbers = [self._number(passage, window) for passage, window in support]
        markers = "".join(f"[{n}]" for n in dict.fromkeys(numbers))
        sentence = f"{claim.text} {markers}"
        self.kept.append(sentence)
        return sentence

    def _on_question(self, claim: str, support: Sequence[tuple[Passage, tuple[int, int]]]) -> bool:
        """Whether the claim, or what supports it, relates to the question (no question: yes)."""
        if self.question is None:
            return True
        cited = [p.chunk.text[start - p.chunk.start : end - p.chunk.start] for p, (start, end) in support]
        return answers_question(claim, cited, self.question)

    def result(self) -> Verification:
        return Verification(" ".join(self.kept), list(self.citations), list(self.removed))

    def _sources(self, numbers: Sequence[int]) -> list[str]:
        return [f"{self.passages[n - 1].chunk.outlet} {self.passages[n - 1].chunk.title}" for n in numbers]

    def _support_window(self, claim: str, passage: Passage) -> tuple[int, int] | None:
        """The fewest consecutive sentences of the passage that support the claim (article offsets)."""
        chunk = passage.chunk
        sources = [f"{chunk.outlet} {chunk.title}"]
        spans = split_sentences(chunk.text)
        for size in range(1, MAX_WINDOW + 1):
            best: tuple[float, int, int] | None = None
            for i in range(0, max(len(spans) - size + 1, 0)):
                start, end = spans[i].start, spans[i + size - 1].end
                text = chunk.text[start:end]
                if any(is_directive(chunk.text[s.start : s.end]) for s in spans[i : i + size]):
                    continue
                if is_supported(claim, text, sources):
                    overlap = _overlap(claim, text)
                    if best is None or overlap > best[0]:
                        best = (overlap, start, end)
            if best is not None:
                return chunk.start + best[1], chunk.start + best[2]
        if len(chunk.text) <= MAX_CITED_CHARS and is_supported(claim, inert(chunk.text), sources):
            return self._chunk_span(passage)
        return None

    @staticmethod
    def _chunk_span(passage: Passage) -> tuple[int, int]:
        return passage.chunk.start, passage.chunk.end

    def _number(self, passage: Passage, window: tuple[int, int]) -> int:
        """The citation number for this span: an existing one of the passage if the union stays short."""
        chunk = passage.chunk
        for i, citation in enumerate(self.citations):
            if citation.doc_id != chunk.doc_id:
                continue
            start, end = min(citation.start, window[0]), max(citation.end, window[1])
            if not (chunk.start <= citation.start and citation.end <= chunk.end):
                continue
            if end - start <= MAX_CITED_CHARS or (start, end) == (citation.start, citation.end):
                self.citations[i] = _citation(citation.n, passage, start, end)
                return citation.n
        number = len(self.citations) + 1
        self.citations.append(_citation(number, passage, *window))
        return number


def answers_question(claim: str, support: Iterable[str], question: str) -> bool:
    """Whether a sentence relates to the question: it or its supporting text shares a content
    word or a name with it. A question with no content words of its own relates to anything."""
    asked = terms(question)
    wanted = asked.words | {stem(name) for name in asked.names}
    if not wanted and not asked.numbers:
        return True
    for text in (claim, *support):
        said = terms(text)
        if wanted & said.words or asked.numbers & said.numbers:
            return True
    return False


def verify(text: str, passages: Sequence[Passage], question: str | None = None) -> Verification:
    """Keep the supported sentences of ``text`` that answer ``question``, renumber their
    citations, list the rest. Without a question, only support is checked."""
    verifier = Verifier(passages, question)
    for claim in parse_claims(text):
        verifier.check(claim)
    return verifier.result()


def supported_sentences(answer: Any) -> list[bool]:
    """For each sentence of a finished Answer: is it supported by the citations it names?

    The same check the verifier makes, with each citation's outlet and title as sources; a
    measure of faithfulness for any answer mode.
    """
    by_number = {citation.n: citation for citation in answer.citations}
    verdicts = []
    for claim in parse_claims(answer.answer):
        cited = [by_number[n] for n in claim.numbers if n in by_number]
        evidence = "\n".join(citation.text for citation in cited)
        sources = [f"{citation.outlet} {citation.title}" for citation in cited]
        verdicts.append(bool(cited) and is_supported(claim.text, evidence, sources))
    return verdicts


def _citation(n: int, passage: Passage, start: int, end: int) -> Citation:
    inside = [s.score for s in passage.sentences if start <= s.sentence.start and s.sentence.end <= end]
    return Citation.of_span(n, passage.chunk, start, end, max(inside, default=passage.score))


def _overlap(claim: str, evidence: str) -> float:
    said = terms(claim).words
    return len(said & terms(evidence).words) / len(said) if said else 0.0


def _normalise(text: str) -> str:
    return " ".join(normalise_quotes(text).lower().split())
