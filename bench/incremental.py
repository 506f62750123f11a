"""Incremental ingest: an unchanged re-ingest against a fresh one, and one article added to
(and removed from) a 10k-chunk store against adding it to an empty store.

    .venv/bin/python bench/incremental.py [FOLDER] [--articles 20] [--repeat 3] [--big 10000]

All in one process with one loaded model (as a running page would ingest): the fresh ingest
of ``--articles`` files and the re-ingest of the same unchanged files; then, alternating,
one new article added to an empty store, added to a ``--big``-chunk synthetic store (built as
in ``query_latency.py``), and removed from it again. Medians over repeats, and their ratios.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchkit import default_corpus  # noqa: E402
from query_latency import build, source_sentences  # noqa: E402

from assistant.engine import build_assistant  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.store.embedding import Embedder  # noqa: E402

NEW_ARTICLE = """---
title: Harbour bridge reopens after repairs
outlet: Bench Wire
published: 2025-03-02
---
The harbour bridge reopened to traffic on Sunday after eight months of repairs, the city said.

Engineers replaced 40 cables and the deck's expansion joints, the transport department said.
"""


def timed(call) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, nargs="?", default=default_corpus())
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--big", type=int, default=10000)
    args = parser.parse_args()

    embedder = Embedder()
    work = Path(tempfile.mkdtemp(prefix="incremental-"))
    try:
        files = work / "articles"
        files.mkdir()
        for path in sorted(p for p in args.folder.glob("*.txt"))[: args.articles]:
            shutil.copy(path, files / path.name)
        assistant = build_assistant(Settings(store=work / "fresh"), embedder=embedder)
        assistant.tagger.entities(["Warm up in Tokyo."])
        embedder.embed(["warm up"])
        fresh = timed(lambda: assistant.ingest([files]))
        again = [timed(lambda: assistant.ingest([files])) for _ in range(args.repeat)]
        chunks = assistant.index.chunk_count()
        print(f"fresh ingest of {args.articles} articles ({chunks} chunks): {fresh:.1f} s")
        print(
            f"re-ingest unchanged: median {statistics.median(again):.2f} s = "
            f"{statistics.median(again) / fresh:.1%} of the fresh ingest"
        )

        sentences = source_sentences(args.folder, 3000)
        vectors = dict(zip(sentences, (np.asarray(v, dtype=np.float32) for v in embedder.embed(sentences))))
        built = build(work / "big", args.big, vectors)
        big = build_assistant(Settings(store=work / "big"), embedder=embedder)
        big.keywords  # noqa: B018  the keyword index built once, as after any ingest
        article = work / "new" / "harbour-bridge.txt"
        article.parent.mkdir()
        article.write_text(NEW_ARTICLE)
        empty_times, big_times, remove_times = [], [], []
        for number in range(args.repeat):
            empty = build_assistant(Settings(store=work / f"empty-{number}"), embedder=embedder)
            empty_times.append(timed(lambda: empty.ingest([article])))  # noqa: B023
            big_times.append(timed(lambda: big.ingest([article])))
            remove_times.append(timed(lambda: big.remove("harbour-bridge")))
        e, b, r = (statistics.median(t) for t in (empty_times, big_times, remove_times))
        print(f"{big.index.chunk_count()}-chunk store built in {built:.0f} s")
        print(f"add one article: empty store {e:.2f} s, {args.big}-chunk store {b:.2f} s ({b / e:.2f}x)")
        print(f"remove it from the {args.big}-chunk store: {r:.2f} s ({r / e:.2f}x the add to an empty store)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
