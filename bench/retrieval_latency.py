"""Retrieval latency as the index grows: p50/p95 per question at 1k and 10k chunks.

The large indexes are built from the seed articles' real sentences, recombined into
synthetic articles. Each distinct sentence is embedded once with the real model; a chunk's
vector is the normalised mean of its sentences' vectors, so the index has realistic
vectors without embedding 10k chunks on 2 CPU cores. Times are reported as ratios against
the 1k index measured in the same run.

    .venv/bin/python bench/retrieval_latency.py [--sizes 1000,10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.engine import build_assistant  # noqa: E402
from assistant.ingest.articles import parse_article, read_article  # noqa: E402
from assistant.ingest.chunking import chunk_article  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.store.embedding import Embedder  # noqa: E402
from assistant.store.index import DocumentRecord, SentenceRecord, fingerprint  # noqa: E402
from assistant.text.sentences import split_sentences  # noqa: E402

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
QUESTIONS = [
    "What did Kishida say about the 1998 declaration?",
    "What did Yoon say about trilateral cooperation?",
    "What did the two countries sign?",
    "How many face-to-face meetings have the leaders had?",
    "Who won the lower house election?",
]


def seed_sentences() -> list[str]:
    sentences = []
    for path in sorted(CORPUS.glob("*.txt")):
        text = read_article(path, CORPUS).text
        sentences += [text[s.start : s.end] for s in split_sentences(text)]
    return sentences


def build_index(store: Path, chunks_wanted: int, embedder: Embedder, vectors: dict[str, np.ndarray]) -> float:
    """Fill a store with synthetic articles until it holds ``chunks_wanted`` chunks."""
    rng = random.Random(chunks_wanted)
    assistant = build_assistant(Settings(store=store), embedder=embedder)
    sentences = list(vectors)
    outlets = ["The Korea Herald", "The Japan News", "Wire A", "Wire B"]
    total, number = 0, 0
    started = time.perf_counter()
    while total < chunks_wanted:
        body = "\n\n".join(" ".join(rng.sample(sentences, 3)) for _ in range(4))
        published = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        header = f"---\noutlet: {rng.choice(outlets)}\npublished: {published}\n---\n"
        article = parse_article(
            (header + f"Synthetic story {number}\n" + body).encode(), ".txt", f"synthetic/{number:06d}"
        )
        chunks = chunk_article(article)
        spans = split_sentences(article.text)
        records = [SentenceRecord(article.doc_id, s.start, s.end, article.text[s.start : s.end]) for s in spans]
        sentence_vectors = [vectors[r.text].tolist() for r in records]
        chunk_vectors = []
        for chunk in chunks:
            inside = [vectors[r.text] for r in records if chunk.start <= r.start and r.end <= chunk.end]
            mean = np.mean(inside, axis=0)
            chunk_vectors.append((mean / np.linalg.norm(mean)).tolist())
        record = DocumentRecord(
            article.doc_id,
            article.title,
            article.outlet,
            article.published,
            None,
            None,
            f"synthetic-{number}",
            len(chunks),
        )
        assistant.index.replace_document(
            record, article.text, chunks, chunk_vectors, [[] for _ in chunks], records, sentence_vectors
        )
        total += len(chunks)
        number += 1
    return time.perf_counter() - started


def measure(store: Path, embedder: Embedder, retriever: str, repeat: int) -> list[float]:
    assistant = build_assistant(Settings(store=store), embedder=embedder)
    assistant.retrieve(QUESTIONS[0], retriever=retriever)  # warm: keyword index load, caches
    times = []
    for _ in range(repeat):
        for question in QUESTIONS:
            started = time.perf_counter()
            assistant.retrieve(question, retriever=retriever)
            times.append(time.perf_counter() - started)
    return times


def freshness_check(store: Path, embedder: Embedder, repeat: int) -> tuple[float, float]:
    """p50 ms of the per-query check that the keyword index is current: the state record's
    fingerprint (what queries read) and the fingerprint computed from every document record."""
    index = build_assistant(Settings(store=store), embedder=embedder).index
    index.contents_fingerprint()  # records the state if a write dropped it

    def p50_ms(check: Callable[[], object]) -> float:
        times = []
        for _ in range(repeat * len(QUESTIONS)):
            started = time.perf_counter()
            check()
            times.append(time.perf_counter() - started)
        return percentile(times, 50) * 1000

    state = p50_ms(index.contents_fingerprint)
    records = p50_ms(lambda: fingerprint((r.doc_id, r.fingerprint) for r in index.document_records()))
    return state, records


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--retrievers", default="hybrid,dense,bm25")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    embedder = Embedder()
    sentences = seed_sentences()
    vectors = dict(zip(sentences, np.asarray(embedder.embed(sentences))))
    rows = []
    baseline: dict[str, float] = {}
    freshness: list[tuple[int, float, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            store = Path(folder) / f"store-{size}"
            built = build_index(store, size, embedder, vectors)
            chunks = build_assistant(Settings(store=store), embedder=embedder).index.chunk_count()
            for retriever in args.retrievers.split(","):
                times = measure(store, embedder, retriever, args.repeat)
                p50, p95 = percentile(times, 50) * 1000, percentile(times, 95) * 1000
                baseline.setdefault(retriever, p50)
                rows.append((retriever, chunks, p50, p95, p50 / baseline[retriever], built))
            freshness.append((chunks, *freshness_check(store, embedder, args.repeat)))
    print("| retriever | chunks | p50 ms | p95 ms | p50 vs smallest | build s |")
    print("|---|---|---|---|---|---|")
    for retriever, chunks, p50, p95, ratio, built in sorted(rows):
        print(f"| {retriever} | {chunks} | {p50:.0f} | {p95:.0f} | {ratio:.2f}x | {built:.0f} |")
    print(
        f"\n{len(QUESTIONS) * args.repeat} questions per cell, {statistics.mean([r[4] for r in rows]):.2f}x mean ratio"
    )
    for chunks, state, records in freshness:
        print(
            f"keyword-index freshness check at {chunks} chunks: state record p50 {state:.1f} ms, "
            f"every document record p50 {records:.1f} ms ({records / state:.0f}x)"
        )


if __name__ == "__main__":
    main()
