"""Query latency and serving memory as the index grows: 1k, 10k (and 100k) chunks.

    .venv/bin/python bench/query_latency.py [--sizes 1000,10000] [--repeat 4] [--sentences DIR]
    BENCH_SCALE=full .venv/bin/python bench/query_latency.py          # sizes 1000,10000,100000

The stores are synthetic and reproducible: articles of real sentences recombined with a fixed
seed, from ``--sentences`` (default: the development set ``../shared/dev/realnews/corpus``
when present, else the seed corpus). Each distinct sentence is embedded once with the real
model; a chunk's vector is the normalised mean of its sentences' vectors, and the stores are
written in bulk, so that 100k chunks build in minutes on 2 cores. The query side is real.

For each size a fresh process opens the store (as a server would), warms up once, then times,
alternating question by question:

- ``ask``: the whole answer as the CLI and the page give it (question embedding, BM25, dense,
  fusion, rerank, extractive answer with citations and the abstention model);
- ``llama-index dense``: llama-index's ``VectorStoreIndex`` over the same Chroma collection
  (``ChromaVectorStore``), top 5, the question embedded by the same encoder.

Reported: p50 and p95 in ms, ask/llama-index at p50 and p95, the peak RSS of a process that
only serves questions (another fresh process, no llama-index), and that of the timing process.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from benchkit import ROOT, default_corpus, peak_rss_mb  # noqa: E402

sys.path.insert(0, str(ROOT))

QUESTIONS = [
    "What did Kishida say about the 1998 declaration?",
    "Who won the election for the Senate seat?",
    "How many flights were cancelled because of the storm?",
    "What did the company announce about layoffs?",
    "When will the new stadium open?",
    "Why did the court block the law?",
    "What did the president say about tariffs on China?",
    "Which team won the championship game?",
]
OUTLETS = ["Wire A", "Wire B", "Wire C", "Wire D"]


def source_sentences(folder: Path, limit: int) -> list[str]:
    from assistant.ingest.articles import read_article
    from assistant.text.sentences import split_sentences

    sentences: list[str] = []
    for path in sorted(folder.glob("*.txt")):
        text = read_article(path, folder).text
        sentences += [text[s.start : s.end] for s in split_sentences(text) if 5 <= len(text[s.start : s.end].split())]
    unique = sorted(set(sentences))
    random.Random(20261123).shuffle(unique)
    return unique[:limit]


def build(store: Path, chunks_wanted: int, vectors: dict[str, np.ndarray]) -> float:
    """Fill a store with synthetic articles until it holds ``chunks_wanted`` chunks."""
    from assistant.ingest.articles import parse_article
    from assistant.ingest.chunking import chunk_article
    from assistant.store.index import (  # bulk writes, bench only
        DocumentRecord,
        Index,
        SentenceRecord,
        _chunk_meta,
        _record_meta,
        _sentence_meta,
        connect,
    )
    from assistant.text.sentences import split_sentences

    rng = random.Random(chunks_wanted)
    index = Index(connect(store), "news")
    pool = list(vectors)
    started = time.perf_counter()
    total, number = 0, 0
    pending: dict[str, list] = {key: [] for key in ("c_ids", "c_docs", "c_vecs", "c_meta", "s_ids", "s_docs")}
    pending.update({key: [] for key in ("s_vecs", "s_meta", "d_ids", "d_docs", "d_vecs", "d_meta")})

    def flush() -> None:
        for collection, prefix in ((index.chunks, "c"), (index.sentences, "s"), (index.documents, "d")):
            ids = pending[f"{prefix}_ids"]
            for at in range(0, len(ids), 4000):
                collection.upsert(
                    ids=ids[at : at + 4000],
                    documents=pending[f"{prefix}_docs"][at : at + 4000],
                    embeddings=pending[f"{prefix}_vecs"][at : at + 4000],
                    metadatas=pending[f"{prefix}_meta"][at : at + 4000],
                )
        for values in pending.values():
            values.clear()

    while total < chunks_wanted:
        body = "\n\n".join(" ".join(rng.sample(pool, 3)) for _ in range(4))
        published = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        header = f"---\ntitle: Synthetic story {number}\noutlet: {rng.choice(OUTLETS)}\npublished: {published}\n---\n"
        article = parse_article((header + body).encode(), ".txt", f"synthetic/{number:07d}")
        chunks = chunk_article(article)
        spans = split_sentences(article.text)
        records = [SentenceRecord(article.doc_id, s.start, s.end, article.text[s.start : s.end]) for s in spans]
        sentence_vectors = [vectors.get(r.text, vectors[pool[0]]) for r in records]
        for chunk in chunks:
            inside = [v for r, v in zip(records, sentence_vectors) if chunk.start <= r.start and r.end <= chunk.end]
            mean = np.mean(inside or sentence_vectors, axis=0)
            pending["c_ids"].append(chunk.chunk_id)
            pending["c_docs"].append(chunk.text)
            pending["c_vecs"].append(mean / np.linalg.norm(mean))
            starts = [r.start for r in records if chunk.start <= r.start < chunk.end]
            pending["c_meta"].append(_chunk_meta(chunk, [], starts))
        for record, vector in zip(records, sentence_vectors):
            pending["s_ids"].append(record.sentence_id)
            pending["s_docs"].append(record.text)
            pending["s_vecs"].append(vector)
            pending["s_meta"].append(_sentence_meta(record))
        document = DocumentRecord(
            article.doc_id, article.title, article.outlet, article.published, None, None, f"s{number}", len(chunks)
        )
        pending["d_ids"].append(article.doc_id)
        pending["d_docs"].append(article.text)
        pending["d_vecs"].append(np.mean(pending["c_vecs"][-len(chunks) :], axis=0))
        pending["d_meta"].append(_record_meta(document))
        total += len(chunks)
        number += 1
        if len(pending["s_ids"]) >= 20000:
            flush()
    flush()
    index.record_contents()
    return time.perf_counter() - started


def question_embedding(embedder: Any) -> Any:
    """Our question encoder as a llama-index embedding model, so both sides embed alike."""
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from pydantic import PrivateAttr

    class QuestionEmbedding(BaseEmbedding):
        _embedder: Any = PrivateAttr()

        def __init__(self, embedder: Any) -> None:
            super().__init__(model_name="all-MiniLM-L6-v2")
            self._embedder = embedder

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._embedder.embed_one(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._embedder.embed_one(text)

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

    return QuestionEmbedding(embedder)


def serve_and_time(store: Path, repeat: int) -> dict[str, object]:
    """In this (fresh) process: open the store, warm up, time ``ask`` and llama-index's dense retrieval."""
    from llama_index.core import VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from assistant.engine import build_assistant
    from assistant.settings import Settings

    opened = time.perf_counter()
    assistant = build_assistant(Settings(store=store))
    assistant.ask(QUESTIONS[0])  # warm: keyword index loaded (or built), encoder and collections open
    warm_s = time.perf_counter() - opened
    vector_store = ChromaVectorStore(chroma_collection=assistant.index.chunks)
    index = VectorStoreIndex.from_vector_store(vector_store, embed_model=question_embedding(assistant.embedder))
    retriever = index.as_retriever(similarity_top_k=5)

    def llama_dense(question: str) -> int:
        return len(retriever.retrieve(question))

    llama_dense(QUESTIONS[0])
    times: dict[str, list[float]] = {"ask": [], "llama-index dense": []}
    for _ in range(repeat):
        for question in QUESTIONS:
            for name, call in (("ask", assistant.ask), ("llama-index dense", llama_dense)):
                started = time.perf_counter()
                call(question)
                times[name].append(time.perf_counter() - started)
    return {
        "chunks": assistant.index.chunk_count(),
        "warm_s": warm_s,
        "times": times,
        "peak_rss_mb": peak_rss_mb(),
    }


