"""The chat page: a Gradio app over the same engine the CLI uses.

Tabs: Chat (streamed, cited answers with a sources panel beside them), Library (the indexed
articles; upload, remove, re-index), Settings (answer mode, passages, filters) and
Evaluation. ``events.Page`` holds what each event does (plain Python, no Gradio); ``build_app``
lays the page out and wires the events; ``library.py``, ``highlight.py`` and ``roles.py``
do the rest.

Answers run concurrently (up to ``settings.chat_concurrency`` at once); library changes run
one at a time, and so does the evaluation, each in its own queue, so neither holds up the
chat. Library changes and the evaluation need the admin role (``roles.py``), checked in the
handlers themselves, so the API endpoints are guarded too.
"""

from __future__ import annotations

import logging
import socket
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
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
from assistant.app.roles import credentials, is_loopback, logins, may_administer, refusal
from assistant.settings import Settings

__all__ = ["build_app", "check_port", "credentials", "is_loopback", "launch_options", "serve"]

log = logging.getLogger(__name__)

TITLE = "News Assistant"
EXAMPLES = (
    "What did Kishida say about the 1998 declaration?",
    "What agreement did Seoul and Tokyo sign?",
    "What did Yoon say about trilateral cooperation?",
)


def check_port(host: str, port: int) -> None:
    """ValueError saying to use ``--port`` when ``host:port`` cannot be bound (checked before any work)."""
    try:
        family, kind, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except OSError:
        raise ValueError(f"cannot find the address {host!r} to serve on: check --host") from None
    with socket.socket(family, kind) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server itself does
        try:
            probe.bind(address)
        except OSError:
            raise ValueError(
                f"port {port} on {host} is in use: stop what uses it, or choose another with --port"
            ) from None


# --- the page ---------------------------------------------------------------------------------


