"""Reading articles: files in, cleaned text and metadata out.

The cleaned text is what every character offset in the index refers to. Page furniture
("POPULAR ARTICLE" lists, access rankings), photo captions, headlines and timestamp lines
are taken out of it by code; metadata comes from front matter when present, else from the
text itself.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from assistant.text.sentences import DATELINE
from assistant.text.words import normalise_quotes

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm")


class ArticleError(ValueError):
    """A file that cannot be read as an article; the message is the one-line reason."""


@dataclass(frozen=True)
class Article:
    doc_id: str
    text: str
    title: str
    outlet: str
    published: str | None = None
    url: str | None = None
    author: str | None = None
    dateline: str | None = None
    captions: tuple[str, ...] = field(default_factory=tuple)
    source: str = ""
    content_hash: str = ""

    def metadata(self) -> dict[str, str]:
        """The article's metadata as flat strings, as stored next to each chunk."""
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "outlet": self.outlet,
            "published": self.published or "",
            "url": self.url or "",
            "author": self.author or "",
        }


# --- reading -----------------------------------------------------------------------------


def document_id(path: Path, root: Path) -> str:
    """The path relative to the ingested root, without extension, with ``/`` separators."""
    relative = path.resolve().relative_to(root.resolve())
    return relative.with_suffix("").as_posix()


def read_article(path: Path, root: Path | None = None, max_bytes: int = 5 * 1024 * 1024) -> Article:
    """Read and clean one article file; raise ArticleError with a one-line reason."""
    root = root if root is not None else path.parent
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ArticleError(f"unsupported file type {suffix or '(none)'!r}")
    size = path.stat().st_size
    if size > max_bytes:
        raise ArticleError(f"file too large ({size} bytes, limit {max_bytes})")
    raw = path.read_bytes()
    return parse_article(raw, suffix, document_id(path, root), source=str(path))


def parse_article(raw: bytes, suffix: str, doc_id: str, source: str = "") -> Article:
    """Parse the bytes of an article of the given kind (``.txt``, ``.md``, ``.html``)."""
    if not raw.strip():
        raise ArticleError("empty file")
    if b"\x00" in raw[:8192]:
        raise ArticleError("binary file (contains NUL bytes)")
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ArticleError(f"not UTF-8 text (undecodable byte at offset {error.start})") from None
    content = content.replace("\r\n", "\n").replace("\r", "\n")

    meta, body = split_front_matter(content)
    if suffix in (".html", ".htm"):
        meta, body = _from_html(body, meta)
    cleaned = clean_text(body, is_markdown=suffix == ".md", title=meta.get("title"))
    if not any(character.isalnum() for character in cleaned.text):  # invisible marks alone are no text
        raise ArticleError("no article text after cleaning")

    title = meta.get("title") or cleaned.headline or _fallback_title(cleaned.text, doc_id)
    published = normalise_date(meta.get("published") or meta.get("date") or "") or cleaned.published
    return Article(
        doc_id=doc_id,
        text=cleaned.text,
        title=title,
        outlet=meta.get("outlet") or meta.get("source") or meta.get("sitename") or "Unknown outlet",
        published=published,
        url=meta.get("url") or None,
        author=meta.get("author") or None,
        dateline=cleaned.dateline,
        captions=tuple(cleaned.captions),
        source=source,
        content_hash=hashlib.sha256(raw).hexdigest(),
    )


def split_front_matter(content: str) -> tuple[dict[str, str], str]:
    """Split a leading ``---`` block of ``key: value`` lines from the body."""
    if not content.startswith("---\n"):
        return {}, content
    end = content.find("\n---", 4)
    if end == -1:
        return {}, content
    meta: dict[str, str] = {}
    for line in content[4:end].splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            meta[key.strip().lower()] = _unquoted(value.strip())
    rest = content[end + 4 :]
    return meta, rest[1:] if rest.startswith("\n") else rest


