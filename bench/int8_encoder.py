"""An int8 encoder (the ONNX export, dynamically quantised) against fp32: speed and retrieval.

    .venv/bin/python bench/int8_encoder.py speed [FOLDER] [--articles 20] [--repeat 3]
    .venv/bin/python bench/int8_encoder.py ingest STORE FOLDER      # a store embedded in int8
    .venv/bin/python bench/int8_encoder.py eval STORE QUESTIONS     # questions embedded in int8 too

``speed`` encodes the same chunk texts (title and text, as ingest embeds them) with
sentence-transformers (fp32, torch), the fp32 ONNX export and its int8 quantisation
(``onnxruntime.quantization.quantize_dynamic``, QInt8 weights), alternating, batch size 64,
texts sorted by length as sentence-transformers does; it prints the medians, the ratios and
how close the int8 vectors are to fp32 (cosine). ``ingest`` runs the real ingest with every
text embedded in int8, and ``eval`` evaluates such a store with the questions embedded in
int8 too (the same figures as ``eval --json``), to set beside the fp32 store's.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchkit import default_corpus  # noqa: E402

from assistant.settings import Settings  # noqa: E402
from assistant.store.embedding import Embedder, packaged_model_path  # noqa: E402
from assistant.store.query_encoder import QueryEncoder, export, exported_path  # noqa: E402


def quantised(cache: Path) -> Path:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = packaged_model_path()
    fp32 = exported_path(model, cache)
    if not fp32.exists():
        export(model, fp32)
    int8 = fp32.with_name(fp32.stem + "-int8.onnx")
    if not int8.exists():
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
    return int8


def batched(encoder: QueryEncoder, texts: Sequence[str], batch: int = 64) -> np.ndarray:
    order = np.argsort([-len(text) for text in texts], kind="stable")
    out = np.zeros((len(texts), 384), dtype=np.float32)
    for at in range(0, len(texts), batch):
        chosen = order[at : at + batch]
        out[chosen] = encoder.embed([texts[i] for i in chosen])
    return out


def chunk_texts(folder: Path, articles: int) -> list[str]:
    from assistant.ingest.articles import read_article
    from assistant.ingest.chunking import chunk_article

    texts: list[str] = []
    for path in sorted(folder.glob("*.txt"))[:articles]:
        texts += [chunk.indexed_text for chunk in chunk_article(read_article(path, folder), 110, 25)]
    return texts


def speed(folder: Path, articles: int, repeat: int) -> None:
    cache = Settings().model_cache
    model = packaged_model_path()
    int8 = QueryEncoder(model, quantised(cache))
    fp32 = QueryEncoder(model, exported_path(model, cache))
    torch_model = Embedder()
    texts = chunk_texts(folder, articles)
    runs: dict[str, list[float]] = {"sentence-transformers fp32": [], "onnx fp32": [], "onnx int8": []}
    vectors: dict[str, np.ndarray] = {}
    calls = {
        "sentence-transformers fp32": lambda: np.asarray(torch_model.embed(texts)),
        "onnx fp32": lambda: batched(fp32, texts),
        "onnx int8": lambda: batched(int8, texts),
    }
    for call in calls.values():
        call()  # warm up
    for _ in range(repeat):
        for name, call in calls.items():
            started = time.perf_counter()
            vectors[name] = call()
            runs[name].append(time.perf_counter() - started)
    base = statistics.median(runs["sentence-transformers fp32"])
    print(f"{len(texts)} chunk texts from {articles} articles, medians of {repeat}, batch 64")
    for name, times in runs.items():
        seconds = statistics.median(times)
        print(f"{name}: {len(texts) / seconds:.1f} chunks/s ({base / seconds:.2f}x sentence-transformers)")
    for name in ("onnx fp32", "onnx int8"):
        cosine = (vectors[name] * vectors["sentence-transformers fp32"]).sum(axis=1)
        print(f"{name} vs fp32 cosine: mean {cosine.mean():.4f}, min {cosine.min():.4f}")


class Int8Embedder(Embedder):
    """Every text (ingest and questions) through the int8 export."""

    def __init__(self, encoder: QueryEncoder) -> None:
        super().__init__()
        self._int8 = encoder

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.texts_embedded += len(texts)
        return batched(self._int8, list(texts)).tolist() if texts else []

    def embed_one(self, text: str) -> list[float]:
        return self.embed([text])[0]


def int8_assistant(store: Path) -> Any:
    from assistant.engine import build_assistant

    embedder = Int8Embedder(QueryEncoder(packaged_model_path(), quantised(Settings().model_cache)))
    return build_assistant(Settings(store=store), embedder=embedder)


def ingest(store: Path, folder: Path) -> None:
    started = time.perf_counter()
    report = int8_assistant(store).ingest([folder])
    print(f"ingest {time.perf_counter() - started:.0f} s, {report.summary().splitlines()[0]}")


def evaluate(store: Path, questions: Path) -> None:
    from assistant.evaluate.run import load_questions, run_evaluation

    result = run_evaluation(int8_assistant(store), load_questions(questions))
    print(json.dumps({key: value for key, value in result.items() if key != "per_question"}, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["speed", "ingest", "eval"])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.what == "speed":
        speed(args.paths[0] if args.paths else default_corpus(), args.articles, args.repeat)
    elif args.what == "ingest":
        store, folder = args.paths
        if store.exists():
            shutil.rmtree(store)
        ingest(store, folder)
    else:
        evaluate(*args.paths)


if __name__ == "__main__":
    main()
