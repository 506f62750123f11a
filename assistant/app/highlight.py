"""Answers and their sources as HTML, with every article-derived string escaped.

A citation's passage is shown inside its surrounding article text with the cited span in
``<mark>``; each source card has an anchor id (``cite-T-N``: turn T, citation N) that the
``[N]`` markers in the answer link to, and ``SCRIPT`` brings a clicked card into view.
Article and answer text is always escaped, so an article containing ``<script>`` or
``<img onerror=...>`` shows as text and runs nothing. ``CSS`` styles all of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from assistant.text.words import content_words

CONTEXT_CHARS = 400
MAX_REMOVED_SHOWN = 8
_MARKER = re.compile(r"\[(\d+)\]")
_PARAGRAPH = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"[.!?][\"”’']?(?=\s)")
# HTML's own special characters, and those that templating layers (JS template strings,
# Handlebars, Markdown) could read as syntax: as entities they show as written, inert.
_ENTITIES = str.maketrans({c: f"&#{ord(c)};" for c in "&<>\"'{}$`\\*_[]~#|"})


def escape(text: str) -> str:
    """Text made safe to place inside HTML (or Markdown): shown as written, never parsed."""
    return text.translate(_ENTITIES)


def cite_id(turn: int, n: int) -> str:
    return f"cite-{turn}-{n}"


def context_bounds(text: str, start: int, end: int, context: int = CONTEXT_CHARS) -> tuple[int, int]:
    """Where to cut the article around ``text[start:end]``: about ``context`` characters
    either side, at a paragraph or sentence boundary (else a space), so no word is cut."""
    lo, hi = max(0, start - context), min(len(text), end + context)
    if lo > 0:
        window = text[lo:start]
        cuts = [m.end() for m in _PARAGRAPH.finditer(window) if m.end() <= 2 * len(window) // 3]
        cuts = cuts or [m.end() for m in _SENTENCE_END.finditer(window)] or [window.find(" ") + 1]
        lo += max(cuts[0], 0)
        while lo < start and text[lo].isspace():
            lo += 1
    if hi < len(text):
        window = text[end:hi]
        cuts = [m.start() for m in _PARAGRAPH.finditer(window) if m.start() >= len(window) // 3]
        cuts = cuts or [m.end() for m in _SENTENCE_END.finditer(window)] or [window.rfind(" ")]
        hi = end + cuts[-1] if cuts[-1] > 0 else hi
    return lo, hi


def passage_html(text: str, start: int, end: int, context: int = CONTEXT_CHARS) -> str:
    """The cited span in ``<mark>`` inside its surrounding article text, all escaped."""
    lo, hi = context_bounds(text, start, end, context)
    before = ("… " if lo > 0 else "") + text[lo:start]
    after = text[end:hi].rstrip() + (" …" if hi < len(text) else "")
    return f'<div class="passage">{escape(before)}<mark>{escape(text[start:end])}</mark>{escape(after)}</div>'


def source_card(citation: Any, turn: int, article_text: str | None) -> str:
    """One source: number, outlet, date, title and the highlighted passage in context."""
    valid = (
        article_text is not None
        and 0 <= citation.start < citation.end <= len(article_text)
        and article_text[citation.start : citation.end] == citation.text
    )
    if valid and article_text is not None:
        body = passage_html(article_text, citation.start, citation.end)
    else:  # the article changed or was removed since: show the passage as cited
        note = '<p class="source-note">The article has changed or been removed since this answer.</p>'
        body = f'<div class="passage"><mark>{escape(citation.text)}</mark></div>{note}'
    anchor = cite_id(turn, citation.n)
    date = escape(citation.published or "undated")
    return (
        f'<article class="source-card" id="{anchor}" data-cite="{citation.n}">'
        f'<div class="source-meta"><a class="cite-badge" href="#{anchor}">{citation.n}</a>'
        f'<span class="source-outlet">{escape(citation.outlet)}</span>'
        f'<span class="source-date">{date}</span></div>'
        f'<div class="source-title">{escape(citation.title)}</div>{body}</article>'
    )


def answer_html(answer: Any, turn: int) -> str:
    """The answer's text escaped, each ``[n]`` made a link to its source card."""
    known = {citation.n for citation in answer.citations}

    def link(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n not in known:
            return escape(match.group(0))
        return f'<a class="cite-link" href="#{cite_id(turn, n)}" title="Show source {n}">[{n}]</a>'

    out, done = [], 0
    for match in _MARKER.finditer(answer.answer):
        out += [escape(answer.answer[done : match.start()]), link(match)]
        done = match.end()
    out.append(escape(answer.answer[done:]))
    return "".join(out).replace("\n", "<br>")


def answer_bubble(answer: Any, turn: int) -> str:
    """The chat message for a final answer: linked markers, and the notices that matter
    (an abstention, low confidence, sentences a verifier removed, the question searched for)."""
    if answer.abstained:
        return f'<div class="abstention"><strong>Not covered by the articles.</strong> {escape(answer.answer)}</div>'
    if not answer.answer.strip():
        parts = [
            '<div class="abstention"><strong>No supported answer.</strong> Nothing the model wrote '
            "was supported by the cited passages.</div>"
        ]
    else:
        parts = [f'<div class="answer-text">{answer_html(answer, turn)}</div>']
    confidence = getattr(answer, "confidence", None)
    if confidence is not None and confidence < 0.5:  # answered, but more likely not covered than covered
        parts.append(
            f'<div class="low-confidence">Low confidence ({confidence:.0%}): the articles may not answer '
            "this question; check the sources.</div>"
        )
    removed = list(answer.removed_sentences)
    if removed:
        # Only removed sentences about the question are shown: one that is not (an obedient
        # model repeating an article's order, say) is counted, never displayed.
        asked = content_words(answer.searched or answer.question)
        unique = [sentence for sentence in dict.fromkeys(removed) if content_words(sentence) & asked]
        withheld = len(set(removed)) - len(unique)
        items = "".join(f"<li>{escape(sentence)}</li>" for sentence in unique[:MAX_REMOVED_SHOWN])
        if len(unique) > MAX_REMOVED_SHOWN:
            items += f"<li>… and {len(unique) - MAX_REMOVED_SHOWN} more</li>"
        if withheld:
            items += f"<li>{withheld} not about the question, not shown</li>"
        what = "1 sentence was" if len(removed) == 1 else f"{len(removed)} sentences were"
        parts.append(
            f'<details class="removed-note"><summary>{what} removed: the cited passages did not '
            f"support {'it' if len(removed) == 1 else 'them'}</summary><ul>{items}</ul></details>"
        )
    searched = answer.searched
    if searched and searched.strip().lower() != answer.question.strip().lower():
        parts.append(f'<div class="searched-note">Searched for: {escape(searched)}</div>')
    if answer.model:
        parts.append(f'<div class="searched-note">Written by {escape(answer.model)} ({escape(answer.mode)} mode)</div>')
    return "".join(parts)


def partial_bubble(text: str) -> str:
    """An answer still being written (markers not linked yet)."""
    return f'<div class="partial">{escape(text)}</div>'.replace("\n", "<br>")


def error_bubble(error: BaseException) -> str:
    return f'<div class="error-note">Could not answer: {escape(one_line(error))}</div>'


def one_line(error: BaseException) -> str:
    """The first line of an error; our own (ValueError) messages without the class name."""
    lines = str(error).strip().splitlines()
    if lines and isinstance(error, ValueError):
        return lines[0]
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


def sources_panel(turns: Sequence[tuple[int, Any]], article_text: Callable[[str], str | None]) -> str:
    """Source cards for the answers given (newest first); earlier answers collapsed."""
    if not turns:
        return (
            '<div class="sources-empty">Sources appear here: each answer\'s passages, '
            "highlighted within their articles. Click a [n] marker to jump to its source.</div>"
        )
    texts: dict[str, str | None] = {}
    sections = []
    for position, (turn, answer) in enumerate(reversed(turns)):
        cards = []
        for citation in answer.citations:
            if citation.doc_id not in texts:
                texts[citation.doc_id] = article_text(citation.doc_id)
            cards.append(source_card(citation, turn, texts[citation.doc_id]))
        if answer.abstained:
            cards.append('<div class="abstained-note">No sources: the articles do not cover this question.</div>')
        elif not cards:
            cards.append('<div class="abstained-note">This answer cites no sources.</div>')
        title = f'<span class="turn-question">{escape(answer.question)}</span>'
        count = len(answer.citations)
        summary = f'{title}<span class="turn-count">{count} source{"" if count == 1 else "s"}</span>'
        is_open = " open" if position == 0 else ""
        sections.append(
            f'<details class="turn-sources" id="turn-{turn}"{is_open}><summary>{summary}</summary>'
            f"{''.join(cards)}</details>"
        )
    return "".join(sections)


# When a [n] marker is clicked: open its answer's group, bring the source card and its
# highlighted passage into view, and flash the card.
SCRIPT = """
document.addEventListener("click", (event) => {
  const link = event.target.closest ? event.target.closest('a[href^="#cite-"]') : null;
  if (!link) return;
  const card = document.getElementById(link.getAttribute("href").slice(1));
  if (!card) return;
  event.preventDefault();
  event.stopPropagation();
  const group = card.closest("details");
  if (group) group.open = true;
  const mark = card.querySelector("mark") || card;
  mark.scrollIntoView({behavior: "smooth", block: "center"});
  card.classList.remove("flash");
  void card.offsetWidth;
  card.classList.add("flash");
}, true);
// When a new answer's sources arrive (newest first), show the top of the panel.
let newestSources = null;
new MutationObserver(() => {
  const newest = document.querySelector("#sources details.turn-sources");
  if (newest && newest.id !== newestSources) {
    newestSources = newest.id;
    newest.scrollIntoView({block: "nearest"});
  }
}).observe(document.documentElement, {childList: true, subtree: true});
"""

CSS = """
.app-header h1 { margin: 0.2em 0 0.1em; font-size: 1.6em; }
.app-header p { margin: 0 0 0.4em; color: var(--body-text-color-subdued); }
.panel-title { margin: 0.3em 0 0.2em; font-size: 1.05em; }
.sources-empty { color: var(--body-text-color-subdued); padding: 18px; border: 1px dashed
  var(--border-color-primary); border-radius: 10px; line-height: 1.5; }
.turn-sources { margin-bottom: 10px; }
.turn-sources > summary { cursor: pointer; display: flex; gap: 8px; align-items: baseline;
  font-size: 0.9em; color: var(--body-text-color-subdued); padding: 4px 0; }
.turn-question { font-style: italic; flex: 1; }
.turn-count { white-space: nowrap; font-size: 0.85em; }
.source-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 12px 14px;
  margin: 8px 0; background: var(--background-fill-primary); transition: box-shadow 0.4s ease; }
.source-card.flash { box-shadow: 0 0 0 3px var(--color-accent); }
.source-meta { display: flex; gap: 10px; align-items: center; font-size: 0.85em;
  color: var(--body-text-color-subdued); }
.cite-badge { display: inline-flex; min-width: 1.7em; height: 1.7em; border-radius: 999px;
  background: var(--color-accent); color: white !important; justify-content: center; align-items: center;
  font-weight: 700; text-decoration: none !important; }
.source-outlet { font-weight: 600; color: var(--body-text-color); }
.source-title { font-weight: 600; margin: 6px 0 8px; line-height: 1.35; }
.passage { white-space: pre-wrap; font-size: 0.9em; line-height: 1.55; color: var(--body-text-color-subdued); }
.passage mark { background: #fde68a; color: #1f2937; padding: 1px 2px; border-radius: 3px; }
.low-confidence { font-size: 0.85em; color: #b45309; margin-top: 0.4em; }
.source-note, .abstained-note { font-size: 0.85em; color: var(--body-text-color-subdued); }
a.cite-link { font-weight: 700; text-decoration: none; color: var(--color-accent); padding: 0 2px;
  border-radius: 4px; background: var(--color-accent-soft); }
.abstention { border-left: 4px solid #f59e0b; background: #fffbeb; color: #78350f; padding: 8px 12px;
  border-radius: 6px; }
.error-note { border-left: 4px solid #ef4444; background: #fef2f2; color: #7f1d1d; padding: 8px 12px;
  border-radius: 6px; }
.removed-note, .searched-note { margin-top: 8px; font-size: 0.85em; color: var(--body-text-color-subdued); }
#new-chat { white-space: nowrap; }
#library-table td, #library-table th, #eval-retrieval td, #eval-retrieval th, #eval-answers td,
#eval-answers th { font-family: var(--font) !important; }
#active-settings { font-size: 0.85em; color: var(--body-text-color-subdued); }
.thinking { color: var(--body-text-color-subdued); font-style: italic; }
"""
