"""Ingest throughput against the encoder's own limit, and peak memory, before and after a change.

    .venv/bin/python bench/ingest_throughput.py ../shared/dev/realnews/corpus --articles 20 --repeat 2 \
        [--baseline ea579ab]

Each measurement runs in a fresh child process (so peak RSS is its own) on the first
``--articles`` files of the folder:

1. the encoder's limit: ``SentenceTransformer.encode`` of the same chunk texts (title and
   text) at batch sizes 32, 64 and 128, the best kept; and of every text the ingest embeds
   (chunks and sentences), at batch size 64;
2. the real ingest into a fresh embedded store (read, clean, chunk, tag, embed, write, keyword
   index), timed from the first file to the saved keyword index; the model loads before.

With ``--baseline COMMIT`` the same child also runs from that commit's tree (``git archive``),
alternating with the working tree, so "before" and "after" share the machine's load. Figures
are medians over repeats: chunks per second, and the ratio to the encoder's limit.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchkit import ROOT, default_corpus, peak_rss_mb, tree_of  # noqa: E402


def child(source: Path, files: Path, limits: bool) -> dict[str, float]:
    """One measurement, in this process, of the tree at ``source``."""
    sys.path.insert(0, str(source))
    from assistant.engine import build_assistant
    from assistant.ingest.articles import read_article
    from assistant.ingest.chunking import chunk_article
    from assistant.settings import Settings
    from assistant.store.embedding import Embedder
    from assistant.text.sentences import split_sentences

    embedder = Embedder()
    model = embedder.model
    result: dict[str, float] = {}
    chunks, sentences = [], []
    for path in sorted(files.iterdir()):
        article = read_article(path, files)
        chunks += [chunk.indexed_text for chunk in chunk_article(article, 110, 25)]
        sentences += [article.text[s.start : s.end] for s in split_sentences(article.text)]
    result["chunks"] = len(chunks)
    result["sentences"] = len(sentences)
    if limits:
        model.encode(chunks[:64], batch_size=64)  # warm up
        for batch in (32, 64, 128):
            started = time.perf_counter()
            model.encode(chunks, batch_size=batch, normalize_embeddings=True)
            result[f"encode_chunks_b{batch}_s"] = time.perf_counter() - started
        started = time.perf_counter()
        model.encode(chunks + sentences, batch_size=64, normalize_embeddings=True)
        result["encode_all_texts_s"] = time.perf_counter() - started
        return result
    store = Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    try:
        assistant = build_assistant(Settings(store=store), embedder=embedder)
        assistant.tagger.entities(["Warm up the tagger in Tokyo."])
        started = time.perf_counter()
        report = assistant.ingest([files])
        result["ingest_s"] = time.perf_counter() - started
        result["stored_chunks"] = assistant.index.chunk_count()
        assert not report.skipped, report.summary()
    finally:
        shutil.rmtree(store, ignore_errors=True)
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def run_child(source: Path, files: Path, limits: bool) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", str(source), str(files)] + (["--limits"] if limits else [])
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, nargs="?", default=default_corpus())
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--baseline", help="a commit to measure in the same run, alternating")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--limits", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.folder, args.limits)))
        return

    work = Path(tempfile.mkdtemp(prefix="ingest-throughput-"))
    try:
        files = work / "articles"
        files.mkdir()
        for path in sorted(p for p in args.folder.iterdir() if p.is_file() and p.name.lower() != "readme.md")[
            : args.articles
        ]:
            shutil.copy(path, files / path.name)
        sources = {"now": ROOT}
        if args.baseline:
            sources = {f"baseline {args.baseline}": tree_of(args.baseline, work), "now": ROOT}
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in [*sources, "limits"]}
        for repeat in range(args.repeat):
            runs["limits"].append(run_child(ROOT, files, limits=True))
            for name, source in sources.items():
                runs[name].append(run_child(source, files, limits=False))
            print(f"repeat {repeat + 1}: {[measured[-1] for measured in runs.values()]}", file=sys.stderr)
        report(runs, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(runs: dict[str, list[dict[str, float]]], args: argparse.Namespace) -> None:
    limits = runs.pop("limits")
    now = runs["now"]
    chunks = now[0]["chunks"]
    median = statistics.median
    limit_chunks = median(min(r[f"encode_chunks_b{b}_s"] for b in (32, 64, 128)) for r in limits)
    limit_all = median(r["encode_all_texts_s"] for r in limits)
    sentences = int(now[0]["sentences"])
    print(f"{args.articles} articles, {int(chunks)} chunks, {sentences} sentences; medians of {args.repeat}")
    print(f"encoder limit, chunk texts (best batch): {chunks / limit_chunks:.2f} chunks/s")
    print(f"encoder limit, every text ingest embeds: {chunks / limit_all:.2f} chunks/s")
    for name, measured in runs.items():
        seconds = median(r["ingest_s"] for r in measured)
        rss = median(r["peak_rss_mb"] for r in measured)
        print(
            f"ingest {name}: {chunks / seconds:.2f} chunks/s = {limit_chunks / seconds:.2f} of the chunk-text limit, "
            f"{limit_all / seconds:.2f} of the all-text limit; peak RSS {rss:.0f} MB"
        )
    if len(runs) == 2:
        before = median(r["ingest_s"] for name, rs in runs.items() if name != "now" for r in rs)
        print(f"speed-up now / baseline: {before / median(r['ingest_s'] for r in now):.2f}x")


if __name__ == "__main__":
    main()
