"""The chat page: a Gradio app over the same engine the CLI uses.

Tabs: Chat (streamed, cited answers with a sources panel beside them), Library (the indexed
articles; upload, remove, re-index), Settings (answer mode, passages, filters) and
Evaluation. ``Page`` holds what each event does (plain Python, no Gradio); ``build_app``
lays the page out and wires the events; ``library.py`` and ``highlight.py`` do the rest.
"""

from __future__ import annotations

import inspect
import ipaddress
import logging
import tempfile
from collections.abc import Callable, Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

from assistant.answer.result import Answer
from assistant.app import highlight, library
from assistant.settings import Settings

log = logging.getLogger(__name__)

LOOPBACK = ("127.0.0.1", "localhost", "::1")
TITLE = "News Assistant"
EXAMPLES = (
    "What did Kishida say about the 1998 declaration?",
    "What agreement did Seoul and Tokyo sign?",
    "What did Yoon say about trilateral cooperation?",
)
ALL_OUTLETS = "All outlets"
SEED_QUESTIONS = Path(str(files("assistant") / "evaluate" / "gold" / "seed_questions.jsonl"))
MODE_HELP = (
    "**extractive** quotes the articles verbatim (no model writes anything); **local** runs the "
    "packaged SmolLM2 model; **ollama** and **openai** use a model server. Sentences a model "
    "writes are checked against the passages they cite, and unsupported ones are removed."
)
THINKING = '<span class="thinking">Searching the articles…</span>'

Turns = list[tuple[int, Answer]]  # (turn number, answer) for each exchange so far
Report = Callable[..., Any]  # gr.Progress: report(progress, desc=..., unit=...)


def credentials(settings: Settings) -> tuple[str, str] | None:
    """``user:password`` from settings; binding beyond loopback requires it."""
    if settings.auth:
        user, sep, password = settings.auth.partition(":")
        if not (sep and user and password):
            raise ValueError("ASSISTANT_AUTH must look like user:password")
        return user, password
    if not is_loopback(settings.host):
        raise ValueError(f"binding to {settings.host} needs credentials: set ASSISTANT_AUTH=user:password")
    return None


def is_loopback(host: str) -> bool:
    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# --- the engine behind the page --------------------------------------------------------------


def answer_modes(assistant: Any) -> dict[str, str | None]:
    """Mode -> None when it can be used here, else the reason it cannot."""
    available = getattr(assistant, "available_modes", None)
    if callable(available):
        return dict(available())
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
        except Exception as error:  # shown in the chat as one line, logged in full
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
        """(usable modes, the one to select, a note on modes and why others are unavailable)."""
        modes = answer_modes(self.assistant)
        default = self.settings.mode
        usable = [name for name, reason in modes.items() if reason is None] or [default]
        value = current if current in usable else default if default in usable else usable[0]
        unavailable = [f"- **{name}**: {reason}" for name, reason in modes.items() if reason]
        note = MODE_HELP + ("\n\nNot available here:\n" + "\n".join(unavailable) if unavailable else "")
        return usable, value, note

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

    def evaluate(self, file: str | None, mode: str | None, report: Report) -> dict[str, Any]:
        """Run the evaluation; the note, both metric tables, the plots and the report files."""
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
        written = [Path(p) for p in write_report(result, Path(tempfile.mkdtemp(prefix="news-assistant-eval-")))]
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


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    return f"{count / 1024:.3g} KB" if count < 1024**2 else f"{count / 1024**2:.3g} MB"


def _number(value: Any) -> Any:
    return round(value, 3) if isinstance(value, float) else ("—" if value is None else value)


# --- the page ---------------------------------------------------------------------------------


