"""The query encoder: the same all-MiniLM-L6-v2, exported once to ONNX, run without torch.

A question is one short text, so what a cold ``ask`` waits for is imports, not arithmetic:
``sentence_transformers`` (with torch and transformers) takes seconds to import, while
onnxruntime and tokenizers take a fraction of one. The packaged model is exported to ONNX
on first need (with torch, as ingest has it loaded anyway) into a cache folder, named by a
digest of the model's files, and written atomically, so any process can use it once there.
Its vectors are the model's own: mean pooling over the tokens, then unit length, with the
model's tokenizer and maximum sequence length (tests check them against sentence-transformers).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

OPSET = 17
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def exported_path(model: Path, cache: Path) -> Path:
    """Where the ONNX export of the model at ``model`` lives in ``cache``."""
    digest = hashlib.sha256(f"opset {OPSET}".encode())
    for name in ("config.json", "tokenizer.json", "sentence_bert_config.json"):
        digest.update((model / name).read_bytes() if (model / name).exists() else b"")
    for weights in sorted(model.glob("*.safetensors")):
        digest.update(f"{weights.name} {weights.stat().st_size}".encode())
    return cache / f"{model.name}-{digest.hexdigest()[:16]}.onnx"


def export(model: Path, target: Path) -> Path:
    """Export the transformer of the model at ``model`` to ONNX at ``target`` (atomically)."""
    import torch
    from transformers import AutoModel

    class _Hidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    network = AutoModel.from_pretrained(str(model)).eval()
    example = tuple(torch.ones((1, 4), dtype=torch.long) for _ in _INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "hidden")}
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}")
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes on shapes it fixes: the axes stay dynamic
            torch.onnx.export(
                _Hidden(network),
                example,
                str(temporary),
                input_names=list(_INPUTS),
                output_names=["hidden"],
                dynamic_axes=axes,
                opset_version=OPSET,
                dynamo=False,
            )
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


class QueryEncoder:
    """Unit-length embeddings from the ONNX export, through onnxruntime and tokenizers."""

    def __init__(self, model: Path, exported: Path, threads: int = 2) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        config = json.loads((model / "sentence_bert_config.json").read_text())
        self.tokenizer = Tokenizer.from_file(str(model / "tokenizer.json"))
        self.tokenizer.enable_truncation(int(config.get("max_seq_length", 256)))
        self.tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(str(exported), options, providers=["CPUExecutionProvider"])

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        encoded = self.tokenizer.encode_batch(list(texts))
        feed = {
            "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
        }
        hidden = self.session.run(None, feed)[0]
        mask = feed["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return [vector.tolist() for vector in pooled]
