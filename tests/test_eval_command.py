"""``news-assistant eval``: a real ingest of the seed corpus, then the command as people run it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from assistant.evaluate.run import load_questions

from .servers import run_cli

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "eval" / "seed_questions.jsonl"
RETRIEVAL = {
    "hit@1",
    "hit@3",
    "hit@5",
    "recall@5",
    "mrr",
    "ndcg@5",
    "doc_hit@1",
    "doc_hit@5",
    "doc_mrr",
    "doc_ndcg@5",
}
ANSWERS = {
    "keyword_recall",
    "abstention_accuracy",
    "false_abstention_rate",
    "citation_precision",
    "citation_doc_precision",
    "faithfulness",
}
TOP_LEVEL = {"questions", "retrievers", "default_retriever", "answers", "per_question"}
OPTIONAL_TOP_LEVEL = {"mode", "removed_sentences"}


def cli(*args: str | Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, timeout=timeout)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed corpus, ingested once for the module by the real command."""
    folder = tmp_path_factory.mktemp("eval-store")
    done = cli("ingest", ROOT / "corpus", "--store", folder)
    assert done.returncode == 0, done.stderr
    return folder


@pytest.fixture(scope="module")
def run(store: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """One full evaluation of the gold set with both --json and --out."""
    out = tmp_path_factory.mktemp("eval-out") / "report"
    done = cli("eval", GOLD, "--json", "--out", out, "--store", store)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), out


def small_questions(tmp_path: Path, count: int = 3) -> Path:
    path = tmp_path / "few.jsonl"
    lines = GOLD.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(line for line in lines[:count]) + "\n", encoding="utf-8")
    return path


def test_json_has_exactly_the_contract_keys(run: tuple[dict, Path]) -> None:
    result, _ = run
    assert TOP_LEVEL <= set(result) <= TOP_LEVEL | OPTIONAL_TOP_LEVEL
    assert set(result["retrievers"]) == {"hybrid", "rrf", "dense", "bm25"}
    for name, metrics in result["retrievers"].items():
        assert set(metrics) == RETRIEVAL, name
    assert set(result["answers"]) == ANSWERS
    assert result["default_retriever"] == "hybrid"
    gold = load_questions(GOLD)
    assert result["questions"] == len(gold)
    assert [row["id"] for row in result["per_question"]] == [q["id"] for q in gold]
    for row in result["per_question"]:
        assert {"id", "rank", "doc_rank", "abstained", "answer"} <= set(row)


def test_every_number_is_a_share(run: tuple[dict, Path]) -> None:
    result, _ = run
    numbers = [v for metrics in result["retrievers"].values() for v in metrics.values()]
    numbers += [v for k, v in result["answers"].items() if k != "faithfulness" or v is not None]
    assert all(isinstance(v, float | int) and 0.0 <= v <= 1.0 for v in numbers), numbers
    # Every answerable gold question has quotes and documents, so nothing is null here.
    assert all(v is not None for metrics in result["retrievers"].values() for v in metrics.values())
    hybrid = result["retrievers"]["hybrid"]
    assert hybrid["hit@1"] <= hybrid["hit@3"] <= hybrid["hit@5"]
    assert hybrid["doc_hit@1"] <= hybrid["doc_hit@5"]


def test_abstention_metrics_agree_with_the_per_question_rows(run: tuple[dict, Path]) -> None:
    result, _ = run
    answerable = {q["id"]: q["answerable"] for q in load_questions(GOLD)}
    rows = result["per_question"]
    unanswerable = [row["abstained"] for row in rows if not answerable[row["id"]]]
    answered = [row["abstained"] for row in rows if answerable[row["id"]]]
    assert result["answers"]["abstention_accuracy"] == pytest.approx(sum(unanswerable) / len(unanswerable), abs=1e-4)
    assert result["answers"]["false_abstention_rate"] == pytest.approx(sum(answered) / len(answered), abs=1e-4)
    for row in rows:
        if not answerable[row["id"]]:
            assert row["rank"] is None and row["doc_rank"] is None
        elif row["rank"] is not None:
            assert 1 <= row["rank"] <= 5


