"""Negation: which words of a text are said to hold, and which are said not to.

``polarities(text)`` maps each content word (stemmed, as ``words.terms`` gives them) to the
polarities it appears with: ``True`` inside the scope of a negation, ``False`` outside.
A negation cue ("not", "n't", "no", "never", "no longer", "cannot", "nothing", "nobody",
"none", "neither", "nor", "without") negates the next ``SCOPE`` content words of its
clause: the scope ends at a sentence end, a semicolon, colon, bracket or quotation mark, or
a word that opens another clause ("but", "although", "because", "if", ...). "not only" is
no negation. So "Japan would not uphold the declaration" negates "uphold" and "declaration",
and "Japan would uphold the declaration" says the opposite of it.
"""

from __future__ import annotations

import re

from assistant.text.words import STOP_WORDS, normalise_quotes, stem

SCOPE = 3
CUES = frozenset({"not", "no", "never", "cannot", "nothing", "nobody", "none", "neither", "nor", "without", "nowhere"})
# Words that open a new clause, ending a negation's scope.
CLAUSE_WORDS = frozenset(
    {"but", "although", "though", "however", "because", "since", "if", "unless", "while", "whereas", "yet", "so"}
)
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[.;:!?()\[\]\"]")
_BOUNDARIES = frozenset('.;:!?()[]"')


_IRREGULAR = {"wo": "will", "ca": "can", "sha": "shall", "ai": "is"}
_CONTRACTION = re.compile(r"\b(\w+?)n['’]t\b", re.IGNORECASE)


def expand_contractions(text: str) -> str:
    """ "won't" -> "will not", "didn't" -> "did not": the same words whichever way they are written."""

    def expand(match: re.Match[str]) -> str:
        stem_ = match.group(1)
        return f"{_IRREGULAR.get(stem_.lower(), stem_)} not"

    return _CONTRACTION.sub(expand, text)


def tokens(text: str) -> list[str]:
    """Lower-case words (contractions kept whole: "won't") and the punctuation that ends a scope."""
    return _TOKEN.findall(normalise_quotes(text).lower())


def is_cue(token: str, following: str = "") -> bool:
    """Whether a token negates: a cue word or a contraction in "n't", but not "not only"."""
    if token == "not" and following == "only":
        return False
    return token in CUES or token.endswith("n't")


def polarities(text: str) -> dict[str, set[bool]]:
    """Each content word's stem and the polarities it is used with (True: negated)."""
    found: dict[str, set[bool]] = {}
    words = tokens(text)
    left = 0  # content words still inside the current negation's scope
    for i, token in enumerate(words):
        following = words[i + 1] if i + 1 < len(words) else ""
        if token in _BOUNDARIES or token in CLAUSE_WORDS:
            left = 0
            continue
        if is_cue(token, following):
            left = SCOPE
            continue
        if token == "longer" and i > 0 and words[i - 1] == "no":
            continue  # "no longer": the cue is "no"
        if token in STOP_WORDS or len(token) < 2 or token.isdigit() or "'" in token:
            continue
        found.setdefault(stem(token), set()).add(left > 0)
        left = max(left - 1, 0)
    return found


def is_negated(text: str) -> bool:
    """Whether the text holds a negation cue at all."""
    words = tokens(text)
    return any(is_cue(token, words[i + 1] if i + 1 < len(words) else "") for i, token in enumerate(words))


def opposite_words(claim: str, evidence: str) -> set[str]:
    """Content words the claim uses with a polarity the evidence never gives them."""
    said, found = polarities(claim), polarities(evidence)
    return {word for word, used in said.items() if word in found and not (used & found[word])}