def serving_memory(store: Path, repeat: int) -> dict[str, object]:
    """Peak RSS of a process that only serves questions (no llama-index loaded)."""
    from assistant.engine import build_assistant
    from assistant.settings import Settings

    assistant = build_assistant(Settings(store=store))
    for _ in range(repeat):
        for question in QUESTIONS:
            assistant.ask(question)
    return {"peak_rss_mb": peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    full = os.environ.get("BENCH_SCALE") == "full"
    parser.add_argument("--sizes", default="1000,10000,100000" if full else "1000,10000")
    parser.add_argument("--repeat", type=int, default=4)
    parser.add_argument("--sentences", type=Path)
    parser.add_argument("--source-limit", type=int, default=12000, help="distinct sentences to recombine")
    parser.add_argument("--keep", type=Path, help="keep the stores in this folder (reused when present)")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--memory", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        print(json.dumps(serve_and_time(args.serve, args.repeat)))
        return
    if args.memory:
        print(json.dumps(serving_memory(args.memory, args.repeat)))
        return

    from assistant.store.embedding import Embedder

    folder = args.sentences or default_corpus()
    sentences = source_sentences(folder, args.source_limit)
    print(f"{len(sentences)} distinct sentences from {folder}", file=sys.stderr)
    vectors: dict[str, np.ndarray] = {}
    work = args.keep or Path(tempfile.mkdtemp(prefix="query-latency-"))
    rows = []
    for size in (int(size) for size in args.sizes.split(",")):
        store = work / f"store-{size}"
        built = 0.0
        if not (store / "chroma.sqlite3").exists():
            if not vectors:
                embedded = Embedder().embed(sentences)
                vectors.update(zip(sentences, (np.asarray(v, dtype=np.float32) for v in embedded)))
            built = build(store, size, vectors)
        done = subprocess.run(
            [sys.executable, __file__, "--serve", str(store), "--repeat", str(args.repeat)],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        memory = subprocess.run(
            [sys.executable, __file__, "--memory", str(store), "--repeat", "1"],
            capture_output=True,
            text=True,
            check=True,
        )
        result["serving_rss_mb"] = json.loads(memory.stdout.strip().splitlines()[-1])["peak_rss_mb"]
        rows.append((size, built, result))
        print(f"{size}: built in {built:.0f} s, {result['chunks']} chunks", file=sys.stderr)

    print(f"{len(QUESTIONS)} questions x {args.repeat} rounds per size, alternating; ms")
    print("| chunks | ask p50 | ask p95 | llama-index dense p50 | p95 | ask/llama p50 | p95 |", end="")
    print(" serving RSS MB | bench process RSS MB | warm-up s | build s |\n" + "|---" * 11 + "|")
    for _size, built, result in rows:
        ask = np.array(result["times"]["ask"]) * 1000
        llama = np.array(result["times"]["llama-index dense"]) * 1000
        a50, a95, l50, l95 = (float(np.percentile(x, q)) for x in (ask, llama) for q in (50, 95))
        print(
            f"| {result['chunks']} | {a50:.0f} | {a95:.0f} | {l50:.0f} | {l95:.0f} | {a50 / l50:.1f}x | "
            f"{a95 / l95:.1f}x | {result['serving_rss_mb']:.0f} | {result['peak_rss_mb']:.0f} | "
            f"{result['warm_s']:.1f} | {built:.0f} |"
        )


if __name__ == "__main__":
    main()
