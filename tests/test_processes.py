"""Many processes, one store: a running assistant keeps answering while another process writes.

Real processes (the CLI run with ``python -m assistant``) write to a real embedded Chroma,
and to a real ``chroma run`` server, while an assistant in this process keeps serving.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from assistant.store.embedding import Embedder
from assistant.store.locking import StoreBusy, writer_lock
from tests.conftest import CORPUS, make_assistant
from tests.servers import run_cli as cli
from tests.test_ingest import NEW_ARTICLE as TYPHOON

QUESTION = "How many flights did airlines cancel ahead of Typhoon Shanshan?"


def cited_docs(answer) -> set[str]:
    return {citation.doc_id for citation in answer.citations}


@pytest.mark.slow
def test_a_serving_process_answers_with_an_article_another_process_ingests(tmp_path: Path, embedder: Embedder):
    store = tmp_path / "store"
    serving = make_assistant(store, embedder)
    serving.ingest([CORPUS])
    before = serving.ask(QUESTION)
    assert "typhoon" not in cited_docs(before)

    article = tmp_path / "typhoon.txt"
    article.write_text(TYPHOON)
    written = cli("ingest", str(article), "--store", str(store))
    assert written.returncode == 0, written.stderr

    after = serving.ask(QUESTION)
    assert not after.abstained and "600 flights" in after.answer
    assert "typhoon" in cited_docs(after)
    # Ordinary questions about the older articles still work with the same handle.
    assert not serving.ask("What did Kishida say about the 1998 declaration?").abstained

    removed = cli("remove", "typhoon", "--store", str(store))
    assert removed.returncode == 0, removed.stderr
    assert "typhoon" not in cited_docs(serving.ask(QUESTION))
    assert [record.doc_id for record in serving.documents()] == sorted(
        record.doc_id for record in make_assistant(store, embedder).documents()
    )


@pytest.mark.slow
def test_a_reopen_waits_for_the_question_under_way(tmp_path: Path, embedder: Embedder):
    """Another process's write makes the serving process reopen its store; the reopen must not
    close the handle a question in another thread is reading through."""
    store = tmp_path / "store"
    serving = make_assistant(store, embedder)
    serving.ingest([CORPUS])
    serving.ask(QUESTION)
    article = tmp_path / "typhoon.txt"
    article.write_text(TYPHOON)
    assert cli("ingest", str(article), "--store", str(store)).returncode == 0

    answers: list = []
    later = threading.Thread(target=lambda: answers.append(serving.ask(QUESTION)))
    with serving.index.using():  # a question under way, as ask holds it while it reads
        handle = serving.index.chunks
        later.start()
        later.join(timeout=5)  # time enough to reopen, were it not held back
        assert not answers
        assert handle.count() > 0  # the handle is still open
        # The question under way keeps the contents it began with.
        assert "typhoon" not in cited_docs(serving.ask(QUESTION))
    later.join(timeout=120)
    assert answers and "600 flights" in answers[0].answer
    assert "typhoon" in cited_docs(answers[0])


@pytest.mark.slow
def test_a_second_writer_is_told_the_store_is_busy(tmp_path: Path, embedder: Embedder):
    store = tmp_path / "store"
    make_assistant(store, embedder).ingest([CORPUS])
    article = tmp_path / "typhoon.txt"
    article.write_text(TYPHOON)
    with writer_lock(store, wait=0):
        blocked = cli("ingest", str(article), "--store", str(store), ASSISTANT_LOCK_WAIT="0")
    assert blocked.returncode == 1
    assert blocked.stderr.strip().splitlines() == [
        f"error: another process is writing to the store at {store}; try again when it has finished"
    ]
    assert "typhoon" not in {record.doc_id for record in make_assistant(store, embedder).documents()}
    # Once the first writer is done, the same command goes through.
    assert cli("ingest", str(article), "--store", str(store)).returncode == 0


def test_the_writer_lock_is_exclusive_and_released(tmp_path: Path):
    with writer_lock(tmp_path, wait=0):
        with pytest.raises(StoreBusy, match="another process is writing"):
            with writer_lock(tmp_path, wait=0.2):
                pass
    with writer_lock(tmp_path, wait=0):
        pass