def _unquoted(value: str) -> str:
    """A front-matter value without the quotes around it ("'Goblin mode' is ..." keeps its own)."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _from_html(html: str, meta: dict[str, str]) -> tuple[dict[str, str], str]:
    import trafilatura

    document = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=False)
    if document is None or isinstance(document, dict) or not (document.text or "").strip():
        raise ArticleError("no article text found in HTML")
    found: dict[str, str] = {
        "title": document.title or "",
        "outlet": document.sitename or "",
        "published": document.date or "",
        "url": document.url or "",
        "author": document.author or "",
    }
    merged = {key: value for key, value in found.items() if value}
    merged.update(meta)
    return merged, str(document.text)


# --- cleaning ----------------------------------------------------------------------------

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_LEADING_DATE = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\b[ \t]*")
_TIMESTAMP_LINE = re.compile(
    rf"^\s*\d{{1,2}}:\d{{2}}\s+[A-Z]{{2,5}},\s+((?:{_MONTHS})\.?\s+\d{{1,2}},\s+\d{{4}})"
    r"(?:\s*\(updated[^)]*\))?\s*$"
)
_PHOTO_CREDIT = re.compile(r"\((?:[^()]*\b(?:photo|Photo|PHOTO|courtesy|Courtesy|Getty Images|File)\b[^()]*)\)\s*$")
_ANY_CREDIT = re.compile(r"\([^()]{2,60}\)\s*$")
_POSITION = re.compile(r"\((?:left|right|center|centre|second from (?:left|right)|top|bottom)\)")
_FURNITURE_HEADING = re.compile(
    r"(POPULAR ARTICLES?|ACCESS RANKING|MOST (?:READ|POPULAR|VIEWED)|RELATED (?:ARTICLES|STORIES)"
    r"|RECOMMENDED (?:ARTICLES|STORIES)|(?i:^\s*(?:related|popular|recommended|trending|more)"
    r"(?: articles| stories| news| now| on this topic)?\s*:?\s*$)|(?i:^\s*read more\s*:?\s*$))"
)
_LIST_ITEM = re.compile(r"^\s*(?:[-•*·]|\d+[.)])(\s|$)")


@dataclass
class CleanedText:
    text: str
    headline: str | None = None
    published: str | None = None
    dateline: str | None = None
    captions: list[str] = field(default_factory=list)


def clean_text(body: str, is_markdown: bool = False, title: str | None = None) -> CleanedText:
    """Remove captions, headline, timestamp lines and page furniture from an article body.

    With a ``title`` known (front matter, HTML metadata), the first line is removed as the
    headline only when it repeats that title; every other sentence of the article is kept.
    """
    result = CleanedText(text="")
    lines = [line.rstrip() for line in body.split("\n")]

    leading = _first_content_index(lines)
    if leading is not None:
        match = _LEADING_DATE.match(lines[leading])
        if match:
            result.published = match.group(1)
            lines[leading] = lines[leading][match.end() :]

    lines = _cut_furniture(lines)

    kept: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped and _is_caption(stripped):
            result.captions.append(stripped)
            continue
        timestamp = _TIMESTAMP_LINE.match(stripped)
        if timestamp:
            result.published = result.published or normalise_date(timestamp.group(1))
            continue
        kept.append(line)

    first = _first_content_index(kept)
    if first is not None:
        candidate = kept[first].strip()
        if is_markdown and candidate.startswith("#"):
            result.headline = candidate.lstrip("#").strip()
            kept[first] = ""
        elif _is_headline(candidate, kept[first + 1 :], title):
            result.headline = candidate
            kept[first] = ""

    text = "\n".join(kept)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    first_line = text.split("\n", 1)[0]
    dateline = DATELINE.match(first_line)
    if dateline:
        result.dateline = dateline.group(1).strip()
    result.text = text
    return result


def _first_content_index(lines: list[str]) -> int | None:
    return next((i for i, line in enumerate(lines) if line.strip()), None)


def _is_caption(paragraph: str) -> bool:
    """A photo caption: ends with a photo credit, or places people (left)/(right) and credits."""
    if len(paragraph) >= 500:
        return False
    if _PHOTO_CREDIT.search(paragraph):
        return True
    return bool(_POSITION.search(paragraph) and _ANY_CREDIT.search(paragraph))


def _is_headline(line: str, rest: list[str], title: str | None) -> bool:
    """The first line repeats the known title; with none known, a short line that reads like one.

    A headline is short, has no sentence-ending punctuation, does not open with a dateline
    ("BERGEN, N.J. — ..."), and more text follows it.
    """
    if title:
        return _comparable(line) == _comparable(title) or (
            title.endswith("...") and _comparable(line).startswith(_comparable(title[:-3]))
        )
    if len(line) > 250 or line.endswith((".", "?", "!", '"', "”", ",", ":")) or DATELINE.match(line):
        return False
    return any(other.strip() for other in rest)


def _comparable(text: str) -> str:
    return " ".join(normalise_quotes(text).lower().split())


def _cut_furniture(lines: list[str]) -> list[str]:
    """Drop each furniture heading and the list of headlines that follows it."""
    kept: list[str] = []
    in_block = False
    for line in lines:
        stripped = line.strip()
        if len(stripped) <= 80 and stripped and _FURNITURE_HEADING.search(stripped):
            in_block = True
            continue
        if in_block:
            is_list_line = (
                not stripped
                or _LIST_ITEM.match(stripped)
                or (len(stripped) <= 200 and not stripped.endswith((".", '"', "”")))
            )
            if is_list_line:
                continue
            in_block = False
        kept.append(line)
    return kept


def _fallback_title(text: str, doc_id: str) -> str:
    first = text.strip().split("\n", 1)[0]
    if len(first) <= 100:
        return first or doc_id
    return first[:97].rsplit(" ", 1)[0] + "..."


_DATE_FORMATS = ("%Y-%m-%d", "%B %d, %Y", "%b %d, %Y", "%b. %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d")


def normalise_date(value: str) -> str | None:
    """An ISO date (``2024-09-06``) from the common ways articles write one, else None."""
    value = value.strip()
    if not value:
        return None
    iso = re.match(r"^(\d{4}-\d{2}-\d{2})", value)
    if iso:
        try:
            return date.fromisoformat(iso.group(1)).isoformat()
        except ValueError:
            return None
    value = re.sub(r"\s+", " ", value.replace("Sept.", "Sep."))
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    return None
