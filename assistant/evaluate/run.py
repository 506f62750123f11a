"""Evaluation: gold questions in, retrieval and answer metrics out.

``load_questions`` reads and checks the JSONL file (format in DESIGN.md, "Evaluation file
format"); ``run_evaluation`` asks every question of every retriever and of the answerer and
returns the exact ``eval --json`` object; ``run_sweep`` re-indexes a corpus into temporary
stores and evaluates once per value of one setting.

Relevance is decided by text: a retrieved chunk is relevant at passage level when it
contains one of the question's ``relevant`` quotes, at document level when it belongs to
one of its ``relevant_docs``. Rankings are lists of chunk ids, best first; a chunk that
comes back twice counts once, at its first position.
"""

from __future__ import annotations

import inspect
import json
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.evaluate.metrics import (
    DOC_KEYS,
    RETRIEVAL_KEYS,
    answer_verifier,
    citation_doc_hits,
    citation_hits,
    contains,
    mean,
    mentions,
    ranking_scores,
)

SWEEPABLE = ("chunk_size", "chunk_overlap", "top_k", "candidates")

Progress = Callable[[int, int, str], None]


class EvalFileError(ValueError):
    """A questions file that cannot be used; the message names the file and line."""


# --- the questions file ------------------------------------------------------------------


def load_questions(path: Path) -> list[dict[str, Any]]:
    """The questions of a JSONL file, checked; unknown fields are kept but ignored."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise EvalFileError(f"{path}: cannot read: {error}") from None
    questions: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path} line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise EvalFileError(f"{where}: not valid JSON ({error.msg} at column {error.colno})") from None
        question = _checked_question(record, where, seen)
        seen.add(question["id"])
        questions.append(question)
    if not questions:
        raise EvalFileError(f"{path}: no questions")
    return questions


def _checked_question(record: Any, where: str, seen: set[str]) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise EvalFileError(f"{where}: expected a JSON object, got {type(record).__name__}")
    text = record.get("question")
    if not isinstance(text, str) or not text.strip():
        raise EvalFileError(f"{where}: 'question' must be a non-empty string, got {text!r}")
    question = dict(record)
    question["id"] = str(record.get("id", where.rsplit(" ", 1)[-1]))
    if question["id"] in seen:
        raise EvalFileError(f"{where}: duplicate id {question['id']!r}")
    for name in ("relevant", "relevant_docs", "answer"):
        value = record.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            raise EvalFileError(f"{where}: {name!r} must be a list of non-empty strings, got {value!r}")
        question[name] = value
    answerable = record.get("answerable", True)
    if not isinstance(answerable, bool):
        raise EvalFileError(f"{where}: 'answerable' must be true or false, got {answerable!r}")
    question["answerable"] = answerable
    follows = record.get("follows")
    if follows is not None and str(follows) not in seen:
        raise EvalFileError(f"{where}: 'follows' must name an earlier question's id, got {follows!r}")
    return question


# --- running an evaluation ---------------------------------------------------------------


@dataclass
class _Turn:
    question: str
    answer: Any
    history: tuple[Any, ...]


def _supports_history(assistant: Any) -> bool:
    """Whether follow-ups can be asked with history (``ask(history=...)``, ``standalone``, ``Turn``)."""
    from assistant.answer import result as answers

    try:
        takes_history = "history" in inspect.signature(assistant.ask).parameters
    except (TypeError, ValueError):
        return False
    return takes_history and hasattr(assistant, "standalone") and hasattr(answers, "Turn")


def run_evaluation(
    assistant: Any,
    questions: Sequence[dict[str, Any]],
    retrievers: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Evaluate every retriever and the answerer on ``questions``: the ``eval --json`` object."""
    from assistant.retrieve.retrievers import RETRIEVERS

    names = list(retrievers or RETRIEVERS)
    default = assistant.settings.retriever
    if default not in names:
        names.insert(0, default)
    if not assistant.documents():
        raise ValueError(f"the index is empty (store {assistant.settings.store}): run `news-assistant ingest` first")
    k = assistant.settings.top_k
    with_history = _supports_history(assistant)
    verify = answer_verifier()
    turns: dict[str, _Turn] = {}
    rows: list[dict[str, Any]] = []
    scores: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for done, question in enumerate(questions, start=1):
        text = question["question"]
        history: tuple[Any, ...] = ()
        follows = question.get("follows")
        if with_history and follows and str(follows) in turns:
            history = _history(turns[str(follows)])
        # Asked first, so that retrieval is measured on the standalone question the answer searched.
        answer = assistant.ask(text, history=list(history)) if history else assistant.ask(text)
        turns[question["id"]] = _Turn(text, answer, history)
        searched = getattr(answer, "searched", None) or (assistant.standalone(text, list(history)) if history else text)
        row: dict[str, Any] = {
            "id": question["id"],
            "question": text,
            "searched": searched,
            "ranks": {},
            "doc_ranks": {},
        }
        passages_by_name = {}
        for name in names:
            passages = assistant.retrieve(searched, k=k, retriever=name)
            passages_by_name[name] = passages
            result = _score_question(question, passages)
            scores[name].append(result)
            if "rank" in result:  # only questions graded at that level get a rank entry
                row["ranks"][name] = result["rank"]
            if "doc_rank" in result:
                row["doc_ranks"][name] = result["doc_rank"]
        rows.append(_answer_row(row, question, answer, passages_by_name[default], verify))
        if progress:
            progress(done, len(questions), question["id"])
    return {
        "questions": len(questions),
        "retrievers": {name: _aggregate(scores[name]) for name in names},
        "default_retriever": default,
        "answers": _answer_metrics(questions, rows, verify is not None),
        "per_question": [_public(row, default) for row in rows],
        "mode": assistant.settings.mode,
        "removed_sentences": sum(row["removed"] for row in rows),
    }


