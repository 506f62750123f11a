"""What each event of the chat page does, in plain Python (no Gradio objects).

``Page`` answers, lists the library, uploads, removes, re-indexes and evaluates; the
helpers turn the Settings tab's values into engine options. ``page.py`` wires them to Gradio.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

from assistant.answer.result import Answer
from assistant.app import highlight, library
from assistant.settings import Settings

log = logging.getLogger(__name__)

ALL_OUTLETS = "All outlets"
MODE_HELP = (
    "**extractive** quotes the articles verbatim (no model writes anything); **local** runs the "
    "packaged SmolLM2 model; **ollama** and **openai** use a model server. Sentences a model "
    "writes are checked against the passages they cite, and unsupported ones are removed."
)
# Modes whose availability needs a request to a model server: checked when picked, not on page load.
SERVER_MODES = ("ollama", "openai")
THINKING = '<span class="thinking">Searching the articles…</span>'
SEED_QUESTIONS = Path(str(files("assistant") / "evaluate" / "gold" / "seed_questions.jsonl"))

Turns = list[tuple[int, Answer]]  # (turn number, answer) for each exchange so far
Report = Callable[..., Any]  # gr.Progress: report(progress, desc=..., unit=...)


def answer_modes(assistant: Any, modes: tuple[str, ...] | None = None) -> dict[str, str | None]:
    """Mode -> None when it can be used here, else the reason it cannot (only ``modes``, when given)."""
    available = getattr(assistant, "available_modes", None)
    if callable(available):
        return dict(available(modes)) if modes is not None else dict(available())
    return {assistant.settings.mode: None}


def conversation_options(assistant: Any, turns: Turns, mode: str | None) -> dict[str, Any]:
    """``history=`` and ``mode=`` for ``assistant.stream``, as far as the engine takes them."""
    parameters = inspect.signature(assistant.stream).parameters
    options: dict[str, Any] = {}
    if mode and mode != assistant.settings.mode:
        if "mode" not in parameters:
            raise ValueError(f"answer mode {mode!r} is not available here")
        options["mode"] = mode
    if turns and "history" in parameters:
        from assistant.answer import result as answers

        turn = getattr(answers, "Turn", None)
        if turn is not None:
            options["history"] = [turn(answer.question, answer) for _, answer in turns]
    return options


def assistant_for_mode(assistant: Any, mode: str | None) -> Any:
    """An assistant answering in ``mode`` by default (for the evaluation), on the same index."""
    if not mode or mode == assistant.settings.mode:
        return assistant
    with_mode = getattr(assistant, "with_mode", None)
    if callable(with_mode):  # shares the index, the loaded models and their locks
        return with_mode(mode)
    from assistant.engine import build_assistant

    other = build_assistant(assistant.settings.model_copy(update={"mode": mode}), embedder=assistant.embedder)
    answerer_for = getattr(assistant, "answerer_for", None)
    if callable(answerer_for) and hasattr(other, "register_answerer"):
        other.register_answerer(answerer_for(mode))  # share a model already loaded
    return other


def filters_from(outlet: str | None, since: str | None, until: str | None) -> Any:
    """The Settings tab's filters as ``Filters``; ValueError naming a bad date."""
    from assistant.ingest.articles import normalise_date
    from assistant.retrieve.retrievers import Filters

    dates: dict[str, str | None] = {}
    for name, value in (("since", since), ("until", until)):
        value = (value or "").strip()
        if value and normalise_date(value) is None:
            raise ValueError(f"{name}: not a date: {value!r} (use YYYY-MM-DD)")
        dates[name] = normalise_date(value) if value else None
    return Filters(outlet if outlet and outlet != ALL_OUTLETS else None, dates["since"], dates["until"])


def active_settings(mode: str, k: float, outlet: str, since: str, until: str) -> str:
    """One line under the question box: how answers are made now."""
    parts = [f"Mode: **{mode}**", f"{int(k)} passages", outlet or ALL_OUTLETS]
    since, until = (since or "").strip(), (until or "").strip()
    if since or until:
        parts.append(f"published {since or '…'} to {until or '…'}")
    return " · ".join(parts) + " — change them in the Settings tab."