def test_the_gold_set_stays_a_regression_check(run: tuple[dict, Path]) -> None:
    """Floors against regressions on the seed gold set; every sentence a supported quote.

    The gold set is no tuning target: the weights are fitted on other articles. The retrieval
    issue asks for hybrid MRR >= 0.93 here (0.936 in BENCHMARKS.md).
    """
    result = run[0]
    answers = result["answers"]
    assert result["retrievers"]["hybrid"]["mrr"] >= 0.93, result["retrievers"]["hybrid"]
    assert answers["abstention_accuracy"] >= 0.9, answers
    assert answers["faithfulness"] == 1.0, answers
    assert answers["keyword_recall"] >= 0.75, answers
    assert answers["citation_precision"] >= 0.6, answers  # the cited text holds a gold quote
    assert answers["citation_doc_precision"] >= 0.85, answers
    assert answers["false_abstention_rate"] <= 0.15, answers


def test_the_design_example_is_found_first(run: tuple[dict, Path]) -> None:
    result, _ = run
    q1 = next(
        row for row in result["per_question"] if row["question"] == "What did Kishida say about the 1998 declaration?"
    )
    assert q1["rank"] == 1 and q1["doc_rank"] == 1
    assert not q1["abstained"] and "previous Cabinets" in q1["answer"]


def test_out_writes_the_report_the_json_and_the_plots(run: tuple[dict, Path]) -> None:
    result, out = run
    assert json.loads((out / "results.json").read_text(encoding="utf-8")) == result
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| hybrid |" in report and "| bm25 |" in report and "retrievers.png" in report
    for plot in ("retrievers.png", "ranks.png"):
        data = (out / plot).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000, plot


def test_text_output_is_a_summary(store: Path, tmp_path: Path) -> None:
    done = cli("eval", small_questions(tmp_path), "--store", store)
    assert done.returncode == 0, done.stderr
    assert "3 questions" in done.stdout and "| hybrid |" in done.stdout
    assert not done.stdout.lstrip().startswith("{")


def test_a_bad_line_fails_with_its_line_number(store: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"question": "Who met?"}\n\n{"question": "Where?",\n', encoding="utf-8")
    done = cli("eval", path, "--json", "--store", store)
    assert done.returncode == 1
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert "line 3" in done.stderr and "not valid JSON" in done.stderr


def test_a_missing_file_is_bad_usage(store: Path, tmp_path: Path) -> None:
    done = cli("eval", tmp_path / "nowhere.jsonl", "--store", store)
    assert done.returncode == 2
    assert "nowhere.jsonl" in done.stderr and "does not exist" in done.stderr


def test_an_empty_index_fails_with_one_line(tmp_path: Path) -> None:
    done = cli("eval", small_questions(tmp_path), "--json", "--store", tmp_path / "empty")
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and "index is empty" in done.stderr


def test_a_bad_sweep_is_bad_usage(store: Path, tmp_path: Path) -> None:
    done = cli("eval", small_questions(tmp_path), "--sweep", "chunk_sizes=1,2", "--store", store)
    assert done.returncode == 2 and "chunk_sizes=1,2" in done.stderr


def test_sweep_reindexes_per_chunk_size(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    questions = small_questions(tmp_path, 5)
    done = cli(
        "eval",
        questions,
        "--sweep",
        "chunk_size=40,400",
        "--json",
        "--out",
        out,
        "--store",
        tmp_path / "unused",
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["sweep"] == "chunk_size" and [r["value"] for r in result["results"]] == [40, 400]
    small, large = result["results"]
    # Two articles of about 400 and 200 words: one or two chunks each at 400, many at 40.
    assert large["chunks"] <= 4 < small["chunks"]
    for entry in result["results"]:
        assert set(entry["retrievers"]) == {"hybrid", "rrf", "dense", "bm25"}
    assert (out / "sweep.png").read_bytes()[:4] == b"\x89PNG"
    assert not (tmp_path / "unused").exists()  # the sweep never touches the given store
