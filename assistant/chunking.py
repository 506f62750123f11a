"""Sentence-aware chunking with character offsets into the cleaned article text.

A sentence never ends inside a quotation, and a chunk never ends inside a sentence: chunks
are runs of whole sentences of about ``size`` words, the next one starting with the last
sentences of the previous one (up to ``overlap`` words).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .articles import Article

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


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc_id: str
    index: int
    text: str
    start: int
    end: int
    title: str
    outlet: str
    published: str | None
    speakers: tuple[str, ...] = ()

    @property
    def words(self) -> int:
        return len(self.text.split())


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


def chunk_article(article: Article, size: int = 110, overlap: int = 25) -> list[Chunk]:
    """Group the article's sentences into chunks of about ``size`` words."""
    if size <= 0:
        raise ValueError(f"size must be greater than 0. Currently, size is {size}")
    if not 0 <= overlap < size:
        raise ValueError(f"overlap must be in [0, size). Currently, overlap is {overlap}")
    sentences = split_sentences(article.text)
    words = [len(article.text[s.start : s.end].split()) for s in sentences]
    groups: list[tuple[int, int]] = []  # [first, last) sentence indices
    first = 0
    while first < len(sentences):
        last, total = first, 0
        while last < len(sentences) and (last == first or total + words[last] <= size):
            total += words[last]
            last += 1
        groups.append((first, last))
        if last >= len(sentences):
            break
        # Step back over whole sentences for the overlap, always moving forward.
        back, carried = last, 0
        while back - 1 > first and carried + words[back - 1] <= overlap:
            back -= 1
            carried += words[back]
        first = back
    chunks = []
    for index, (a, b) in enumerate(groups):
        start, end = sentences[a].start, sentences[b - 1].end
        chunks.append(
            Chunk(
                chunk_id=f"{article.doc_id}#{index}",
                doc_id=article.doc_id,
                index=index,
                text=article.text[start:end],
                start=start,
                end=end,
                title=article.title,
                outlet=article.outlet,
                published=article.published,
            )
        )
    return chunks
