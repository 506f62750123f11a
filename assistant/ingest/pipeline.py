"""Incremental ingest: files in, chunks, sentences and speakers out, into the index.

Everything that can fail (reading, cleaning, chunking, embedding) happens before anything
is written, so a broken file is skipped with its one-line reason and the index is left as
it was. A document whose fingerprint has not changed is not read past its bytes and not
embedded again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.ingest.articles import SUPPORTED_SUFFIXES, Article, ArticleError, document_id, read_article
from assistant.ingest.chunking import Chunk, chunk_article
from assistant.ingest.quotes import find_quotes
from assistant.store.embedding import Embedder
from assistant.store.index import DocumentRecord, Index, SentenceRecord
from assistant.text.directives import is_directive
from assistant.text.entities import EntityTagger
from assistant.text.sentences import split_sentences

# Bump when cleaning or chunking changes, so that the next ingest redoes every document.
PIPELINE_VERSION = "6"

Progress = Callable[[int, int, str], None]
# Texts (chunks and sentences) embedded and written together.
BATCH_TEXTS = 512


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    # documents left half-written by an interrupted write, taken out again
    repaired: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    texts_embedded: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    @property
    def failed(self) -> bool:
        """Nothing given could be ingested."""
        return bool(self.skipped) and not (self.added or self.updated or self.unchanged)

    def summary(self) -> str:
        counts = (
            f"added {len(self.added)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}, "
            f"removed {len(self.removed)}, skipped {len(self.skipped)}"
        )
        lines = [counts] + [f"skipped {path}: {reason}" for path, reason in self.skipped]
        return "\n".join(lines)


@dataclass
class _Prepared:
    article: Article
    record: DocumentRecord
    chunks: list[Chunk]
    chunk_speakers: list[list[str]]
    sentences: list[SentenceRecord]

    @property
    def texts(self) -> list[str]:
        """What gets embedded: each chunk with its title, then each sentence."""
        return [chunk.indexed_text for chunk in self.chunks] + [sentence.text for sentence in self.sentences]


def document_fingerprint(content_hash: str, chunk_size: int, chunk_overlap: int) -> str:
    key = f"{PIPELINE_VERSION}|{chunk_size}|{chunk_overlap}|{content_hash}"
    return hashlib.sha256(key.encode()).hexdigest()


def find_files(paths: Iterable[Path]) -> tuple[list[tuple[Path, Path]], list[tuple[str, str]], list[Path]]:
    """(file, root) pairs to read, paths that could not be used, and the folders walked."""
    files: list[tuple[Path, Path]] = []
    missing: list[tuple[str, str]] = []
    folders: list[Path] = []
    for path in paths:
        if path.is_dir():
            folders.append(path)
            for item in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in item.relative_to(path).parts)
                if item.is_file() and not hidden and item.name.lower() not in ("readme.md", ".gitkeep"):
                    files.append((item, path))
        elif path.is_file():
            files.append((path, path.parent))
        else:
            missing.append((str(path), "no such file or directory"))
    return files, missing, folders


def ingest(
    paths: Iterable[Path],
    index: Index,
    embedder: Embedder,
    chunk_size: int,
    chunk_overlap: int,
    max_file_bytes: int,
    progress: Progress | None = None,
    tagger: EntityTagger | None = None,
    repair: bool = True,
) -> IngestReport:
    """Bring the index in step with the given files and folders (``tagger``: named entities).

    ``repair``: look for documents an interrupted write left without their record (one read
    of every chunk's metadata, so only worth it when the last write did not finish).
    """
    files, missing, folders = find_files(paths)
    report = IngestReport(skipped=list(missing))
    existing = {record.doc_id: record for record in index.document_records()}
    embedded_before = embedder.texts_embedded
    seen: dict[str, Path] = {}
    batch: list[_Prepared] = []

    for number, (path, root) in enumerate(files, start=1):
        if progress:
            progress(number, len(files), str(path))
        doc_id = document_id(path, root)
        if doc_id in seen:
            report.skipped.append((str(path), f"same document id {doc_id!r} as {seen[doc_id]}"))
            continue
        try:
            item = _prepare(path, root, existing.get(doc_id), chunk_size, chunk_overlap, max_file_bytes, tagger)
        except ArticleError as error:
            report.skipped.append((str(path), str(error)))
            seen[doc_id] = path  # a broken file keeps its indexed version, never removed
            continue
        except OSError as error:
            report.skipped.append((str(path), f"cannot read: {error.strerror or error}"))
            seen[doc_id] = path
            continue
        seen[doc_id] = path
        if item is None:
            report.unchanged.append(doc_id)
            continue
        batch.append(item)
        if sum(len(item.texts) for item in batch) >= BATCH_TEXTS:
            _write(batch, index, embedder, existing, report)
            batch = []
    _write(batch, index, embedder, existing, report)

    removed = [
        record.doc_id
        for record in existing.values()
        if record.doc_id not in seen and _inside_any(record.source, folders)
    ]

    for doc_id in removed:
        index.remove_document(doc_id)
        report.removed.append(doc_id)
    for doc_id in sorted(index.orphan_doc_ids()) if repair else []:
        index.remove_document(doc_id)
        report.repaired.append(doc_id)
    report.texts_embedded = embedder.texts_embedded - embedded_before
    return report


def _write(
    batch: list[_Prepared],
    index: Index,
    embedder: Embedder,
    existing: dict[str, DocumentRecord],
    report: IngestReport,
) -> None:
    """Embed a batch of prepared documents in one call, then write each."""
    vectors = embedder.embed([text for item in batch for text in item.texts])
    at = 0
    for item in batch:
        chunk_vectors = vectors[at : at + len(item.chunks)]
        sentence_vectors = vectors[at + len(item.chunks) : at + len(item.texts)]
        at += len(item.texts)
        store_document(item, chunk_vectors, sentence_vectors, index, existing, report)


def store_document(
    item: _Prepared,
    chunk_vectors: list[list[float]],
    sentence_vectors: list[list[float]],
    index: Index,
    existing: dict[str, DocumentRecord],
    report: IngestReport,
) -> None:
    """Write one prepared document with its vectors, and count it as added or updated."""
    index.replace_document(
        item.record,
        item.article.text,
        item.chunks,
        chunk_vectors,
        item.chunk_speakers,
        item.sentences,
        sentence_vectors,
    )
    (report.updated if item.record.doc_id in existing else report.added).append(item.record.doc_id)


def _prepare(
    path: Path,
    root: Path,
    current: DocumentRecord | None,
    chunk_size: int,
    chunk_overlap: int,
    max_file_bytes: int,
    tagger: EntityTagger | None = None,
) -> _Prepared | None:
    """Read, clean, chunk and tag one file; None when the indexed version is up to date."""
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise ArticleError(f"unsupported file type {path.suffix.lower() or '(none)'!r}")
    if path.stat().st_size <= max_file_bytes and current is not None:
        raw_hash = hashlib.sha256(path.read_bytes()).hexdigest()
        if current.fingerprint == document_fingerprint(raw_hash, chunk_size, chunk_overlap):
            return None
    article = read_article(path, root, max_file_bytes)
    chunks = chunk_article(article, chunk_size, chunk_overlap)
    entities = tagger.entities([article.text])[0] if tagger is not None else []
    labelled = [(e.label, e.text) for e in entities] if tagger is not None else None  # None: not tagged
    quotes = find_quotes(article.text, labelled)
    sentences = []
    for span in split_sentences(article.text):
        speaker = next((q.speaker for q in quotes if q.start < span.end and span.start < q.end), None)
        inside = tuple((e.label, e.text) for e in entities if span.start <= e.start and e.end <= span.end)
        text = article.text[span.start : span.end]
        directive = is_directive(text)
        sentences.append(SentenceRecord(article.doc_id, span.start, span.end, text, speaker, inside, directive))
    chunk_speakers = [
        sorted({q.speaker for q in quotes if q.start < chunk.end and chunk.start < q.end}) for chunk in chunks
    ]
    record = DocumentRecord(
        doc_id=article.doc_id,
        title=article.title,
        outlet=article.outlet,
        published=article.published,
        url=article.url,
        author=article.author,
        fingerprint=document_fingerprint(article.content_hash, chunk_size, chunk_overlap),
        chunks=len(chunks),
        source=str(path.resolve()),
    )
    return _Prepared(article, record, chunks, chunk_speakers, sentences)


def _inside_any(source: str, folders: list[Path]) -> bool:
    if not source:
        return False
    path = Path(source)
    return any(path.is_relative_to(folder.resolve()) for folder in folders)