def build_app(assistant: Any, settings: Settings | None = None) -> Any:
    """The Gradio Blocks app (not launched)."""
    import gradio as gr

    settings = settings or assistant.settings
    page = Page(assistant, settings)

    def respond(
        message: str, chat: list[dict[str, Any]], turns: Turns, mode: str, k: float, outlet: str, since: str, until: str
    ) -> Iterator[tuple[Any, ...]]:
        question = " ".join((message or "").split())
        if not question:
            raise gr.Error("Type a question first.")
        try:
            options = {"filters": filters_from(outlet, since, until), "k": int(k)}
            options |= conversation_options(assistant, turns, mode)
        except ValueError as error:
            raise gr.Error(str(error)) from None
        for messages, panel, new_turns in page.respond(question, chat, turns, options):
            yield "", messages, gr.skip() if panel is None else panel, new_turns

    def start_over() -> tuple[Any, ...]:
        return "", [], page.sources([]), []

    def pick_example(event: gr.SelectData) -> str:
        value = event.value
        return str(value.get("text", "")) if isinstance(value, dict) else str(value or "")

    # gradio passes the event by the annotation's type, which must resolve at run time
    pick_example.__annotations__ = {"event": gr.SelectData, "return": str}

    def library_view() -> tuple[Any, ...]:
        rows, choices, outlets, summary = page.library()
        return rows, gr.update(choices=choices, value=None), gr.update(choices=outlets), summary

    def mode_view(current: str | None) -> tuple[Any, str]:
        usable, value, note = page.modes(current)
        return gr.update(choices=usable, value=value), note

    def upload(files: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        if not files:
            raise gr.Error("Choose one or more .txt, .md or .html files first.")
        return (page.upload(files, progress), None, *library_view())

    def remove(doc_id: str | None) -> tuple[Any, ...]:
        try:
            return (page.remove(doc_id or ""), *library_view())
        except library.LibraryError as error:
            raise gr.Error(str(error)) from None

    def reindex(progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        try:
            return (page.reindex(progress), *library_view())
        except library.LibraryError as error:
            raise gr.Error(str(error)) from None

    def evaluate(file: str | None, mode: str, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        try:
            out = page.evaluate(file, mode, progress)
        except Exception as error:  # shown as one line, logged in full
            log.exception("the evaluation failed")
            raise gr.Error(highlight.one_line(error)) from None
        return out["note"], out["retrieval"], out["answers"], out["plots"], out["files"]

    with gr.Blocks(title=TITLE, analytics_enabled=False, fill_width=True) as app:
        turns = gr.State([])
        gr.HTML(
            f'<div class="app-header"><h1>{TITLE}</h1><p>Ask about the news articles in the library. '
            "Every answer cites its sources: click a [n] marker to see the passage in its article.</p></div>",
            js_on_load=None,
        )
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=380):
                        chatbot = gr.Chatbot(
                            elem_id="chat",
                            height=560,
                            show_label=False,
                            examples=[{"text": example} for example in EXAMPLES],
                            placeholder="**Ask about the news articles.** Answers quote them and cite them.",
                            buttons=["copy"],
                            feedback_options=None,
                            allow_tags=False,
                        )
                        with gr.Row(equal_height=True, elem_id="ask-row"):
                            question = gr.Textbox(
                                placeholder="Ask a question, or a follow-up…",
                                show_label=False,
                                scale=8,
                                autofocus=True,
                                elem_id="question",
                            )
                            ask = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="ask")
                            new_chat = gr.Button("New conversation", scale=0, min_width=170, elem_id="new-chat")
                        active = gr.Markdown(elem_id="active-settings")
                    with gr.Column(scale=2, min_width=320):
                        gr.HTML('<h3 class="panel-title">Sources</h3>', js_on_load=None)
                        sources = gr.HTML(page.sources([]), elem_id="sources", js_on_load=None, max_height=640)

            with gr.Tab("Library", id="library"):
                library_summary = gr.Markdown()
                table = gr.Dataframe(
                    headers=["Title", "Outlet", "Date", "Passages", "Id"],
                    datatype=["str", "str", "str", "number", "str"],
                    interactive=False,
                    wrap=True,
                    elem_id="library-table",
                    max_height=420,
                    column_widths=["46%", "18%", "12%", "10%", "14%"],
                )
                with gr.Row(equal_height=False):
                    with gr.Column():
                        files = gr.File(
                            label=f"Add articles (.txt, .md, .html; at most {_size(settings.max_upload_bytes)} each)",
                            file_count="multiple",
                            file_types=list(library.UPLOAD_SUFFIXES),
                            elem_id="upload",
                        )
                        add = gr.Button("Add to library", variant="primary", elem_id="add-articles")
                    with gr.Column():
                        doc_choice = gr.Dropdown(label="Article to remove", choices=[], elem_id="remove-choice")
                        remove_button = gr.Button("Remove article", variant="stop", elem_id="remove-article")
                        reindex_button = gr.Button("Re-index the corpus folder", elem_id="reindex")
                library_status = gr.Textbox(label="Result", lines=3, interactive=False, elem_id="library-status")

            with gr.Tab("Settings", id="settings"):
                mode = gr.Radio([settings.mode], value=settings.mode, label="Answer mode", elem_id="mode")
                modes_note = gr.Markdown(elem_id="modes-note")
                k = gr.Slider(1, 20, value=settings.top_k, step=1, label="Passages to retrieve", elem_id="k")
                with gr.Row():
                    outlet = gr.Dropdown([ALL_OUTLETS], value=ALL_OUTLETS, label="Outlet", elem_id="outlet")
                    since = gr.Textbox(label="Published on or after", placeholder="YYYY-MM-DD", elem_id="since")
                    until = gr.Textbox(label="Published on or before", placeholder="YYYY-MM-DD", elem_id="until")

            with gr.Tab("Evaluation", id="evaluation"):
                available = evaluation_tools() is not None
                gr.Markdown(
                    "Measure retrieval and answers on a question file (JSONL, one question a line); "
                    f"without one, on the bundled gold set `{SEED_QUESTIONS.parent.name}/{SEED_QUESTIONS.name}`."
                    if available
                    else "The evaluation is not available in this version.",
                    elem_id="eval-intro",
                )
                with gr.Row():
                    question_file = gr.File(
                        label="Question file (.jsonl)", file_types=[".jsonl"], scale=3, elem_id="eval-file"
                    )
                    run_eval = gr.Button(
                        "Run evaluation", variant="primary", interactive=available, scale=1, elem_id="run-eval"
                    )
                eval_note = gr.Markdown(elem_id="eval-note")
                retrieval_table = gr.Dataframe(label="Retrieval", interactive=False, elem_id="eval-retrieval")
                answer_table = gr.Dataframe(label="Answers", interactive=False, elem_id="eval-answers")
                plots = gr.Gallery(
                    label="Comparison", columns=2, height=460, object_fit="contain", elem_id="eval-plots"
                )
                report_files = gr.File(label="Report files", file_count="multiple", interactive=False)

        engine: dict[str, Any] = {"concurrency_id": "engine", "concurrency_limit": 1}
        setting_inputs: list[Any] = [mode, k, outlet, since, until]
        chat_inputs = [question, chatbot, turns, *setting_inputs]
        chat_outputs = [question, chatbot, sources, turns]
        question.submit(respond, chat_inputs, chat_outputs, **engine)
        ask.click(respond, chat_inputs, chat_outputs, **engine)
        chatbot.example_select(pick_example, None, question).then(respond, chat_inputs, chat_outputs, **engine)
        new_chat.click(start_over, None, chat_outputs)
        chatbot.clear(start_over, None, chat_outputs)
        for component in setting_inputs:
            component.change(active_settings, setting_inputs, active)

        library_outputs = [table, doc_choice, outlet, library_summary]
        add.click(upload, files, [library_status, files, *library_outputs], **engine)
        remove_button.click(remove, doc_choice, [library_status, *library_outputs], **engine)
        reindex_button.click(reindex, None, [library_status, *library_outputs], **engine)
        run_eval.click(
            evaluate,
            [question_file, mode],
            [eval_note, retrieval_table, answer_table, plots, report_files],
            **engine,
        )
        app.load(library_view, None, library_outputs)
        app.load(mode_view, mode, [mode, modes_note]).then(active_settings, setting_inputs, active)
    return app


def launch_options() -> dict[str, Any]:
    """Theme (system fonts: nothing fetched from the network), styles and the page script."""
    import gradio as gr

    theme = gr.themes.Soft(
        primary_hue="indigo",
        neutral_hue="slate",
        font=["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
    )
    return {"theme": theme, "css": highlight.CSS, "head": f"<script>{highlight.SCRIPT}</script>"}


def serve(assistant: Any, settings: Settings) -> None:
    """Serve the page; refuses a non-loopback address without credentials."""
    auth = credentials(settings)
    app = build_app(assistant, settings)
    app.queue(default_concurrency_limit=1)
    app.launch(
        server_name=settings.host,
        server_port=settings.port,
        auth=auth,
        share=False,
        ssr_mode=False,
        max_file_size=settings.max_upload_bytes,
        footer_links=["api", "settings"],
        **launch_options(),
    )
