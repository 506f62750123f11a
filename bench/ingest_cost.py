"""What the named-entity step costs at ingest: the real ingest with and without it, one process.

    .venv/bin/python bench/ingest_cost.py ../shared/dev/realnews/corpus --articles 20 --repeat 3

Each repeat ingests the same articles into two fresh stores, one with the tagger and one
without, in alternating order (so that a busy machine slows both alike); the figure is the
ratio of the medians. The model loads before timing starts, as it does once per process.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.ingest.pipeline import ingest  # noqa: E402
from assistant.store.embedding import Embedder  # noqa: E402
from assistant.store.index import Index, connect  # noqa: E402
from assistant.text.entities import EntityTagger  # noqa: E402


def timed_ingest(files: Path, embedder: Embedder, tagger: EntityTagger | None) -> float:
    folder = Path(tempfile.mkdtemp(prefix="ingest-cost-"))
    try:
        index = Index(connect(folder), "bench")
        start = time.perf_counter()
        ingest([files], index, embedder, 110, 25, 5 * 1024 * 1024, tagger=tagger)
        return time.perf_counter() - start
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    sample = Path(tempfile.mkdtemp(prefix="ingest-sample-"))
    for path in sorted(args.corpus.glob("*.txt"))[: args.articles]:
        shutil.copy(path, sample / path.name)
    words = sum(len(p.read_text(encoding="utf-8").split()) for p in sample.glob("*.txt"))
    embedder = Embedder()
    embedder.embed(["warm up"])
    tagger = EntityTagger()
    tagger.entities(["Warm up in Paris."])
    with_ner: list[float] = []
    without: list[float] = []
    for repeat in range(args.repeat):
        order = [(tagger, with_ner), (None, without)]
        for chosen, times in order if repeat % 2 == 0 else reversed(order):
            times.append(timed_ingest(sample, embedder, chosen))
    shutil.rmtree(sample, ignore_errors=True)
    a, b = statistics.median(with_ner), statistics.median(without)
    print(f"{args.articles} articles, {words} words, {args.repeat} repeats")
    print(f"with named entities: median {a:.1f} s (min {min(with_ner):.1f}, max {max(with_ner):.1f})")
    print(f"without:             median {b:.1f} s (min {min(without):.1f}, max {max(without):.1f})")
    print(f"ratio: {a / b:.3f}")


if __name__ == "__main__":
    main()