class Page:
    """What each event of the page does, in plain Python (no Gradio objects)."""

    def __init__(self, assistant: Any, settings: Settings) -> None:
        self.assistant = assistant
        self.settings = settings
        self.corpus = Path(settings.corpus)

    # --- chat ----------------------------------------------------------------------------

    def sources(self, turns: Turns) -> str:
        return highlight.sources_panel(turns, self.assistant.index.document_text)

    def respond(
        self, question: str, chat: list[dict[str, Any]], turns: Turns, options: dict[str, Any]
    ) -> Iterator[tuple[list[dict[str, Any]], str | None, Turns]]:
        """(chat messages, sources panel or None when unchanged, turns) as the answer streams."""
        chat = [*chat, _message("user", highlight.escape(question)), _message("assistant", THINKING)]
        yield chat, None, turns
        final: Answer | None = None
        try:
            for part in self.assistant.stream(question, **options):
                if isinstance(part, Answer):
                    final = part
                else:
                    chat[-1] = _message("assistant", highlight.partial_bubble(part))
                    yield chat, None, turns
        except Exception as error:  # shown in the chat as one line
            if isinstance(error, ValueError):  # a question the engine refuses: the user's to fix
                log.info("question refused: %s", highlight.one_line(error))
            else:
                log.exception("answering %r failed", question)
            chat[-1] = _message("assistant", highlight.error_bubble(error))
            yield chat, None, turns
            return
        if final is None:
            return
        turn = turns[-1][0] + 1 if turns else 1
        turns = [*turns, (turn, final)]
        chat[-1] = _message("assistant", highlight.answer_bubble(final, turn))
        yield chat, self.sources(turns), turns

    def modes(self, current: str | None) -> tuple[list[str], str, str]:
        """(modes to offer, the one to select, a note) without asking any model server.

        Modes that need a server (ollama, openai) are offered unchecked and checked when
        picked (``pick_mode``): a page load sends nothing to those URLs.
        """
        offline = tuple(name for name in ("extractive", "local") if name not in SERVER_MODES)
        modes = answer_modes(self.assistant, offline)
        default = self.settings.mode
        usable = [name for name, reason in modes.items() if reason is None]
        usable += [name for name in SERVER_MODES if name not in usable]
        if default not in usable:
            usable.insert(0, default)
        value = current if current in usable else default
        unavailable = [f"- **{name}**: {reason}" for name, reason in modes.items() if reason]
        note = MODE_HELP + " **ollama** and **openai** are checked when you pick them."
        note += "\n\nNot available here:\n" + "\n".join(unavailable) if unavailable else ""
        return usable, value, note

    def pick_mode(self, mode: str, previous: str | None) -> tuple[str, str | None]:
        """(the mode to use, None or why ``mode`` cannot be used): checks only the picked mode."""
        reason = answer_modes(self.assistant, (mode,)).get(mode)
        if reason is None:
            return mode, None
        return previous or self.settings.mode, f"{mode} is not available: {reason}"

    # --- library -------------------------------------------------------------------------

    def library(self) -> tuple[list[list[Any]], list[tuple[str, str]], list[str], str]:
        """(table rows, remove choices, outlet choices, summary line)."""
        rows = library.library_rows(self.assistant)
        choices = [(f"{row[0]} ({row[4]})", row[4]) for row in rows]
        passages = sum(row[3] for row in rows)
        summary = (
            f"**{len(rows)}** article{'' if len(rows) == 1 else 's'} indexed, **{passages}** passages. "
            f"Corpus folder: `{self.corpus}`"
        )
        return rows, choices, [ALL_OUTLETS, *library.outlets(self.assistant)], summary

    def upload(self, files: list[str], report: Report) -> str:
        uploads = [(Path(name), Path(name).name) for name in files]
        outcome = library.add_uploads(
            self.assistant, uploads, self.corpus, self.settings.max_upload_bytes, _ingest_progress(report)
        )
        return outcome.text()

    def remove(self, doc_id: str) -> str:
        return library.remove_article(self.assistant, doc_id, self.corpus).text()

    def reindex(self, report: Report) -> str:
        return library.reindex(self.assistant, self.corpus, _ingest_progress(report)).text()

    # --- evaluation ------------------------------------------------------------------------

    def evaluate(self, file: str | None, mode: str | None, report: Report, folder: Path) -> dict[str, Any]:
        """Run the evaluation; the note, both metric tables, the plots and the report files
        (written into ``folder``, which the caller removes once the page has them)."""
        tools = evaluation_tools()
        if tools is None:
            raise ValueError("the evaluation is not available in this version")
        load_questions, run_evaluation, write_report = tools
        path = Path(file) if file else SEED_QUESTIONS
        questions = load_questions(path)
        report(0, desc=f"Evaluating {len(questions)} questions")
        options: dict[str, Any] = {}
        if "progress" in inspect.signature(run_evaluation).parameters:
            options["progress"] = lambda done, total, _what: report((done, total), desc="Evaluating", unit="questions")
        result = run_evaluation(assistant_for_mode(self.assistant, mode), questions, **options)
        written = [Path(p) for p in write_report(result, folder)]
        retrieval, answers = metric_tables(result)
        retriever = result.get("default_retriever")
        note = f"Evaluated **{result.get('questions', len(questions))}** questions from `{path.name}`" + (
            f" in **{mode or self.settings.mode}** mode; the chat uses the **{retriever}** retriever."
            if retriever
            else "."
        )
        return {
            "note": note,
            "retrieval": retrieval,
            "answers": answers,
            "plots": [str(p) for p in written if p.suffix.lower() == ".png"],
            "files": [str(p) for p in written],
        }


def _message(role: str, content: str) -> dict[str, Any]:
    return {"role": role, "content": content}


def _ingest_progress(report: Report) -> library.Progress:
    def progress(done: int, total: int, path: str) -> None:
        report((done, total), desc=f"Indexing {Path(path).name}", unit="files")

    return progress


def evaluation_tools() -> tuple[Any, Any, Any] | None:
    """(load_questions, run_evaluation, write_report) when the evaluation modules exist."""
    try:
        from assistant.evaluate.report import write_report
        from assistant.evaluate.run import load_questions, run_evaluation
    except ImportError:
        return None
    return load_questions, run_evaluation, write_report


def metric_tables(result: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``eval --json`` object as two tables: retrievers by metrics, and answer metrics."""
    retrievers = result.get("retrievers", {})
    names: list[str] = []
    for metrics in retrievers.values():
        names += [key for key in metrics if key not in names]
    rows = [[name, *(_number(metrics.get(key)) for key in names)] for name, metrics in retrievers.items()]
    answers = [[key, _number(value)] for key, value in result.get("answers", {}).items()]
    return {"headers": ["retriever", *names], "data": rows}, {"headers": ["metric", "value"], "data": answers}


def size(count: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    return f"{count / 1024:.3g} KB" if count < 1024**2 else f"{count / 1024**2:.3g} MB"


def _number(value: Any) -> Any:
    return round(value, 3) if isinstance(value, float) else ("—" if value is None else value)
