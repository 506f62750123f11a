"""Sentences: spans of whole sentences (never ending inside a quotation), and datelines.

Articles, chunks, quotes and verified answers are all split the same way, by ``split_sentences``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A dateline opening an article or sentence: "SEOUL —", "BERGEN, N.J. --", "WASHINGTON −"
# (outlets set it with an em or en dash, a horizontal bar or a minus sign).
DATELINE = re.compile(r"^([A-Z][A-Z .,'’\-]{1,40}?)\s+(?:—|--|–|―|−)\s+(?=[A-Z\"“‘'])")

# Words that end with a period without ending a sentence.
_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sen",
    "rep",
    "gov",
    "gen",
    "col",
    "lt",
    "sgt",
    "st",
    "jr",
    "sr",
    "inc",
    "corp",
    "co",
    "ltd",
    "no",
    "vs",
    "etc",
    "approx",
    "dept",
    "est",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "u.s",
    "u.k",
    "u.n",
    "e.g",
    "i.e",
    "a.m",
    "p.m",
}
_OPENING_QUOTES = {"“": "”", "‘": "’"}
_CLOSERS = "\"'”’)]"


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def split_sentences(text: str) -> list[Span]:
    """Sentence spans of ``text``: breaks at . ! ? outside quotations, and at blank lines.

    A line break also ends a sentence (articles put one paragraph on a line), so an
    unbalanced quotation cannot swallow the rest of an article.
    """
    spans: list[Span] = []
    start = _skip_space(text, 0)
    depth_straight = False
    curly_depth = 0
    i = start
    n = len(text)
    while i < n:
        char = text[i]
        if char == "\n":
            _add(spans, text, start, i)
            start = _skip_space(text, i)
            i = start
            depth_straight, curly_depth = False, 0
            continue
        closes_quote = False
        if char == '"':
            depth_straight = not depth_straight
            closes_quote = not depth_straight
        elif char == "“":
            curly_depth += 1
        elif char == "”":
            curly_depth = max(0, curly_depth - 1)
            closes_quote = curly_depth == 0
        if closes_quote and not depth_straight and curly_depth == 0 and i > 0 and text[i - 1] in ".!?":
            end = i + 1
            if _is_boundary(text, i - 1, end):
                _add(spans, text, start, end)
                start = _skip_space(text, end)
                i = start
                continue
        elif char in ".!?" and not depth_straight and curly_depth == 0:
            end = i + 1
            while end < n and text[end] in ".!?":
                end += 1
            while end < n and text[end] in _CLOSERS and text[end] != '"':
                end += 1
            if _is_boundary(text, i, end):
                _add(spans, text, start, end)
                start = _skip_space(text, end)
                i = start
                continue
        i += 1
    _add(spans, text, start, n)
    return spans


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _add(spans: list[Span], text: str, start: int, end: int) -> None:
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(Span(start, end))


def _is_boundary(text: str, stop: int, end: int) -> bool:
    """Whether the punctuation at ``stop`` (closers up to ``end``) ends a sentence."""
    if end >= len(text):
        return True
    if not text[end].isspace():
        return False
    following = text[_skip_space(text, end) :][:1]
    if not following or not (following.isupper() or following.isdigit() or following in '"“‘('):
        return False
    if text[stop] == ".":
        word = re.search(r"([A-Za-z.]+)\.$", text[max(0, stop - 12) : stop + 1])
        if word:
            token = word.group(1).lower()
            if token in _ABBREVIATIONS or len(token) == 1:
                return False
    return True
