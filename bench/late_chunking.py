"""Experiment (not adopted): sentence vectors pooled from the chunk's own encoder pass.

    .venv/bin/python bench/late_chunking.py /tmp/rn-late ../shared/dev/realnews/corpus
    .venv/bin/python -m assistant eval /tmp/realnews-report.jsonl --store /tmp/rn-late --json

Ingest embeds every chunk and, separately, every sentence (for the reranker's sentence
features and the extractive answer's choice of sentence); sentences are about as many tokens
again as the chunks, and short texts run slower per token. This ingests a folder with the
real pipeline except that each sentence's vector is the unit mean of the contextual token
embeddings inside it, taken from the pass over the chunk that holds it with the most context
on both sides ("late chunking"), so the encoder runs over the chunks only. A sentence no chunk
holds whole is embedded alone. The resulting store is evaluated with ``eval`` as usual.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import assistant.ingest.pipeline as pipeline  # noqa: E402
from assistant.engine import build_assistant  # noqa: E402
from assistant.settings import Settings  # noqa: E402


def unit(vector: np.ndarray) -> list[float]:
    return (vector / max(float(np.linalg.norm(vector)), 1e-12)).tolist()


def pooled_write(batch: list[Any], index: Any, embedder: Any, existing: dict[str, Any], report: Any) -> None:
    """``pipeline._write`` with sentence vectors pooled from the chunk pass."""
    model = embedder.model
    texts = [chunk.indexed_text for item in batch for chunk in item.chunks]
    outputs = model.encode(texts, batch_size=embedder.batch_size, output_value=None) if texts else []
    getattr(embedder, "inner", embedder).texts_embedded += len(texts)  # the engine wraps it in SerialEmbedder
    at = 0
    for item in batch:
        features = outputs[at : at + len(item.chunks)]
        at += len(item.chunks)
        chunk_vectors = [unit(f["sentence_embedding"].float().numpy()) for f in features]
        offsets = [
            np.asarray(
                model.tokenizer(
                    chunk.indexed_text, return_offsets_mapping=True, truncation=True, max_length=model.max_seq_length
                )["offset_mapping"]
            ).reshape(-1, 2)
            for chunk in item.chunks
        ]
        sentence_vectors: list[list[float] | None] = []
        for sentence in item.sentences:
            holding = [
                (min(sentence.start - chunk.start, chunk.end - sentence.end), -number)
                for number, chunk in enumerate(item.chunks)
                if chunk.start <= sentence.start and sentence.end <= chunk.end
            ]
            vector = None
            if holding:
                number = -max(holding)[1]
                chunk = item.chunks[number]
                shift = len(chunk.indexed_text) - len(chunk.text) - chunk.start
                spans = offsets[number]
                tokens = features[number]["token_embeddings"].float().numpy()[: len(spans)]
                inside = (
                    (spans[:, 1] > spans[:, 0])
                    & (spans[:, 0] >= sentence.start + shift)
                    & (spans[:, 1] <= sentence.end + shift)
                )
                if inside.any():
                    vector = unit(tokens[inside].mean(axis=0))
            sentence_vectors.append(vector)
        alone = [n for n, vector in enumerate(sentence_vectors) if vector is None]
        for n, vector in zip(alone, embedder.embed([item.sentences[n].text for n in alone])):
            sentence_vectors[n] = vector
        pipeline.store_document(item, chunk_vectors, sentence_vectors, index, existing, report)


def main() -> None:
    store, folder = Path(sys.argv[1]), Path(sys.argv[2])
    pipeline._write = pooled_write  # type: ignore[assignment]
    assistant = build_assistant(Settings(store=store))
    assistant.embedder.model  # noqa: B018  loaded before timing
    assistant.tagger.entities(["Warm up in Tokyo."])
    started = time.perf_counter()
    report = assistant.ingest([folder])
    seconds = time.perf_counter() - started
    print(f"ingest {seconds:.0f} s, {report.summary().splitlines()[0]}, {assistant.index.chunk_count()} chunks")


if __name__ == "__main__":
    main()
