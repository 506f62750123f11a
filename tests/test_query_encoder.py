"""Questions are embedded through the model's ONNX export: the same vectors, and no torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from assistant.store.embedding import Embedder
from assistant.store.query_encoder import exported_path
from tests.conftest import ROOT

TEXTS = [
    "What did Kishida say about the 1998 declaration?",
    "Airlines cancelled more than 600 flights ahead of the storm.",
    "Élisabeth Borne a démissionné.",
    "x",
]


def test_onnx_vectors_are_the_models_own(embedder: Embedder):
    reference = np.array(embedder.embed(TEXTS))
    encoder = embedder.query_encoder()
    assert encoder is not None
    exported = np.array(encoder.embed(TEXTS))
    assert np.allclose(np.linalg.norm(exported, axis=1), 1.0, atol=1e-5)
    assert (reference * exported).sum(axis=1) == pytest_approx_ones(len(TEXTS))
    long_text = "The summit went on. " * 200  # past the 256-token limit: truncated alike
    assert float(np.dot(embedder.embed([long_text])[0], encoder.embed([long_text])[0])) > 0.9999


def pytest_approx_ones(n: int):
    import pytest

    return pytest.approx([1.0] * n, abs=1e-5)


def test_the_export_is_named_by_the_model_and_made_once(tmp_path: Path, embedder: Embedder):
    path = exported_path(embedder.model_path, tmp_path)
    assert path.parent == tmp_path and path.suffix == ".onnx"
    fresh = Embedder(cache=tmp_path)
    assert fresh.exported() == path and path.exists()
    made = path.stat().st_mtime_ns
    assert Embedder(cache=tmp_path).exported() == path and path.stat().st_mtime_ns == made
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary left behind


HEAVY = ("torch", "sentence_transformers", "transformers", "llama_index.core", "spacy")
PROBE = """
import json, sys
from click.testing import CliRunner
from assistant.cli import main
store, heavy = sys.argv[1], sys.argv[2:]
question = "What did Kishida say about the 1998 declaration?"
result = CliRunner().invoke(main, ["ask", question, "--json", "--store", store])
loaded = sorted(name for name in heavy if name in sys.modules)
print(json.dumps({"code": result.exit_code, "heavy": loaded, "answer": json.loads(result.output)["answer"]}))
"""


def test_asking_imports_neither_torch_nor_sentence_transformers(seed_store: Path):
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(seed_store), *HEAVY], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["code"] == 0 and "Cabinets" in seen["answer"]
    assert seen["heavy"] == []
