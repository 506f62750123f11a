"""What kind of answer a question wants, and whether a sentence holds one.

One detector for every step: the reranker favours sentences that hold the kind of answer
asked for, and the extractive answerer prefers them among close candidates.

- ``number``: "how many / how much / how long / what percentage"; a sentence holds one when
  it has a number the question does not.
- ``time``: "when / what year / since when"; a date, weekday, month or year not in the question.
- ``cause``: "why / what caused / what led to"; a sentence stating a cause ("because", "due to").
- ``noun``: "what agreement / which city"; a sentence holding that noun (stemmed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text.words import stem, terms

_ASKS_NUMBER = re.compile(
    r"\bhow (?:many|much|long|often|old)\b|\bwhat (?:number|percentage|share|amount)\b|\bnumber of\b"
)
_ASKS_TIME = re.compile(r"^\s*(?:and\s+)?when\b|\bwhat (?:year|date|day|month|time)\b|\bsince when\b")
_ASKS_CAUSE = re.compile(
    r"^\s*(?:and\s+)?why\b|\bwhat (?:is |was )?(?:caused|causes|causing|led to|leads to"
    r"|prompted|triggered|fuell?ed|spurred|behind)\b|\bfor what reason\b"
)
_ASKS_NOUN = re.compile(r"\b(?:what|which)\s+([a-z][a-z-]+)\b")
_NOT_FOCUS = frozenset(
    "is are was were do does did has have had will would can could should may might about kind sort type".split()
)
_NUMBER = re.compile(r"\d+")
_TIME = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December|Monday|Tuesday"
    r"|Wednesday|Thursday|Friday|Saturday|Sunday|(?:last|next|this) (?:year|month|week)|yesterday|today|tomorrow"
    r"|\d{4}|\d+ (?:years?|months?|weeks?|days?) ago)\b",
    re.IGNORECASE,
)
_CAUSE = re.compile(
    r"\b(?:because|due to|owing to|thanks to|as a result of|(?:driven|caused|prompted|triggered|fuell?ed|spurred|"
    r"motivated) by|the reason)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Wanted:
    """The kind of answer a question wants, and for ``noun`` the stemmed noun."""

    kind: str
    noun: str = ""


def wanted_answer(question: str) -> Wanted | None:
    """What kind of answer the question wants, or None when it does not say."""
    lowered = question.lower()
    if _ASKS_NUMBER.search(lowered):
        return Wanted("number")
    if _ASKS_TIME.search(lowered):
        return Wanted("time")
    if _ASKS_CAUSE.search(lowered):
        return Wanted("cause")
    focus = _ASKS_NOUN.search(lowered)
    if focus and focus.group(1) not in _NOT_FOCUS and not focus.group(1).endswith("s"):
        return Wanted("noun", stem(focus.group(1)))
    return None


def holds_answer(wanted: Wanted | None, sentence: str, question: str) -> bool:
    """Whether the sentence holds the kind of answer wanted (and not only the question's own words)."""
    if wanted is None:
        return False
    if wanted.kind == "number":
        return bool(set(_NUMBER.findall(sentence)) - set(_NUMBER.findall(question)))
    if wanted.kind == "time":
        said = {m.group(0).lower() for m in _TIME.finditer(sentence)}
        return bool(said - {m.group(0).lower() for m in _TIME.finditer(question)})
    if wanted.kind == "cause":
        return bool(_CAUSE.search(sentence))
    return wanted.noun in terms(sentence).words
