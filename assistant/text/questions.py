"""What kind of answer a question wants, whether a sentence holds one, and the names it asks about.

One detector for every step: the reranker favours sentences that hold the kind of answer
asked for, and the extractive answerer prefers them among close candidates.

- ``number``: "how many / how much / what percentage": a CARDINAL, MONEY, QUANTITY or PERCENT;
- ``time``: "when / what year / since when": a DATE or TIME;
- ``person``: "who / which leader": a PERSON (or an ORG or NORP: "who" may be a body);
- ``place``: "where / which country": a GPE, LOC or FAC;
- ``organisation``: "which company / which team": an ORG; ``work``: "which film": a WORK_OF_ART;
- ``name``: "what is the name of ...": any proper name (a person, place, organisation, product ...);
- ``cause``: "why / what caused / what led to": a sentence stating a cause ("because", "due to");
- ``noun``: "what agreement": a sentence holding that noun (stemmed).

A sentence holds the answer when it has an entity of a wanted label (named entities come from
ingest, ``text/entities.py``) that the question does not already mention; without entities,
numbers and dates are recognised by pattern.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.text.sentences import DATELINE
from assistant.text.words import STOP_WORDS, stem, terms

_ASKS_NUMBER = re.compile(r"\bhow (?:many|much|often)\b|\bwhat (?:number|percentage|share|amount)\b")
_ASKS_TIME = re.compile(r"^\s*(?:and\s+)?when\b|\bwhat (?:year|date|day|month|time)\b|\bsince when\b")
_ASKS_CAUSE = re.compile(
    r"^\s*(?:and\s+)?why\b|\bwhat (?:is |was )?(?:caused|causes|causing|led to|leads to"
    r"|prompted|triggered|fuell?ed|spurred|behind)\b|\bfor what reason\b"
)
_ASKS_LENGTH = re.compile(r"\bhow (?:long|old)\b")
_ASKS_PERSON = re.compile(r"^\s*(?:and\s+)?(?:who|whom|whose)\b|\b(?:who|whom) (?:is|was|will|did|has|had)\b")
_ASKS_PLACE = re.compile(r"^\s*(?:and\s+)?where\b|\bin what place\b")
_ASKS_NAME = re.compile(r"\b(?:what|which)\b.*\bnames?\b|\bnames?\b.*\b(?:what|which)\b")
# "which Republican presidential candidate": the kind noun may follow a few modifiers.
_ASKS_NOUN_PHRASE = re.compile(r"\b(?:what|which)((?:\s+[\w'’-]+){1,4})")
# The noun of "which X" / "what X" that tells the kind of entity wanted.
_NOUN_KINDS = {
    "person": "person people man woman men women leader president minister actor actress singer player star "
    "author writer director official politician candidate senator governor ceo coach athlete rapper musician member",
    "place": "country countries city cities state states nation town region place island continent capital "
    "county province",
    "organisation": "company companies organization organisation team group agency party network brand band "
    "university college school firm airline retailer bank league club union automaker manufacturer",
    "time": "year month day date week decade",
    "work": "movie film show series book song album novel",
}
_KIND_OF_NOUN = {noun: kind for kind, nouns in _NOUN_KINDS.items() for noun in nouns.split()}
LABELS = {
    "number": frozenset({"CARDINAL", "MONEY", "QUANTITY", "PERCENT"}),
    "length": frozenset({"DATE", "TIME", "QUANTITY", "CARDINAL"}),
    "time": frozenset({"DATE", "TIME"}),
    "person": frozenset({"PERSON", "ORG", "NORP"}),
    "place": frozenset({"GPE", "LOC", "FAC"}),
    "organisation": frozenset({"ORG"}),
    "work": frozenset({"WORK_OF_ART"}),
    "name": frozenset({"PERSON", "ORG", "NORP", "GPE", "LOC", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"}),
}
_NOT_FOCUS = frozenset(
    "is are was were do does did has have had will would can could should may might about kind sort type".split()
)
_NUMBER = re.compile(r"\d+")
# Between two sentences of a question: "... this week. Where did it occur?" (not after "Mr." or "U.S.").
_SENTENCE_BREAK = re.compile(r"(?<=[a-z0-9]{3}[.!?])\s+(?=[\"“'‘(]?[A-Z0-9])")
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

    @property
    def labels(self) -> frozenset[str]:
        """The entity labels an answer of this kind carries (empty for cause and noun)."""
        return LABELS.get(self.kind, frozenset())


def wanted_answer(question: str) -> Wanted | None:
    """What kind of answer the question wants, or None when it does not say.

    Only the asking sentence counts: "The debate was held this week. Where did it occur?"
    wants a place, whatever the sentence before it says.
    """
    lowered = asking_sentence(question).lower()
    if _ASKS_LENGTH.search(lowered):
        return Wanted("length")
    if _ASKS_NUMBER.search(lowered):
        return Wanted("number")
    if _ASKS_TIME.search(lowered):
        return Wanted("time")
    if _ASKS_CAUSE.search(lowered):
        return Wanted("cause")
    if _ASKS_PERSON.search(lowered):
        return Wanted("person")
    if _ASKS_PLACE.search(lowered):
        return Wanted("place")
    phrase = _ASKS_NOUN_PHRASE.search(lowered)
    words = _noun_phrase(phrase.group(1), phrase.group(0).split()[0]) if phrase else []
    # The head noun decides ("which film director" wants a person), then its modifiers.
    for word in reversed(words):
        kind = _KIND_OF_NOUN.get(word) or _KIND_OF_NOUN.get(_singular(word))
        if kind:
            return Wanted(kind)
    if _ASKS_NAME.search(lowered):
        return Wanted("name")
    if words:
        return Wanted("noun", stem(words[-1]))
    return None


def _noun_phrase(after: str, wh: str = "which") -> list[str]:
    """The words of the noun phrase after "which" / "what", up to the verb, possessives cut.

    "which two airlines are" -> two, airlines; "which state's largest park" -> state (the
    possessor is what is asked for); "which old bridge collapsed" -> old, bridge; "banned what
    from its galleries" -> nothing ("what" is the object itself, no noun follows it).
    """
    words: list[str] = []
    following = after.split()
    if wh == "what" and following and following[0] in STOP_WORDS:
        return words
    for word in following:
        possessor = re.sub(r"[’']s?$", "", word)
        if possessor != word:
            words.append(possessor)
            break
        if word in _NOT_FOCUS:
            break
        if word in STOP_WORDS and word not in _KIND_OF_NOUN:
            if words:
                break
            continue  # "which US bank", "which of the following"
        if len(word) > 4 and word.endswith("ed") and not word.endswith("eed"):  # a verb: "which bridge collapsed"
            break
        words.append(word)
    return [word for word in words if word not in STOP_WORDS or word in _KIND_OF_NOUN]


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def asking_sentence(question: str) -> str:
    """The sentence of a question that asks (the last one ending in "?"), or the whole text."""
    parts = [part for part in _SENTENCE_BREAK.split(question.strip()) if part]
    return next((part for part in reversed(parts) if part.rstrip().endswith("?")), question)


def holds_answer(
    wanted: Wanted | None, sentence: str, question: str, entities: Sequence[tuple[str, str]] | None = None
) -> bool:
    """Whether the sentence holds the kind of answer wanted, beyond what the question itself says.

    ``entities`` are the sentence's (label, text) named entities; None when it was not tagged.
    """
    if wanted is None:
        return False
    if wanted.labels and entities is not None:
        asked = question.lower()
        dateline = DATELINE.match(sentence)
        place_line = dateline.group(1).lower() if dateline else ""  # "WASHINGTON —" answers nothing
        return any(
            label in wanted.labels and text.lower() not in asked and text.lower() not in place_line
            for label, text in entities
        )
    if wanted.kind in ("number", "length"):
        return bool(set(_NUMBER.findall(sentence)) - set(_NUMBER.findall(question)))
    if wanted.kind == "time":
        said = {m.group(0).lower() for m in _TIME.finditer(sentence)}
        return bool(said - {m.group(0).lower() for m in _TIME.finditer(question)})
    if wanted.kind == "cause":
        return bool(_CAUSE.search(sentence))
    if wanted.kind == "noun":
        return wanted.noun in terms(sentence).words
    return False


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
