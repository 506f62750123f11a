"""Words: one tokeniser, one stop-word list, one stemmer (PyStemmer, as bm25s uses).

``terms(text)`` gives the key terms a text is compared on (stemmed content words, names,
numbers, negation); ``content_words`` the stemmed content words alone. Retrieval, answers,
verification and follow-ups all use these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

WORD = re.compile(r"[a-z0-9]+")
_QUOTES = str.maketrans("“”‘’—–", "\"\"''--")
NAME = re.compile(r"[A-Z][\w'’\-]*")
NEGATION = re.compile(r"\b(?:not|no|never|none|nobody|nothing|neither|nor|without|cannot)\b|n['’]t\b")
STOP_WORDS = frozenset(
    """a an the of to in on at for and or but nor is are was were be been being am do does did done
    doing what who whom whose which when where why how that this these those it its itself with by
    from as about into onto than then there here their theirs they them he she him his her hers i
    you we our ours your yours my me us any some all both each every other such own same so if
    also too very just only can could would should will shall may might must have has had having
    not no yes up out over under again further once more most less much many few while after before
    during between through above below off until against among per via s t ll re ve d m o
    according said say says saying told tell tells stated states noted notes added adds reported
    reports reiterated stressed stresses emphasized emphasised highlighted highlights clarified
    echoed explained mentioned described describes remarked commented announced answer answered
    passage passages article articles report news""".split()
)
NUMBER_WORDS = {
    word: str(i)
    for i, words in enumerate(
        [
            (),
            ("one", "first", "once"),
            ("two", "second", "twice"),
            ("three", "third"),
            ("four", "fourth"),
            ("five", "fifth"),
            ("six", "sixth"),
            ("seven", "seventh"),
            ("eight", "eighth"),
            ("nine", "ninth"),
            ("ten", "tenth"),
            ("eleven", "eleventh"),
            ("twelve", "twelfth"),
        ]
    )
    for word in words
}


@dataclass(frozen=True)
class Terms:
    words: frozenset[str]  # stemmed content words
    raw: frozenset[str]  # lower-case tokens, unstemmed
    names: frozenset[str]  # lower-case names (capitalised words)
    numbers: frozenset[str]
    negated: bool


def terms(text: str) -> Terms:
    """The key terms of a text: content words (stemmed), names, numbers, negation."""
    text = normalise_quotes(text)
    raw = WORD.findall(text.lower())
    stem = _stemmer()
    words = {stem(w) for w in raw if w not in STOP_WORDS and not w.isdigit() and w not in NUMBER_WORDS and len(w) > 1}
    numbers = {_number(w) for w in raw if w[:1].isdigit()} | {NUMBER_WORDS[w] for w in raw if w in NUMBER_WORDS}
    # Capitalised words, the first word of a sentence included (unless a stop word): a name
    # the evidence lacks is a claim it cannot support.
    names = {
        part
        for match in NAME.finditer(text)
        for part in WORD.findall(match.group(0).lower())
        if part not in STOP_WORDS and not part.isdigit() and len(part) > 1
    }
    return Terms(
        frozenset(words), frozenset(raw), frozenset(names), frozenset(numbers), bool(NEGATION.search(text.lower()))
    )


def stem(word: str) -> str:
    """The English stem of a lower-case word ("cooperation" -> "cooper")."""
    return str(_stemmer()(word))


def normalise_quotes(text: str) -> str:
    return text.translate(_QUOTES)


def _number(token: str) -> str:
    digits = re.match(r"\d+", token)
    return digits.group(0) if digits else token


def content_words(text: str) -> set[str]:
    """The stemmed content words of a text (no stop words, no one-letter words)."""
    return {stem(w) for w in WORD.findall(normalise_quotes(text).lower()) if w not in STOP_WORDS and len(w) > 1}


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer  # PyStemmer: a small C extension (bm25s uses it too)

    stemmer = Stemmer.Stemmer("english")
    return lru_cache(maxsize=50_000)(stemmer.stemWord)
