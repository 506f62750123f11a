"""The command line: ``news-assistant COMMAND`` or ``python -m assistant COMMAND``.

Exit code 0 on success, 2 on bad usage, 1 on any other failure with a one-line message on
stderr (a traceback only with ``--debug``). Heavy imports wait until a command runs.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__
from .store.locking import StoreBusy


class Failure(click.ClickException):
    """A failure reported as one line on stderr, exit code 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def common_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options every command takes, gathered into one Settings object."""

    @click.option(
        "--store", type=click.Path(path_type=Path), envvar="ASSISTANT_STORE", help="Index folder (default store/)."
    )
    @click.option(
        "--chroma-url", envvar="ASSISTANT_CHROMA_URL", help="Use a Chroma server, e.g. http://127.0.0.1:8000."
    )
    @click.option("--collection", envvar="ASSISTANT_COLLECTION", help="Collection name (default news).")
    @click.option(
        "--mode",
        type=click.Choice(["extractive", "local", "ollama", "openai"]),
        envvar="ASSISTANT_MODE",
        help="Answer mode (default extractive).",
    )
    @click.option("--debug", is_flag=True, help="Show tracebacks.")
    @functools.wraps(command)
    def wrapper(
        store: Path | None, chroma_url: str | None, collection: str | None, mode: str | None, debug: bool, **kwargs: Any
    ) -> Any:
        overrides: dict[str, Any] = {"store": store, "chroma_url": chroma_url, "collection": collection, "mode": mode}
        try:
            from assistant.settings import Settings

            settings = Settings(**{key: value for key, value in overrides.items() if value is not None})
        except ValueError as error:
            raise click.UsageError(_first_line(error)) from None
        if settings.chroma_url is None and settings.store.exists() and not settings.store.is_dir():
            raise click.BadParameter(f"{settings.store} is a file, not an index folder", param_hint="'--store'")
        try:
            return command(settings, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:  # the one place every failure becomes one line
            if debug:
                raise
            raise Failure(_first_line(error)) from None

    return wrapper


def _first_line(error: BaseException) -> str:
    errors = getattr(error, "errors", None)
    if callable(errors):  # pydantic: say which setting and why
        try:
            first = errors()[0]
            where = ".".join(str(part) for part in first.get("loc", ())) or "settings"
            return f"{where}: {first.get('msg', error)}"
        except (IndexError, TypeError):
            pass
    if isinstance(error, OSError) and error.strerror:
        # "File exists: store/x", not "FileExistsError: [Errno 17] File exists"
        where = f": {error.filename}" if error.filename else ""
        return f"{error.strerror.lower()}{where}"
    text = str(error).strip().splitlines()
    from assistant.answer.llm import ModeUnavailable  # here: --help stays light

    if isinstance(error, (ValueError, StoreBusy, ModeUnavailable)) and text:
        return text[0]  # our own messages say what is wrong in the user's terms
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def filter_options(command: Callable[..., Any]) -> Callable[..., Any]:
    @click.option("--outlet", help="Only passages from this outlet.")
    @click.option("--since", help="Only articles published on or after this date (YYYY-MM-DD).")
    @click.option("--until", help="Only articles published on or before this date (YYYY-MM-DD).")
    @click.option("--top-k", type=click.IntRange(min=1), help="Passages to retrieve (default 5).")
    @functools.wraps(command)
    def wrapper(*args: Any, outlet: str | None, since: str | None, until: str | None, **kwargs: Any) -> Any:
        from assistant.ingest.articles import normalise_date
        from assistant.retrieve.retrievers import Filters

        for name, value in (("since", since), ("until", until)):
            if value and normalise_date(value) is None:
                raise click.BadParameter(f"not a date: {value!r}", param_hint=f"--{name}")
        filters = Filters(outlet, normalise_date(since or ""), normalise_date(until or ""))
        return command(*args, filters=filters, **kwargs)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="news-assistant")
def main() -> None:
    """Cited answers to questions over a folder of news articles."""


@main.command("ingest")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@common_options
def ingest_command(settings: Any, paths: tuple[Path, ...]) -> None:
    """Ingest files and folders (default corpus/) into the index, incrementally."""
    from assistant.engine import build_assistant

    assistant = build_assistant(settings)
    bar = _progress_bar()
    report = assistant.ingest(list(paths) or [settings.corpus], progress=bar)
    bar.close()
    click.echo(report.summary())
    if report.failed:
        raise Failure("nothing could be ingested")


def _progress_bar() -> Any:
    """A progress bar on stderr for long runs (tqdm hides itself when not on a terminal)."""
    from tqdm import tqdm

    class Bar:
        def __init__(self) -> None:
            self.bar: Any = None

        def __call__(self, done: int, total: int, path: str) -> None:
            if self.bar is None and total >= 20:
                self.bar = tqdm(total=total, unit="file", file=sys.stderr, disable=None)
            if self.bar is not None:
                self.bar.update(1)

        def close(self) -> None:
            if self.bar is not None:
                self.bar.close()

    return Bar()


@main.command("ask")
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as one JSON object.")
@click.option("--retriever", type=click.Choice(["hybrid", "rrf", "dense", "bm25"]), help="Retriever (default hybrid).")
@filter_options
@common_options
def ask_command(
    settings: Any, question: str, as_json: bool, retriever: str | None, filters: Any, top_k: int | None
) -> None:
    """Answer one question with citations; "-" reads one question a line from stdin."""
    from assistant.engine import QuestionError, build_assistant, checked_question

    if question == "-":  # (line number, question): a failing line is reported and the rest answered
        questions = [(n, line.strip()) for n, line in enumerate(sys.stdin, start=1) if line.strip()]
        if not questions:
            raise click.UsageError("no question given on stdin")
    else:
        try:
            questions = [(0, checked_question(question, settings.max_question_chars))]
        except QuestionError as error:
            raise click.UsageError(str(error)) from None

    if retriever:
        settings = settings.model_copy(update={"retriever": retriever})
    assistant = build_assistant(settings, create=False)
    assistant.check_filters(filters)
    failed = 0
    for line, text in questions:
        try:
            answer = assistant.ask(text, filters=filters, k=top_k)
        except Exception as error:
            if not line:
                raise
            failed += 1
            click.echo(f"error: line {line}: {_first_line(error)}", err=True)
            continue
        if as_json:
            click.echo(json.dumps(answer.to_json(), ensure_ascii=False))
        else:
            click.echo(_render(answer))
    if failed:
        raise Failure(f"{failed} of {len(questions)} questions could not be answered")


def _render(answer: Any) -> str:
    lines = [answer.answer]
    if answer.citations:
        lines += ["", "Sources:", answer.sources_text()]
    if answer.removed_sentences:
        lines += ["", f"({len(answer.removed_sentences)} unsupported sentence(s) removed)"]
    return "\n".join(lines) + "\n"


@main.command("remove")
@click.argument("doc_ids", nargs=-1, required=True)
@common_options
def remove_command(settings: Any, doc_ids: tuple[str, ...]) -> None:
    """Remove documents from the index by id (their files are left alone)."""
    from assistant.engine import build_assistant

    assistant = build_assistant(settings, create=False)
    missing = [doc_id for doc_id in doc_ids if not assistant.remove(doc_id)]
    for doc_id in doc_ids:
        if doc_id not in missing:
            click.echo(f"removed {doc_id}")
    if missing:
        raise Failure(f"not in the index: {', '.join(missing)} (see `news-assistant list`)")


@main.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the documents as JSON.")
@common_options
def list_command(settings: Any, as_json: bool) -> None:
    """List the documents in the index with their chunk counts."""
    from dataclasses import asdict

    from assistant.engine import build_assistant

    records = build_assistant(settings, create=False).documents()
    if as_json:
        click.echo(json.dumps([asdict(record) for record in records], ensure_ascii=False))
        return
    if not records:
        click.echo("The index is empty: run `news-assistant ingest` first.")
        return
    for record in records:
        click.echo(
            f"{record.doc_id}\t{record.chunks} chunks\t{record.published or 'undated'}\t{record.outlet}\t{record.title}"
        )


@main.command("serve")
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (default 7860).")
@click.option("--no-ingest", is_flag=True, help="Do not ingest the corpus folder first.")
@common_options
def serve_command(settings: Any, host: str | None, port: int | None, no_ingest: bool) -> None:
    """Serve the chat page (default http://127.0.0.1:7860)."""
    from assistant.app.page import check_port, credentials, serve
    from assistant.engine import build_assistant

    settings = settings.model_copy(update={k: v for k, v in {"host": host, "port": port}.items() if v is not None})
    credentials(settings)  # refuse a non-loopback address without credentials before any work
    check_port(settings.host, settings.port)  # and a busy port, before the minutes of ingest
    assistant = build_assistant(settings)
    if not no_ingest and settings.corpus.is_dir():
        click.echo(assistant.ingest([settings.corpus]).summary(), err=True)
    serve(assistant, settings)


@main.command("eval")
@click.argument(
    "questions_file", metavar="QUESTIONS.jsonl", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as one JSON object.")
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Write report.md, results.json and plots here."
)
@click.option("--sweep", help="Re-index into temporary stores and evaluate per value, e.g. chunk_size=128,256,512.")
@click.option(
    "--corpus",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Corpus for --sweep (default corpus/).",
)
@common_options
def eval_command(
    settings: Any, questions_file: Path, as_json: bool, out: Path | None, sweep: str | None, corpus: Path | None
) -> None:
    """Evaluate retrieval (every retriever) and answers on a JSONL file of gold questions."""
    from assistant.engine import build_assistant
    from assistant.evaluate.report import summary_text, write_report
    from assistant.evaluate.run import EvalFileError, load_questions, parse_sweep, run_evaluation, run_sweep

    try:
        questions = load_questions(questions_file)
    except EvalFileError as error:
        raise Failure(str(error)) from None
    if sweep:
        try:
            name, values = parse_sweep(sweep)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--sweep") from None
        result = run_sweep(settings, questions, name, values, corpus or settings.corpus, progress=_progress_bar())
    else:
        result = run_evaluation(build_assistant(settings, create=False), questions, progress=_progress_bar())
    if out:
        for path in write_report(result, out):
            click.echo(f"wrote {path}", err=True)
    click.echo(json.dumps(result, ensure_ascii=False) if as_json else summary_text(result).rstrip("\n"))


@main.command("chat")
@filter_options
@common_options
def chat_command(settings: Any, filters: Any, top_k: int | None) -> None:
    """A conversation in the terminal: follow-up questions work; /reset starts over."""
    from assistant.answer.result import Answer, Turn
    from assistant.engine import build_assistant

    assistant = build_assistant(settings, create=False)
    assistant.check_filters(filters)
    interactive = sys.stdin.isatty()
    history: list[Turn] = []
    if interactive:
        click.echo("Ask about the news articles. /reset starts over; Ctrl-D quits.", err=True)
    while True:
        if interactive:
            click.echo("> ", nl=False, err=True)
        line = sys.stdin.readline()
        if not line:  # end of input
            break
        question = line.strip()
        if not question:
            continue
        if question == "/reset":
            history = []
            click.echo("(conversation cleared)\n")
            continue
        try:
            final = _stream_answer(assistant.stream(question, filters=filters, k=top_k, history=history), Answer)
        except Exception as error:  # one failed turn does not end the conversation
            click.echo(f"error: {_first_line(error)}", err=True)
            continue
        if final.searched and final.searched != question:
            click.echo(f"(searched as: {final.searched})\n")
        history.append(Turn(question, final))


def _stream_answer(parts: Any, answer_type: type) -> Any:
    """Print a streamed answer as it grows, then its sources; return the final Answer."""
    shown = ""
    final: Any = None
    for part in parts:
        if isinstance(part, answer_type):
            final = part
            break
        if part.startswith(shown):
            click.echo(part[len(shown) :], nl=False)
        else:  # the text was revised: start a fresh paragraph
            click.echo("\n" + part, nl=False)
        shown = part
    if final is None:
        raise RuntimeError("the answer stream ended without an answer")
    if final.answer != shown:
        click.echo(("\n" if shown else "") + final.answer, nl=False)
    click.echo("\n" + _render(final)[len(final.answer) + 1 :])
    return final
