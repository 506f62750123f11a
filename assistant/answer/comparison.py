"""Comparisons across outlets: "How do the two reports describe the agreement?"

A comparison question names no outlet but asks how several reports tell the same thing. The
topic (the question without its comparison wording) is searched in each outlet on its own;
the outlet with the best evidence is the pivot, and its best sentence (the clause about the
topic) is what the other outlets' sentences are matched against, by meaning and by shared
words, so that "signed a formal agreement to strengthen cooperation in protecting their
nationals" finds "a memorandum of understanding was signed for the two countries to
cooperate in the protection of ... citizens" although neither says the other's words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from assistant.retrieve.retrievers import Filters, Passage, ScoredSentence
from assistant.store.embedding import Embedder

MAX_OUTLETS = 4
LEXICAL_WEIGHT = 0.3
PASSAGES_PER_OUTLET = 2

_COMPARISON = re.compile(
    r"\b(?:compar\w*|contrast\w*|differ\w*|versus|vs\.?"
    r"|both (?:reports|articles|outlets|papers|stories|sources)"
    r"|(?:the )?(?:two|several|different|various|other) (?:reports|articles|outlets|papers|newspapers|stories|sources)"
    r"|each (?:report|article|outlet|paper|newspaper|story|source)"
    r"|(?:the )?(?:reports|outlets|articles) (?:say|describe|report|put|present|cover|frame|characteri[sz]e)"
    r"|side by side)\b",
    re.IGNORECASE,
)
_FRAMING = re.compile(
    r"\b(?:how|what|do|does|did|the|two|both|each|several|different|various|other|reports?|articles?|outlets?|"
    r"papers?|newspapers?|stories|story|sources?|describe[sd]?|describing|compare[sd]?|comparing|comparison|"
    r"contrast(?:s|ed)?|differ(?:s|ed)?|different(?:ly)?|differences?|versus|vs|between|in|say|says|put|present|"
    r"cover|frame|characteri[sz]e|side|by|way|ways|words?|wording)\b",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r",\s+|;\s+|\s+(?:and|but|while)\s+(?=[a-z]+(?:ed|s)\b)")


def is_comparison(question: str) -> bool:
    """Whether the question asks how several reports or outlets tell something."""
    return bool(_COMPARISON.search(question))


def comparison_topic(question: str) -> str:
    """The question without its comparison wording ("the agreement"), or the question itself."""
    words = [w for w in re.findall(r"[\w'’-]+", question) if not _FRAMING.fullmatch(w)]
    return " ".join(words) or question


def comparison_passages(
    retrieve: Callable[..., list[Passage]],
    embedder: Embedder,
    outlets: Sequence[str],
    question: str,
    filters: Filters | None,
    k: int,
) -> list[Passage]:
    """The best passages of each outlet for a comparison question, pivot outlet first.

    ``retrieve(question, k=..., filters=...)`` finds passages, ``outlets`` are the outlets of the
    index. Returns an empty list when there are fewer than two (a comparison is moot), so that
    the caller retrieves as usual.
    """
    from assistant.text.words import terms

    filters = filters or Filters()
    if filters.outlet or len(outlets) < 2:
        return []
    topic = comparison_topic(question)
    found = {outlet: retrieve(topic, k=k, filters=replace(filters, outlet=outlet)) for outlet in outlets}
    ranked = sorted((o for o in outlets if found[o]), key=lambda o: -_best(found[o]))
    if len(ranked) < 2:
        return [p for o in ranked for p in found[o]]
    pivot = ranked[0]
    clause = pivot_clause(found[pivot][0].sentences[0].sentence.text if found[pivot][0].sentences else "", topic)
    clause_vector = np.asarray(embedder.embed_one(f"{topic}: {clause}"))
    clause_words = terms(clause).words
    result = found[pivot][:PASSAGES_PER_OUTLET]
    others: list[list[Passage]] = []
    for outlet in ranked[1:]:
        candidates = retrieve(f"{topic} {clause}", k=k, filters=replace(filters, outlet=outlet))
        rescored = [_rescored(p, clause_vector, clause_words) for p in candidates]
        rescored.sort(key=lambda p: -p.evidence)
        others.append(rescored[:PASSAGES_PER_OUTLET])
    others.sort(key=lambda ps: -(ps[0].evidence if ps else 0.0))
    for passages in others[: MAX_OUTLETS - 1]:
        result.extend(passages)
    return result


def pivot_clause(sentence: str, topic: str) -> str:
    """The clause of the pivot sentence about the topic (the whole sentence if none stands out)."""
    from assistant.text.words import terms

    clauses = [c for c in _CLAUSE.split(sentence) if c.strip()]
    wanted = terms(topic).words
    if len(clauses) < 2 or not wanted:
        return sentence
    scored = [(len(terms(c).words & wanted), -i, c) for i, c in enumerate(clauses)]
    best = max(scored)
    return best[2] if best[0] else sentence


def _best(passages: list[Passage]) -> float:
    return max((p.evidence for p in passages), default=0.0)


def _rescored(passage: Passage, clause_vector: np.ndarray, clause_words: frozenset[str]) -> Passage:
    """The passage with its sentences scored by closeness to the pivot clause."""
    from assistant.text.words import terms

    sentences = []
    for scored in passage.sentences:
        similarity = float(np.dot(clause_vector, np.asarray(scored.vector))) if scored.vector else scored.score
        shared = len(terms(scored.sentence.text).words & clause_words) / len(clause_words) if clause_words else 0.0
        sentences.append(ScoredSentence(scored.sentence, similarity + LEXICAL_WEIGHT * shared, scored.vector))
    sentences.sort(key=lambda s: (-s.score, s.sentence.start))
    score = sentences[0].score if sentences else passage.score
    return replace(passage, score=score, sentences=sentences)