def _history(turn: _Turn) -> tuple[Any, ...]:
    from assistant.answer.result import Turn

    return (*turn.history, Turn(turn.question, turn.answer))


def _score_question(question: dict[str, Any], passages: Sequence[Any]) -> dict[str, Any]:
    """Passage- and document-level metrics of one ranking (empty when the question has no gold)."""
    if not question["answerable"]:
        return {}
    chunk_ids = [p.chunk.chunk_id for p in passages]
    result: dict[str, Any] = {}
    quotes = question["relevant"]
    if quotes:
        items = {
            p.chunk.chunk_id: frozenset(str(i) for i, quote in enumerate(quotes) if contains(p.chunk.text, quote))
            for p in passages
        }
        result.update(ranking_scores(chunk_ids, items, len(quotes)))
    docs = set(question["relevant_docs"])
    if docs:
        items = {p.chunk.chunk_id: frozenset({p.chunk.doc_id} & docs) for p in passages}
        doc_scores = ranking_scores(chunk_ids, items, len(docs), prefix="doc_")
        result["doc_rank"] = doc_scores.pop("rank")
        result.update({key: doc_scores[key] for key in DOC_KEYS})
    return result


def _aggregate(results: list[dict[str, Any]]) -> dict[str, float | None]:
    return {key: mean(r.get(key) for r in results) for key in (*RETRIEVAL_KEYS, *DOC_KEYS)}


def _answer_row(
    row: dict[str, Any],
    question: dict[str, Any],
    answer: Any,
    passages: Sequence[Any],
    verify: Callable[[Any], list[bool]] | None,
) -> dict[str, Any]:
    row.update(
        answerable=question["answerable"],
        abstained=bool(answer.abstained),
        answer=answer.answer,
        confidence=answer.confidence,
        retrieved=[p.chunk.chunk_id for p in passages],
        cited=[c.doc_id for c in answer.citations],
        removed=len(answer.removed_sentences or []),
    )
    row["keyword_hits"] = [phrase for phrase in question["answer"] if mentions(answer.answer, phrase)]
    row["keyword_missing"] = [phrase for phrase in question["answer"] if phrase not in row["keyword_hits"]]
    has_gold = bool(question["relevant"] or question["relevant_docs"])
    row["citation_hits"] = citation_hits(question, answer) if question["answerable"] and has_gold else []
    graded_docs = question["answerable"] and question["relevant_docs"]
    row["citation_doc_hits"] = citation_doc_hits(question, answer) if graded_docs else []
    row["supported"] = list(verify(answer)) if verify and not answer.abstained else []
    row["faithful"] = mean(row["supported"]) if row["supported"] else None
    return row


