"""The one settings object: read once at the entry point, passed everywhere else.

Every value can come from an ``ASSISTANT_``-prefixed environment variable
(``ASSISTANT_STORE``, ``ASSISTANT_CHROMA_URL``, ...) or from a command-line option.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

AnswerMode = Literal["extractive", "local", "ollama", "openai"]
RetrieverName = Literal["hybrid", "rrf", "dense", "bm25"]


def default_cache() -> Path:
    """``$XDG_CACHE_HOME/news-assistant``, or ``~/.cache/news-assistant``."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "news-assistant"


_COLLECTION_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]$")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    # Where the index lives.
    store: Path = Path("store")
    chroma_url: str | None = None
    collection: str = "news"

    # Reading articles.
    max_file_bytes: int = Field(5 * 1024 * 1024, gt=0)

    # Chunking, in words; chunks never split a sentence.
    chunk_size: int = Field(110, gt=0)
    chunk_overlap: int = Field(25, ge=0)

    # Named entities (spaCy en_core_web_sm) at ingest, for answer types ("when" wants a DATE).
    entities: bool = True

    # Embedding.
    # Seconds an ingest or removal waits for another process's write to the same store.
    lock_wait: float = Field(30.0, ge=0)

    # Where the embedding model's ONNX export (for questions) is kept.
    model_cache: Path = Field(default_factory=default_cache)

    embed_batch_size: int = Field(64, gt=0)

    # Retrieval.
    retriever: RetrieverName = "hybrid"
    top_k: int = Field(5, gt=0)
    candidates: int = Field(20, gt=0)
    rrf_k: int = Field(60, gt=0)
    # Abstention: confidence = sigmoid(bias + sum of weight x feature) over the features in
    # assistant/answer/abstention.py; below the threshold the assistant abstains. Both fitted
    # by bench/fit_weights.py on development questions (see BENCHMARKS.md).
    abstain_weights: dict[str, float] = {
        "bias": -4.0755,
        "top": 2.6963,
        "sentence": 0.9396,
        "terms": 1.3335,
        "names": 1.5159,
        "rare_missing": -1.2671,
    }
    abstain_threshold: float = Field(0.3116, ge=0, le=1)

    # A candidate passage scores bias + the sum of weight x feature (features in
    # assistant/retrieve/reranking.py), fitted by bench/fit_weights.py (see BENCHMARKS.md).
    rank_weights: dict[str, float] = {
        "bias": -5.6246,
        "dense": 0.8297,
        "bm25": 2.6517,
        "rrf": 1.4452,
        "sentence": 1.783,
        "sentence2": 0.7857,
        "terms": 1.5329,
        "title": -0.3274,
        "names": 0.2617,
        "answer_type": 0.5647,
        "speaker": -0.0849,
        "rare_missing": -0.6162,
    }
    # A sentence scores bias + the sum of weight x feature (SENTENCE_FEATURES in
    # assistant/retrieve/reranking.py): how likely it holds the answer. Fitted likewise.
    sentence_weights: dict[str, float] = {
        "bias": -1.1436,
        "similarity": 0.5776,
        "overlap": 0.8468,
        "answer_type": 1.0674,
        "speaker": -0.013,
        "lead": 0.5571,
        "passage": 0.1667,
    }
    # Subtracted from a passage whose best sentence an earlier passage already showed
    # (in the passage score's units; set by hand, not fitted).
    rerank_duplicate_penalty: float = 0.5

    # Extractive answers: sentences within this margin of the best one are quoted too (in the
    # sentence score's units; chosen by bench/fit_weights.py).
    answer_margin: float = Field(0.5, ge=0)
    # Another outlet's sentence is cited beside a quoted one as the same fact when both hold at
    # least this share of the question's content words ...
    same_fact_coverage: float = Field(0.6, ge=0, le=1)
    # ... and their embeddings are at least this similar.
    same_fact_similarity: float = Field(0.5, ge=-1, le=1)
    # A sentence this similar to one already quoted is a repeat and is left out.
    duplicate_similarity: float = Field(0.95, ge=-1, le=1)
    # Comparisons: weight of the words shared with the pivot clause, beside closeness in meaning.
    comparison_lexical_weight: float = 0.3

    # Answering.
    mode: AnswerMode = "extractive"
    # A longer question is refused with a one-line reason (a question, not an article).
    max_question_chars: int = Field(2000, gt=0)
    max_answer_sentences: int = Field(3, gt=0)
    ollama_url: str = "http://127.0.0.1:11434"
    ollama_model: str = "llama3.2"
    openai_base_url: str = "http://127.0.0.1:8080/v1"
    openai_model: str = "gpt-4o-mini"
    local_model_path: Path | None = None
    llm_timeout: float = Field(120.0, gt=0)

    # Serving.
    host: str = "127.0.0.1"
    port: int = Field(7860, gt=0, lt=65536)
    # Readers sign in with ``auth`` ("user:password") and may ask; the admin (``admin_auth``,
    # "user:password", env ASSISTANT_ADMIN_AUTH) may also upload, remove, re-index and run the
    # evaluation. With neither set (a local, single-user run) everyone may do everything; with
    # only ``auth`` set nobody may change the library from the page.
    auth: str | None = None
    admin_auth: str | None = None
    # Chat answers the page computes at once (each holds a thread); more wait in the queue.
    chat_concurrency: int = Field(8, gt=0)
    max_upload_bytes: int = Field(5 * 1024 * 1024, gt=0)
    corpus: Path = Path("corpus")

    @field_validator("collection")
    @classmethod
    def _valid_collection(cls, value: str) -> str:
        if not _COLLECTION_NAME.match(value) or len(value) > 500:
            raise ValueError(
                "collection must be 3-500 characters of [a-zA-Z0-9._-], starting and "
                f"ending alphanumeric. Currently, collection is {value!r}"
            )
        return value

    @model_validator(mode="after")
    def _overlap_below_size(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(
                f"chunk_overlap must be smaller than chunk_size. Currently, chunk_overlap is "
                f"{self.chunk_overlap} and chunk_size is {self.chunk_size}"
            )
        return self
