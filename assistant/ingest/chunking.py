"""Sentence-aware chunking with character offsets into the cleaned article text.

A sentence never ends inside a quotation, and a chunk never ends inside a sentence: chunks
are runs of whole sentences of about ``size`` words, the next one starting with the last
sentences of the previous one (up to ``overlap`` words).
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.ingest.articles import Article
from assistant.text.sentences import split_sentences


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
    # Where each of its sentences starts in the article (as stored; empty before storing).
    sentence_starts: tuple[int, ...] = ()

    @property
    def words(self) -> int:
        return len(self.text.split())

    @property
    def indexed_text(self) -> str:
        """What dense and keyword retrieval see: the article's title, then the chunk's text."""
        return f"{self.title}\n{self.text}" if self.title else self.text


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
