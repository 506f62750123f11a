"""Comparisons across outlets: "How do the two reports describe the agreement?"

Only a question that asks to compare reports or outlets is one ("how do the reports differ",
"compare the coverage", "each outlet", "both articles"); a question that merely says
"different" is not. Its topic (the question without the comparison wording) is searched
once, and the passages found are grouped by outlet. The outlet with the best evidence is the
pivot; the other outlets' sentences are scored by how close they are to the clause of the
pivot's best sentence about the topic, in meaning and in shared words, so that "signed a formal agreement to strengthen
cooperation in protecting their nationals" finds "a memorandum of understanding was signed
for the two countries to cooperate in the protection of ... citizens" although neither says
the other's words. The extractive answer then quotes each outlet's best sentence side by side.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from assistant.retrieve.retrievers import Filters, Passage, ScoredSentence
from assistant.text.words import terms

MAX_OUTLETS = 4
PASSAGES_PER_OUTLET = 2
# How many passages the one retrieval looks at before grouping them by outlet.
SEARCHED = 20

_REPORTS = (
    r"(?:reports?|articles?|outlets?|papers?|newspapers?|stories|story|sources?|coverage|accounts?|versions?"
    r"|publications?|media)"
)
_COMPARISON = re.compile(
    rf"\b(?:compar\w*|contrast\w*|differ\w*)\b.{{0,40}}\b{_REPORTS}\b"
    rf"|\b{_REPORTS}\b.{{0,40}}\b(?:compar\w*|contrast\w*|differ\w*|disagree\w*|agree)\b"
    rf"|\b(?:both|each|two|several|various|all the) {_REPORTS}\b"
    r"|\bside by side\b",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r",\s+|;\s+|\s+(?:and|but|while)\s+(?=[a-z]+(?:ed|s)\b)")
_FRAMING = re.compile(
    rf"\b(?:how|what|do|does|did|the|two|both|each|several|different|various|other|all|{_REPORTS}|"
    r"describe[sd]?|describing|compare[sd]?|comparing|comparison|contrast(?:s|ed)?|differ(?:s|ed)?|"
    r"different(?:ly)?|differences?|disagree|agree|versus|vs|between|in|say|says|put|present|cover|frame|"
    r"characteri[sz]e|side|by|way|ways|words?|wording)\b",
    re.IGNORECASE,
)


def is_comparison(question: str) -> bool:
    """Whether the question asks how several reports or outlets tell something."""
    return bool(_COMPARISON.search(question))


def comparison_topic(question: str) -> str:
    """The question without its comparison wording ("the agreement"), or the question itself."""
    words = [w for w in re.findall(r"[\w'’-]+", question) if not _FRAMING.fullmatch(w)]
    return " ".join(words) or question


def comparison_passages(
    retrieve: Callable[..., list[Passage]],
    embed: Callable[[str], list[float]],
    question: str,
    filters: Filters | None = None,
    lexical_weight: float = 0.3,
) -> list[Passage]:
    """The best passages of each outlet for a comparison question, best outlet first.

    One retrieval (``retrieve(question, k=..., filters=...)``) of the topic, grouped by outlet;
    ``embed`` embeds the pivot clause; ``lexical_weight`` weighs shared words beside meaning.
    Empty when it finds fewer than two outlets (a comparison is moot) or the question names
    one outlet, so that the caller retrieves as usual.
    """
    filters = filters or Filters()
    if filters.outlet:
        return []
    by_outlet: dict[str, list[Passage]] = {}
    topic = comparison_topic(question)
    for passage in retrieve(topic, k=SEARCHED, filters=filters):
        by_outlet.setdefault(passage.chunk.outlet, []).append(passage)
    if len(by_outlet) < 2:
        return []
    ranked = sorted(by_outlet, key=lambda outlet: -max(p.evidence for p in by_outlet[outlet]))[:MAX_OUTLETS]
    pivot = max(by_outlet[ranked[0]], key=lambda p: p.evidence)
    result = by_outlet[ranked[0]][:PASSAGES_PER_OUTLET]
    if not pivot.sentences:
        return result + [p for outlet in ranked[1:] for p in by_outlet[outlet][:PASSAGES_PER_OUTLET]]
    clause = pivot_clause(pivot.sentences[0].sentence.text, topic)
    clause_vector = np.asarray(embed(f"{topic}: {clause}"))
    clause_words = terms(clause).words
    for outlet in ranked[1:]:
        rescored = [_rescored(p, clause_vector, clause_words, lexical_weight) for p in by_outlet[outlet]]
        rescored.sort(key=lambda p: -p.evidence)
        result.extend(rescored[:PASSAGES_PER_OUTLET])
    return result


def pivot_clause(sentence: str, topic: str) -> str:
    """The clause of the pivot sentence about the topic (the whole sentence if none stands out)."""
    clauses = [c for c in _CLAUSE.split(sentence) if c.strip()]
    wanted = terms(topic).words
    if len(clauses) < 2 or not wanted:
        return sentence
    scored = [(len(terms(c).words & wanted), -i, c) for i, c in enumerate(clauses)]
    best = max(scored)
    return best[2] if best[0] else sentence


def _rescored(
    passage: Passage, clause_vector: np.ndarray, clause_words: frozenset[str], lexical_weight: float
) -> Passage:
    """The passage with its sentences scored by closeness to the pivot clause (and shared words)."""
    sentences = []
    for scored in passage.sentences:
        similarity = float(np.dot(clause_vector, np.asarray(scored.vector))) if scored.vector else scored.score
        shared = len(terms(scored.sentence.text).words & clause_words) / len(clause_words) if clause_words else 0.0
        sentences.append(ScoredSentence(scored.sentence, similarity + lexical_weight * shared, scored.vector))
    sentences.sort(key=lambda s: (-s.score, s.sentence.start))
    return replace(passage, score=sentences[0].score if sentences else passage.score, sentences=sentences)