def build_app(assistant: Any, settings: Settings | None = None) -> Any:
    """The Gradio Blocks app (not launched)."""
    import gradio as gr

    settings = settings or assistant.settings
    page = Page(assistant, settings)

    def mistake(message: str) -> Exception:
        """A user's mistake: one line on the page, one line in the log, no traceback."""
        log.info("refused: %s", message)
        return gr.Error(message, print_exception=False)

    def respond(
        message: str, chat: list[dict[str, Any]], turns: Turns, mode: str, k: float, outlet: str, since: str, until: str
    ) -> Iterator[tuple[Any, ...]]:
        question = " ".join((message or "").split())
        if not question:  # one gentle note; nothing on the page changes
            gr.Warning("Type a question first.", title="No question")
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        if not chat:  # an empty chat is a new conversation (an API caller may send one)
            turns = []
        try:
            options = {"filters": filters_from(outlet, since, until), "k": int(k)}
            options |= conversation_options(assistant, turns, mode)
        except ValueError as error:
            raise mistake(str(error)) from None
        question_box: Any = ""  # cleared once, when the answer starts: text typed meanwhile is kept
        for messages, panel, new_turns in page.respond(question, chat, turns, options):
            yield question_box, messages, gr.skip() if panel is None else panel, new_turns
            question_box = gr.skip()

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

    def mode_view(current: str | None) -> tuple[Any, str, str]:
        usable, value, note = page.modes(current)
        return gr.update(choices=usable, value=value), note, value

    def pick_mode(mode: str, previous: str) -> tuple[Any, str]:
        value, problem = page.pick_mode(mode, previous)
        if problem:
            gr.Warning(problem, title="Answer mode")
        return gr.update(value=value), value

    def admin_only(action: str, request: Any) -> None:
        if not may_administer(settings, getattr(request, "username", None)):
            raise mistake(refusal(settings, action))

    def admin_view(request: gr.Request) -> tuple[Any, ...]:
        allowed = may_administer(settings, request.username)
        note = "" if allowed else f"Reading only: {refusal(settings, 'change the library or run the evaluation')}."
        return gr.update(visible=allowed), gr.update(visible=allowed), note

    def upload(files: list[str] | None, request: gr.Request, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        admin_only("add articles", request)
        if not files:
            raise mistake("Choose one or more .txt, .md or .html files first.")
        return (page.upload(files, progress), None, *library_view())

    def remove(doc_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        admin_only("remove articles", request)
        try:
            return (page.remove(doc_id or ""), *library_view())
        except library.LibraryError as error:
            raise mistake(str(error)) from None

    def reindex(request: gr.Request, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        admin_only("re-index the corpus", request)
        try:
            return (page.reindex(progress), *library_view())
        except library.LibraryError as error:
            raise mistake(str(error)) from None

    def evaluate(
        file: str | None,
        mode: str,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> Iterator[tuple[Any, ...]]:
        admin_only("run the evaluation", request)
        # A generator so that the folder goes once Gradio has copied the files it shows.
        with tempfile.TemporaryDirectory(prefix="news-assistant-eval-") as folder:
            try:
                out = page.evaluate(file, mode, progress, Path(folder))
            except ValueError as error:  # a bad question file: the user's to fix
                raise mistake(highlight.one_line(error)) from None
            except Exception as error:  # shown as one line, logged in full
                log.exception("the evaluation failed")
                raise gr.Error(highlight.one_line(error)) from None
            yield out["note"], out["retrieval"], out["answers"], out["plots"], out["files"]

    for handler in (admin_view, upload, remove, reindex, evaluate):
        _resolve_request(handler, gr.Request)

    with gr.Blocks(title=TITLE, analytics_enabled=False, fill_width=True) as app:
        turns = gr.State([])
        chosen_mode = gr.State(settings.mode)  # the last mode that could be used
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
                reading_only = gr.Markdown(elem_id="reading-only")
                with gr.Row(equal_height=False, visible=False, elem_id="library-admin") as library_admin:
                    with gr.Column():
                        files = gr.File(
                            label=f"Add articles (.txt, .md, .html; at most {size(settings.max_upload_bytes)} each)",
                            file_count="multiple",
                            file_types=list(library.UPLOAD_SUFFIXES),
                            elem_id="upload",
                        )
                        add = gr.Button("Add to library", variant="primary", elem_id="add-articles")
                    with gr.Column():
                        # any value reaches the handler, which checks the role, then the id
                        doc_choice = gr.Dropdown(
                            label="Article to remove", choices=[], allow_custom_value=True, elem_id="remove-choice"
                        )
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
                        "Run evaluation",
                        variant="primary",
                        interactive=available,
                        visible=False,
                        scale=1,
                        elem_id="run-eval",
                    )
                eval_note = gr.Markdown(elem_id="eval-note")
                retrieval_table = gr.Dataframe(label="Retrieval", interactive=False, elem_id="eval-retrieval")
                answer_table = gr.Dataframe(label="Answers", interactive=False, elem_id="eval-answers")
                plots = gr.Gallery(
                    label="Comparison", columns=2, height=460, object_fit="contain", elem_id="eval-plots"
                )
                report_files = gr.File(label="Report files", file_count="multiple", interactive=False)

        # Answers run side by side; library changes one at a time, the evaluation one at a
        # time, each in its own queue, so that neither holds up the chat.
        chat_queue: dict[str, Any] = {"concurrency_id": "chat", "concurrency_limit": settings.chat_concurrency}
        library_queue: dict[str, Any] = {"concurrency_id": "library", "concurrency_limit": 1}
        setting_inputs: list[Any] = [mode, k, outlet, since, until]
        chat_inputs = [question, chatbot, turns, *setting_inputs]
        chat_outputs = [question, chatbot, sources, turns]
        question.submit(respond, chat_inputs, chat_outputs, api_name="ask", **chat_queue)
        ask.click(respond, chat_inputs, chat_outputs, api_visibility="private", **chat_queue)
        chatbot.example_select(pick_example, None, question, api_visibility="private").then(
            respond, chat_inputs, chat_outputs, api_visibility="private", **chat_queue
        )
        new_chat.click(start_over, None, chat_outputs, api_visibility="private")
        chatbot.clear(start_over, None, chat_outputs, api_visibility="private")
        for component in setting_inputs:
            component.change(active_settings, setting_inputs, active, api_visibility="private")
        mode.input(pick_mode, [mode, chosen_mode], [mode, chosen_mode], api_visibility="private")

        library_outputs = [table, doc_choice, outlet, library_summary]
        add.click(upload, files, [library_status, files, *library_outputs], api_name="upload", **library_queue)
        remove_button.click(remove, doc_choice, [library_status, *library_outputs], api_name="remove", **library_queue)
        reindex_button.click(reindex, None, [library_status, *library_outputs], api_name="reindex", **library_queue)
        run_eval.click(
            evaluate,
            [question_file, mode],
            [eval_note, retrieval_table, answer_table, plots, report_files],
            api_name="evaluate",
            concurrency_id="evaluation",
            concurrency_limit=1,
        )
        app.load(library_view, None, library_outputs, api_name="library")
        app.load(admin_view, None, [library_admin, run_eval, reading_only], api_visibility="private")
        app.load(mode_view, mode, [mode, modes_note, chosen_mode], api_visibility="private").then(
            active_settings, setting_inputs, active, api_visibility="private"
        )
    return app


def _log_to_stderr() -> None:
    """The page's own log (refused requests, failures) on stderr, one line each; other
    libraries keep their defaults."""
    logger = logging.getLogger("assistant")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def _resolve_request(handler: Callable[..., Any], request_type: type) -> None:
    """Gradio passes the request by the annotation's type, which must resolve at run time: the
    handler's other annotations are strings naming a local import, so only this one is kept."""
    handler.__annotations__ = {"request": request_type}


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
    """Serve the page; refuses a non-loopback address without credentials, and a busy port."""
    accounts = logins(settings)
    _log_to_stderr()
    app = build_app(assistant, settings)
    app.queue(default_concurrency_limit=1)
    try:
        app.launch(
            server_name=settings.host,
            server_port=settings.port,
            auth=accounts,
            share=False,
            ssr_mode=False,
            max_file_size=settings.max_upload_bytes,
            footer_links=["api", "settings"],
            **launch_options(),
        )
    except OSError as error:  # taken between check_port and now: say it in our terms, not Gradio's
        if "port" not in str(error).lower():
            raise
        raise ValueError(
            f"port {settings.port} on {settings.host} is in use: stop what uses it, or choose another with --port"
        ) from None
