"""Crash safety: an ingest killed (SIGKILL) at any of 20+ seeded points, then run again as usual,
ends exactly like an ingest that was never interrupted."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.store.embedding import Embedder
from tests.conftest import CORPUS, ROOT, make_assistant

HARNESS = ROOT / "tests" / "crash_ingest.py"
STORIES = {
    "storm.txt": "---\ntitle: Storm nears coast\noutlet: Test Wire\npublished: 2024-08-28\n---\n"
    "The storm was expected to make landfall on Thursday, forecasters said.\n\n"
    "Airlines cancelled more than 600 flights ahead of the storm.\n",
    "budget.txt": "---\ntitle: Council passes budget\noutlet: Test Wire\npublished: 2024-06-30\n---\n"
    "The city council passed a $2.1 billion budget on Tuesday by a vote of 7 to 2.\n\n"
    "The budget adds 40 police officers and funds a new library, the mayor said.\n",
    "match.txt": "---\ntitle: Rovers win the cup\noutlet: Sport Daily\npublished: 2024-05-12\n---\n"
    "Rovers won the cup final 2-1 on Saturday with a goal in the last minute.\n",
    "vote.txt": "---\ntitle: Union backs deal\noutlet: Labour News\npublished: 2024-03-03\n---\n"
    "Union members voted 62 percent in favour of the new contract, the union said on Friday.\n",
}
QUERIES = ["How many flights were cancelled?", "What did Kishida say about the 1998 declaration?", "budget library"]


def state(store: Path, embedder: Embedder) -> dict:
    """What the store holds, as a user and the retrievers see it."""
    assistant = make_assistant(store, embedder)
    chroma_chunks = sorted(assistant.index.chunks.get(include=[])["ids"])
    sentences = assistant.index.sentences.get(include=[])["ids"]
    return {
        "documents": [(r.doc_id, r.fingerprint, r.chunks) for r in assistant.documents()],
        "chunks": chroma_chunks,
        "sentences": sorted(sentences),
        "duplicate_sentences": len(sentences) - len(set(sentences)),
        "keyword_ids": sorted(assistant.keywords.chunk_ids),
        "keyword_search": [assistant.keywords.search(q, 5) for q in QUERIES],
    }


def run_harness(kill_at: int, corpus: Path, store: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(HARNESS), str(kill_at), "ingest", str(corpus), "--store", str(store)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


@pytest.mark.slow
def test_an_ingest_killed_anywhere_recovers_on_the_next_run(tmp_path: Path, embedder: Embedder):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus, ignore=shutil.ignore_patterns("README*"))
    for name, text in STORIES.items():
        (corpus / name).write_text(text)

    reference = tmp_path / "reference"
    counted = run_harness(0, corpus, reference)
    assert counted.returncode == 0, counted.stderr
    writes = int(counted.stdout.strip().splitlines()[-1].removeprefix("writes: "))
    expected = state(reference, embedder)
    assert len(expected["documents"]) == 6 and expected["keyword_ids"] == expected["chunks"]

    points = sorted(random.Random(20261123).sample(range(1, writes + 1), min(writes, 20)))
    assert len(points) >= 20, f"only {writes} writes in a 6-article ingest"
    for point in points:
        store = tmp_path / f"killed-{point}"
        killed = run_harness(point, corpus, store)
        assert killed.returncode == -9, f"point {point}: {killed.stderr}"  # SIGKILL, not an error
        again = make_assistant(store, embedder).ingest([corpus])  # the plain re-run
        assert not again.skipped
        assert state(store, embedder) == expected, f"killed before write {point} of {writes}"
