"""The command-line contract: commands, JSON, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.ingest.articles import read_article

from .conftest import CORPUS, HERALD, JAPAN_NEWS, ROOT
from .servers import run_cli as run

pytestmark = pytest.mark.slow

EXAMPLE = "What did Kishida say about the 1998 declaration?"
CONTRACT_KEYS = {"question", "mode", "model", "abstained", "answer", "citations", "removed_sentences"}
CITATION_KEYS = {"n", "doc_id", "title", "outlet", "published", "text", "start", "end", "score"}


def test_ask_json_follows_the_contract_with_exact_offsets(seed_store: Path):
    result = run("ask", EXAMPLE, "--json", "--store", str(seed_store))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    # The contract's keys, then the optional confidence the design allows.
    assert set(answer) == CONTRACT_KEYS | {"confidence"} and 0.0 <= answer["confidence"] <= 1.0
    assert answer["question"] == EXAMPLE and answer["mode"] == "extractive" and answer["model"] is None
    assert answer["abstained"] is False and answer["removed_sentences"] == []
    assert "positions of previous Cabinets" in answer["answer"] and "[1]" in answer["answer"]
    first = answer["citations"][0]
    assert set(first) == CITATION_KEYS
    assert first["n"] == 1 and first["doc_id"] == HERALD and first["outlet"] == "The Korea Herald"
    assert first["published"] == "2024-09-06"
    assert "1998 Joint Declaration" in first["text"] and len(first["text"]) <= 800
    cleaned = read_article(CORPUS / f"{HERALD}.txt", CORPUS).text
    for citation in answer["citations"]:
        doc = read_article(CORPUS / f"{citation['doc_id']}.txt", CORPUS).text
        assert doc[citation["start"] : citation["end"]] == citation["text"]
    assert cleaned[first["start"] : first["end"]] == first["text"]


def test_ask_reads_one_question_a_line_from_stdin(seed_store: Path):
    questions = f"{EXAMPLE}\n\nHow many times have the two leaders met face to face?\n"
    result = CliRunner().invoke(main, ["ask", "-", "--json", "--store", str(seed_store)], input=questions)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["question"] for line in lines] == [EXAMPLE, "How many times have the two leaders met face to face?"]
    assert "12th face-to-face meeting" in lines[1]["answer"]
    assert lines[1]["citations"][0]["doc_id"] == JAPAN_NEWS


def test_ask_text_lists_sources_under_the_answer(seed_store: Path):
    result = CliRunner().invoke(main, ["ask", EXAMPLE, "--store", str(seed_store)])
    assert result.exit_code == 0, result.output
    answer, sources = result.output.split("Sources:")
    assert "[1]" in answer
    assert "[1] The Korea Herald, 2024-09-06: Yoon, Kishida stress" in sources


def test_unanswerable_question_abstains(seed_store: Path):
    result = CliRunner().invoke(
        main, ["ask", "What is the exchange rate of the yen?", "--json", "--store", str(seed_store)]
    )
    answer = json.loads(result.output)
    assert answer["abstained"] is True and "do not cover" in answer["answer"]


def test_list_shows_documents_with_chunk_counts(seed_store: Path):
    result = CliRunner().invoke(main, ["list", "--json", "--store", str(seed_store)])
    documents = json.loads(result.output)
    assert [d["doc_id"] for d in documents] == [HERALD, JAPAN_NEWS]
    assert all(d["chunks"] >= 1 for d in documents)
    text = CliRunner().invoke(main, ["list", "--store", str(seed_store)]).output
    assert "The Japan News" in text and "chunks" in text


def test_ingest_prints_a_summary_and_exit_1_when_nothing_could_be_ingested(tmp_path: Path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    result = run("ingest", str(bad), "--store", str(tmp_path / "store"))
    assert result.returncode == 1
    assert "skipped 1" in result.stdout and "empty file" in result.stdout
    assert result.stderr.strip().splitlines() == ["error: nothing could be ingested"]
    assert "Traceback" not in result.stderr


def test_bad_usage_exits_2():
    runner = CliRunner()
    assert runner.invoke(main, ["ask"]).exit_code == 2
    assert runner.invoke(main, ["ask", "q", "--mode", "telepathy"]).exit_code == 2
    assert runner.invoke(main, ["ask", "q", "--since", "last tuesday"]).exit_code == 2
    assert runner.invoke(main, ["ask", "q", "--collection", "x"]).exit_code == 2
    assert runner.invoke(main, ["frobnicate"]).exit_code == 2


def test_failure_is_one_line_without_traceback(tmp_path: Path):
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    result = run("list", "--store", str(blocker / "store"))
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("error: ")
    assert "Error" not in result.stderr and "Errno" not in result.stderr  # no Python class names


def test_help_and_version_answer_without_loading_models():
    result = run("--help")
    assert result.returncode == 0 and "ingest" in result.stdout and "ask" in result.stdout
    assert run("--version").stdout.strip().endswith("0.1.0")
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, assistant.cli; print(sorted(m for m in ('torch', 'gradio', "
            "'chromadb', 'sentence_transformers', 'llama_index') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert loaded.stdout.strip() == "[]"


def test_an_empty_question_is_bad_usage():
    result = run("ask", "   ")
    assert result.returncode == 2 and "the question is empty" in result.stderr


def test_remove_takes_a_document_out_of_the_index(tmp_path: Path):
    store = str(tmp_path / "store")
    assert run("ingest", str(CORPUS), "--store", store).returncode == 0
    removed = run("remove", HERALD, "--store", store)
    assert removed.returncode == 0 and f"removed {HERALD}" in removed.stdout
    listed = json.loads(run("list", "--json", "--store", store).stdout)
    assert [d["doc_id"] for d in listed] == [JAPAN_NEWS]
    assert (CORPUS / f"{HERALD}.txt").exists()  # the file itself is left alone
    again = run("remove", HERALD, "--store", store)
    assert (
        again.returncode == 1
        and again.stderr.strip() == f"error: not in the index: {HERALD} (see `news-assistant list`)"
    )


# --- errors in the user's terms (issue 13) -------------------------------------------------


def _no_index(path: Path) -> str:
    return f"error: the index is empty: there is no index at {path}; run `news-assistant ingest` first"


@pytest.mark.parametrize(
    "command",
    [["ask", EXAMPLE], ["list"], ["remove", HERALD], ["eval", str(ROOT / "eval" / "seed_questions.jsonl")], ["chat"]],
)
def test_a_mistyped_store_is_named_and_never_created(tmp_path: Path, command: list[str]):
    missing = tmp_path / "stroe"
    result = CliRunner().invoke(main, [*command, "--store", str(missing)], input="Who met?\n")
    assert result.exit_code == 1, result.output
    assert result.stderr.strip().splitlines() == [_no_index(missing)]
    assert result.stdout == ""  # no answer ("The articles do not cover this question.")
    assert not missing.exists()


def test_an_existing_store_without_the_collection_is_no_index(seed_store: Path):
    result = CliRunner().invoke(main, ["list", "--store", str(seed_store), "--collection", "newz"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: the index is empty: there is no collection 'newz' at {seed_store}; run `news-assistant ingest` first"
    )


def test_ingest_still_creates_a_new_store(tmp_path: Path):
    store = tmp_path / "new" / "store"
    result = run("ingest", str(CORPUS / f"{HERALD}.txt"), "--store", str(store))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("added 1, updated 0, unchanged 0, removed 0, skipped 0")
    assert (store / "chroma.sqlite3").is_file()


@pytest.mark.parametrize("command", [["ingest", str(CORPUS)], ["list"], ["ask", EXAMPLE]])
def test_a_store_that_is_a_file_is_bad_usage(tmp_path: Path, command: list[str]):
    blocker = tmp_path / "store.txt"
    blocker.write_text("not an index")
    result = CliRunner().invoke(main, [*command, "--store", str(blocker)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"Error: Invalid value for '--store': {blocker} is a file, not an index folder"
    )
    assert "Errno" not in result.stderr and "FileExistsError" not in result.stderr
    assert blocker.read_text() == "not an index"


def test_an_unreachable_chroma_server_is_named(tmp_path: Path):
    from .servers import free_port

    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    result = run("ask", EXAMPLE, "--chroma-url", url, "--store", str(tmp_path / "store"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: cannot reach the Chroma server at {url}: is it running "
        "(chroma run --path DIR --host HOST --port PORT)?"
    ]


def test_serve_on_a_busy_port_says_to_use_port(tmp_path: Path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--port", str(port), "--store", str(tmp_path / "store"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: port {port} on 127.0.0.1 is in use: stop what uses it, or choose another with --port"
    ]
    assert "GRADIO_SERVER_PORT" not in result.stderr
    assert not (tmp_path / "store").exists()  # refused before any work


@pytest.mark.parametrize(
    ("options", "wanted"),
    [
        (["--outlet", "The Korea Times"], "outlet 'The Korea Times'"),
        (["--since", "2025-01-01"], "published 2025-01-01 to …"),
        (
            ["--outlet", "The Korea Herald", "--until", "2024-09-05"],
            "outlet 'The Korea Herald' and published … to 2024-09-05",
        ),
    ],
)
def test_a_filter_that_matches_no_article_says_so(seed_store: Path, options: list[str], wanted: str):
    result = CliRunner().invoke(main, ["ask", EXAMPLE, "--json", "--store", str(seed_store), *options])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip() == (
        f"error: no article matches {wanted} (the index has outlets: The Japan News, The Korea Herald; "
        "published 2024-09-06 to 2024-09-06)"
    )


def test_a_filter_that_matches_answers_as_before(seed_store: Path):
    result = CliRunner().invoke(
        main, ["ask", EXAMPLE, "--json", "--store", str(seed_store), "--outlet", "The Korea Herald"]
    )
    assert result.exit_code == 0, result.output
    assert {c["doc_id"] for c in json.loads(result.stdout)["citations"]} == {HERALD}


def test_ask_from_stdin_reports_a_failing_line_and_answers_the_rest(seed_store: Path):
    long_line = "why " * 2600  # 10,399 characters once its last space goes
    lines = [EXAMPLE, "", long_line, "?!...", "How many times have the two leaders met face to face?"]
    result = CliRunner().invoke(main, ["ask", "-", "--json", "--store", str(seed_store)], input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    answered = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["question"] for a in answered] == [EXAMPLE, "How many times have the two leaders met face to face?"]
    assert "12th face-to-face meeting" in answered[1]["answer"]
    assert result.stderr.strip().splitlines() == [
        "error: line 3: the question is too long (10399 characters; the limit is 2000)",
        "error: line 4: the question has no words, only punctuation or symbols",
        "error: 2 of 4 questions could not be answered",
    ]


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("x" * 10_000, "the question is too long (10000 characters; the limit is 2000)"),
        ("?!?! ... ;-)", "the question has no words, only punctuation or symbols"),
    ],
)
def test_a_question_that_cannot_be_asked_is_bad_usage(question: str, reason: str):
    result = CliRunner().invoke(main, ["ask", question, "--store", "/nonexistent/never-read"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == f"Error: {reason}"


@pytest.mark.parametrize("question", ["岸田首相は1998年の宣言について何と言いましたか？", "Что сказал Кисида?"])
def test_a_question_in_another_script_is_answered_or_declined_in_one_piece(seed_store: Path, question: str):
    result = CliRunner().invoke(main, ["ask", question, "--json", "--store", str(seed_store)])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["question"] == question and answer["answer"]
    assert answer["abstained"] or answer["citations"]