def _answer_metrics(questions: Sequence[dict[str, Any]], rows: list[dict[str, Any]], verified: bool) -> dict[str, Any]:
    pairs = list(zip(questions, rows, strict=True))
    answerable = [row for q, row in pairs if q["answerable"]]
    unanswerable = [row for q, row in pairs if not q["answerable"]]
    keyword = [len(row["keyword_hits"]) / len(q["answer"]) for q, row in pairs if q["answerable"] and q["answer"]]
    cited = [hit for row in answerable if not row["abstained"] for hit in row["citation_hits"]]
    cited_docs = [hit for row in answerable if not row["abstained"] for hit in row["citation_doc_hits"]]
    supported = [ok for row in rows for ok in row["supported"]]
    return {
        "keyword_recall": mean(keyword),
        "abstention_accuracy": mean(row["abstained"] for row in unanswerable),
        "false_abstention_rate": mean(row["abstained"] for row in answerable),
        "citation_precision": mean(cited),
        "citation_doc_precision": mean(cited_docs),
        "faithfulness": mean(supported) if verified else None,
    }


def _public(row: dict[str, Any], default: str) -> dict[str, Any]:
    """One ``per_question`` entry: the contract's fields first, then the diagnostics."""
    return {
        "id": row["id"],
        "rank": row["ranks"].get(default),
        "doc_rank": row["doc_ranks"].get(default),
        "abstained": row["abstained"],
        "answer": row["answer"],
        "question": row["question"],
        "searched": row["searched"],
        "answerable": row["answerable"],
        "confidence": row["confidence"],
        "ranks": row["ranks"],
        "doc_ranks": row["doc_ranks"],
        "retrieved": row["retrieved"],
        "cited": row["cited"],
        "keyword_hits": row["keyword_hits"],
        "keyword_missing": row["keyword_missing"],
        "faithful": row["faithful"],
    }


# --- parameter sweeps ----------------------------------------------------------------------


def parse_sweep(spec: str) -> tuple[str, list[int]]:
    """``"chunk_size=128,256,512"`` -> ``("chunk_size", [128, 256, 512])``."""
    name, _, values = spec.partition("=")
    name = name.strip()
    if name not in SWEEPABLE:
        raise ValueError(
            f"sweep must be NAME=V1,V2,... with NAME one of {', '.join(SWEEPABLE)}. Currently, it is {spec!r}"
        )
    try:
        numbers = [int(value) for value in values.split(",") if value.strip()]
    except ValueError:
        raise ValueError(f"sweep values must be whole numbers. Currently, they are {values!r}") from None
    if not numbers or min(numbers) <= 0:
        raise ValueError(f"sweep needs one or more values greater than 0. Currently, they are {values!r}")
    return name, numbers


def run_sweep(
    settings: Any,
    questions: Sequence[dict[str, Any]],
    name: str,
    values: Sequence[int],
    corpus: Path,
    embedder: Any = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Evaluate once per value of setting ``name``, indexing ``corpus`` into temporary stores."""
    from assistant.engine import build_assistant
    from assistant.store.embedding import Embedder

    embedder = embedder or Embedder(batch_size=settings.embed_batch_size, cache=settings.model_cache)
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="news-assistant-sweep-") as folder:
        for value in values:
            # Validated again, so that e.g. chunk_overlap >= chunk_size is refused with its reason.
            changed = type(settings).model_validate({**settings.model_dump(), name: value})
            # Settings that change chunks get a store of their own; the others share one.
            key = f"{changed.chunk_size}-{changed.chunk_overlap}"
            store = Path(folder) / key
            changed = changed.model_copy(update={"store": store, "chroma_url": None})
            assistant = build_assistant(changed, embedder=embedder)
            if not assistant.documents():
                report = assistant.ingest([corpus])
                if not assistant.documents():
                    raise ValueError(f"nothing could be ingested from {corpus}: {report.summary()}")
            step = _offset(progress, len(results), len(values))
            result = run_evaluation(assistant, questions, progress=step)
            results.append(
                {
                    "value": value,
                    "chunks": sum(record.chunks for record in assistant.documents()),
                    "retrievers": result["retrievers"],
                    "answers": result["answers"],
                }
            )
    return {
        "sweep": name,
        "corpus": str(corpus),
        "questions": len(questions),
        "default_retriever": settings.retriever,
        "results": results,
    }


def _offset(progress: Progress | None, step: int, steps: int) -> Progress | None:
    """Progress of one evaluation reported as part of ``steps`` evaluations in a row."""
    if progress is None:
        return None
    report = progress

    def offset(done: int, total: int, label: str) -> None:
        report(step * total + done, steps * total, label)

    return offset
