"""The article library behind the page: add uploads, remove articles, re-index the corpus.

Everything here works without a browser. Uploaded files are copied into the corpus folder
under a sanitised base name (a name such as ``../../x.txt`` becomes ``x.txt`` inside the
folder), checked for type and size first, and never overwrite a different file already
there. Every problem is one line naming the file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm")
_UNSAFE = re.compile(r"[^\w.-]+")
_MAX_STEM = 120

Progress = Callable[[int, int, str], None]


class LibraryError(ValueError):
    """A library action that cannot be done; the message is the one-line reason."""


@dataclass
class LibraryOutcome:
    """What a library action did, as one line per article, for the page to show."""

    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join([*self.lines, *self.problems]) or "Nothing to do."


def safe_name(name: str) -> str:
    """The base name an upload is saved under, or LibraryError saying why there is none.

    Folders are dropped (``/`` and ``\\`` both), leading dots go (no hidden files), runs
    of anything but letters, digits, ``.``, ``_`` and ``-`` become ``_``, and the
    extension must be one the library reads.
    """
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name))[-1]
    stem, dot, suffix = base.rpartition(".")
    suffix = f".{suffix.lower()}" if dot else ""
    if suffix not in UPLOAD_SUFFIXES:
        allowed = ", ".join(UPLOAD_SUFFIXES)
        raise LibraryError(f"{name!r}: unsupported file type {suffix or '(none)'!r} (allowed: {allowed})")
    stem = _UNSAFE.sub("_", stem).strip("._-")[:_MAX_STEM].strip("._-")
    if not stem:
        raise LibraryError(f"{name!r}: no usable file name")
    return stem + suffix


def save_upload(source: Path, name: str, corpus: Path, max_bytes: int) -> tuple[Path, bool]:
    """Copy an uploaded file into ``corpus``; (the saved path, whether a new file was made).

    A file with the same name and the same bytes is reused; one with different bytes is
    kept and the upload gets a numbered name (``x-2.txt``).
    """
    target_name = safe_name(name)
    size = source.stat().st_size
    if size > max_bytes:
        raise LibraryError(f"{name!r}: file too large ({size} bytes, limit {max_bytes})")
    if size == 0:
        raise LibraryError(f"{name!r}: empty file")
    data = source.read_bytes()
    corpus.mkdir(parents=True, exist_ok=True)
    folder = corpus.resolve()
    stem, suffix = target_name[: -len(Path(target_name).suffix)], Path(target_name).suffix
    for number in range(1, 1000):
        target = folder / (target_name if number == 1 else f"{stem}-{number}{suffix}")
        if target.resolve().parent != folder:  # never outside the corpus folder
            raise LibraryError(f"{name!r}: refusing to write outside {folder}")
        if target.is_file() and target.read_bytes() == data:
            return target, False
        try:
            with open(target, "xb") as handle:
                handle.write(data)
        except FileExistsError:
            continue
        return target, True
    raise LibraryError(f"{name!r}: too many files named {target_name} in {folder}")


def add_uploads(
    assistant: Any,
    uploads: Sequence[tuple[Path, str]],
    corpus: Path,
    max_bytes: int,
    progress: Progress | None = None,
) -> LibraryOutcome:
    """Save each (temporary path, original name) upload into ``corpus`` and ingest them.

    A saved file that cannot be ingested is deleted again, so the corpus folder keeps
    only articles the index holds.
    """
    outcome = LibraryOutcome()
    saved: list[tuple[Path, bool, str]] = []
    for path, name in uploads:
        try:
            target, created = save_upload(Path(path), name, corpus, max_bytes)
        except (LibraryError, OSError) as error:
            outcome.problems.append(_reason(error, name))
            continue
        saved.append((target, created, name))
    if not saved:
        return outcome
    report = assistant.ingest([target for target, _, _ in saved], progress=progress)
    skipped = {Path(where).resolve(): reason for where, reason in report.skipped}
    for target, created, name in saved:
        reason = skipped.get(target.resolve())
        if reason is not None:
            if created:
                target.unlink(missing_ok=True)
            outcome.problems.append(f"{name!r}: {reason}")
            continue
        doc_id = target.stem
        record = assistant.index.document_record(doc_id)
        verb = "added" if doc_id in report.added else "updated" if doc_id in report.updated else "unchanged"
        title = record.title if record else doc_id
        chunks = f", {_plural(record.chunks, 'passage')}" if record else ""
        outcome.lines.append(f"{verb}: {title} ({target.name}{chunks})")
    return outcome


def remove_article(assistant: Any, doc_id: str, corpus: Path) -> LibraryOutcome:
    """Remove an article from the index, and its file when that lies in the corpus folder."""
    record = assistant.index.document_record(doc_id) if doc_id else None
    if record is None:
        raise LibraryError(f"no article with id {doc_id!r} in the index")
    assistant.remove(doc_id)
    line = f"removed: {record.title} ({doc_id})"
    source = Path(record.source) if record.source else None
    if source is not None and source.is_file() and source.resolve().is_relative_to(corpus.resolve()):
        source.unlink()
        line += f" and deleted {source.name} from the corpus folder"
    return LibraryOutcome(lines=[line])


def reindex(assistant: Any, corpus: Path, progress: Progress | None = None) -> LibraryOutcome:
    """Bring the index in step with the corpus folder (incremental)."""
    if not corpus.is_dir():
        raise LibraryError(f"the corpus folder {str(corpus)!r} does not exist")
    report = assistant.ingest([corpus], progress=progress)
    first, *skipped = report.summary().splitlines()
    return LibraryOutcome(lines=[f"re-indexed {corpus}: {first}"], problems=skipped)


def library_rows(assistant: Any) -> list[list[Any]]:
    """The indexed articles as table rows: title, outlet, date, passages, id."""
    return [
        [record.title, record.outlet, record.published or "undated", record.chunks, record.doc_id]
        for record in assistant.documents()
    ]


def outlets(assistant: Any) -> list[str]:
    """The outlets of the indexed articles, for the outlet filter."""
    return sorted({record.outlet for record in assistant.documents() if record.outlet})


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _reason(error: BaseException, name: str) -> str:
    if isinstance(error, OSError):
        return f"{name!r}: cannot read or write: {error.strerror or error}"
    return str(error)
