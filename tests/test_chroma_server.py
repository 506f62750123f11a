"""Ingest and ask through a real `chroma run` server on a free loopback port."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import CORPUS, HERALD, JAPAN_NEWS
from .servers import free_port, serving
from .servers import run_cli as cli

pytestmark = pytest.mark.slow


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    import chromadb

    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    command = [str(chroma), "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)]

    def ready() -> None:
        chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()

    with serving(command, ready, tmp_path / "chroma.log", timeout=60):
        yield f"http://127.0.0.1:{port}"


def test_ingest_and_ask_through_a_chroma_server(chroma_server: str, tmp_path: Path):
    local = ["--chroma-url", chroma_server, "--store", str(tmp_path / "local")]
    ingest = cli("ingest", str(CORPUS), *local, cwd=tmp_path)
    assert ingest.returncode == 0, ingest.stderr
    assert "added 2" in ingest.stdout

    # The data is in the server, not in an embedded store.
    import chromadb

    host, port = chroma_server.rsplit(":", 1)
    server = chromadb.HttpClient(host="127.0.0.1", port=int(port))
    assert server.get_collection("news.documents").count() == 2
    assert not (tmp_path / "local" / "chroma.sqlite3").exists()

    ask = cli("ask", "What did Kishida say about the 1998 declaration?", "--json", *local, cwd=tmp_path)
    assert ask.returncode == 0, ask.stderr
    answer = json.loads(ask.stdout)
    assert answer["citations"][0]["doc_id"] == HERALD
    assert "previous Cabinets" in answer["answer"]

    # A second client (fresh keyword cache) sees the same index; a re-ingest changes nothing.
    other = ["--chroma-url", chroma_server, "--store", str(tmp_path / "other")]
    again = cli("ingest", str(CORPUS), *other, cwd=tmp_path)
    assert "unchanged 2" in again.stdout
    listed = json.loads(cli("list", "--json", *other, cwd=tmp_path).stdout)
    assert [d["doc_id"] for d in listed] == [HERALD, JAPAN_NEWS]
    question = "What did Kishida say about the 1998 declaration?"
    keyword = cli("ask", question, "--json", *other, cwd=tmp_path)
    assert "previous Cabinets" in json.loads(keyword.stdout)["answer"]


def test_unreachable_server_is_a_one_line_error(tmp_path: Path):
    result = cli("list", "--chroma-url", f"http://127.0.0.1:{free_port()}", "--store", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_a_serving_process_sees_what_another_process_ingests_through_the_server(
    chroma_server: str, tmp_path: Path, embedder: object
):
    from assistant.engine import build_assistant
    from assistant.settings import Settings

    settings = Settings(store=tmp_path / "serving", chroma_url=chroma_server)
    serving = build_assistant(settings, embedder=embedder)  # type: ignore[arg-type]
    serving.ingest([CORPUS])
    question = "How many flights did airlines cancel ahead of Typhoon Shanshan?"
    assert "typhoon" not in {c.doc_id for c in serving.ask(question).citations}

    article = tmp_path / "typhoon.txt"
    article.write_text(
        "---\ntitle: Typhoon Shanshan nears Kyushu\noutlet: Test Wire\npublished: 2024-08-28\n---\n"
        "Typhoon Shanshan was expected to bring record rainfall to Kyushu, the weather agency said.\n\n"
        "Airlines cancelled more than 600 flights ahead of the storm, the transport ministry said.\n"
    )
    other = ["--chroma-url", chroma_server, "--store", str(tmp_path / "writer")]
    assert cli("ingest", str(article), *other, cwd=tmp_path).returncode == 0
    answer = serving.ask(question)
    assert "600 flights" in answer.answer and answer.citations[0].doc_id == "typhoon"
    assert cli("remove", "typhoon", *other, cwd=tmp_path).returncode == 0
    assert "typhoon" not in {c.doc_id for c in serving.ask(question).citations}
