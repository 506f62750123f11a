"""The chat page: a Gradio app over the same engine the CLI uses.

Tabs: Chat (streamed, cited answers with a sources panel beside them), Library (the indexed
articles; upload, remove, re-index), Settings (answer mode, passages, filters) and
Evaluation. ``events.Page`` holds what each event does (plain Python, no Gradio); ``build_app``
lays the page out and wires the events; ``library.py`` and ``highlight.py`` do the rest.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterator
from typing import Any

from assistant.app import highlight, library
from assistant.app.events import (
    ALL_OUTLETS,
    SEED_QUESTIONS,
    Page,
    Turns,
    active_settings,
    conversation_options,
    evaluation_tools,
    filters_from,
    size,
)
from assistant.settings import Settings

log = logging.getLogger(__name__)

LOOPBACK = ("127.0.0.1", "localhost", "::1")
TITLE = "News Assistant"
EXAMPLES = (
    "What did Kishida say about the 1998 declaration?",
    "What agreement did Seoul and Tokyo sign?",
    "What did Yoon say about trilateral cooperation?",
)


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
                            label=f"Add articles (.txt, .md, .html; at most {size(settings.max_upload_bytes)} each)",
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
