"""Evaluation reports: a Markdown report, the JSON, and PNG plots (matplotlib, Agg backend).

``write_report(result, out_dir)`` takes the object ``run_evaluation`` (or ``run_sweep``)
returns; ``summary_text(result)`` is the short form printed on a terminal.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.evaluate.metrics import ANSWER_KEYS, DOC_KEYS, RETRIEVAL_KEYS

RANK_BINS = ("1", "2", "3", "4", "5", "miss")


def write_report(result: dict[str, Any], out_dir: Path) -> list[Path]:
    """Write report.md, results.json and the plots into ``out_dir``; return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = out_dir / "results.json"
    results.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if "sweep" in result:
        plots = [_plot_sweep(result, out_dir / "sweep.png")]
        markdown = _sweep_markdown(result)
    else:
        plots = [
            _plot_retrievers(result, out_dir / "retrievers.png"),
            _plot_ranks(result, out_dir / "ranks.png"),
        ]
        markdown = _markdown(result)
    report = out_dir / "report.md"
    report.write_text(markdown, encoding="utf-8")
    return [report, results, *plots]


def summary_text(result: dict[str, Any]) -> str:
    """A plain-text summary: the metric tables, then the questions that went wrong."""
    if "sweep" in result:
        return _sweep_markdown(result)
    lines = [
        f"{result['questions']} questions, mode {result.get('mode', '?')}, "
        f"default retriever {result['default_retriever']}",
        "",
    ]
    lines += _retriever_table(result) + [""] + _answer_table(result) + [""]
    problems = failures(result)
    lines.append(f"{len(problems)} question(s) to look at" + (":" if problems else "."))
    lines += [f"  {row['id']}: {why}" for row, why in problems]
    return "\n".join(lines) + "\n"


def failures(result: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """Per-question rows that went wrong, each with a short reason."""
    found = []
    for row in result["per_question"]:
        reasons = []
        if row.get("answerable", True):
            if row.get("ranks") and row.get("rank") is None:
                reasons.append("no relevant passage retrieved")
            elif row.get("rank") not in (None, 1):
                reasons.append(f"first relevant passage at rank {row['rank']}")
            if row["abstained"]:
                reasons.append(f"abstained (confidence {row.get('confidence')})")
            elif row.get("keyword_missing"):
                reasons.append("answer lacks " + ", ".join(repr(p) for p in row["keyword_missing"]))
        elif not row["abstained"]:
            reasons.append(f"answered an unanswerable question (confidence {row.get('confidence')})")
        if row.get("faithful") is not None and row["faithful"] < 1:
            reasons.append(f"only {row['faithful']:.0%} of its sentences supported")
        if reasons:
            found.append((row, "; ".join(reasons)))
    return found


# --- Markdown -------------------------------------------------------------------------------


def _number(value: Any) -> str:
    return "–" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_number(cell) for cell in row) + " |" for row in rows]
    return lines


def _retriever_table(result: dict[str, Any]) -> list[str]:
    keys = (*RETRIEVAL_KEYS, *DOC_KEYS)
    rows = [[name, *(metrics.get(key) for key in keys)] for name, metrics in result["retrievers"].items()]
    return _table(["retriever", *keys], rows)


def _answer_table(result: dict[str, Any]) -> list[str]:
    return _table(list(ANSWER_KEYS), [[result["answers"].get(key) for key in ANSWER_KEYS]])


def _markdown(result: dict[str, Any]) -> str:
    default = result["default_retriever"]
    lines = [
        "# Evaluation report",
        "",
        f"{result['questions']} questions; answer mode `{result.get('mode', '?')}`; "
        f"`ask` uses the `{default}` retriever. Passage-level metrics count a chunk as relevant when it "
        "contains one of the question's `relevant` quotes; `doc_` metrics when it belongs to one of its "
        "`relevant_docs`. Retrieval metrics are over answerable questions.",
        "",
        "## Retrieval",
        "",
        *_retriever_table(result),
        "",
        "![metrics per retriever](retrievers.png)",
        "",
        "![rank of the first relevant passage](ranks.png)",
        "",
        "## Answers",
        "",
        *_answer_table(result),
        "",
        f"Sentences removed by the verifier: {result.get('removed_sentences', 0)}.",
        "",
        "## Questions to look at",
        "",
    ]
    problems = failures(result)
    lines += [f"- **{row['id']}** {row.get('question', '')}: {why}" for row, why in problems] or ["None."]
    names = list(result["retrievers"])
    lines += ["", "## Every question", ""]
    rows = [
        [
            row["id"],
            row.get("question", "").replace("|", "\\|"),
            *(row.get("ranks", {}).get(name) for name in names),
            row.get("doc_rank"),
            "yes" if row["abstained"] else "no",
            row.get("confidence"),
            row.get("faithful"),
        ]
        for row in result["per_question"]
    ]
    lines += _table(
        [
            "id",
            "question",
            *(f"rank {name}" for name in names),
            "doc rank",
            "abstained",
            "confidence",
            "faithful",
        ],
        rows,
    )
    return "\n".join(lines) + "\n"


def _sweep_markdown(result: dict[str, Any]) -> str:
    name = result["sweep"]
    default = result.get("default_retriever", "hybrid")
    lines = [f"# Sweep over {name}", "", f"{result['questions']} questions; corpus `{result['corpus']}`.", ""]
    keys = ("hit@1", "mrr", "ndcg@5", "recall@5")
    rows = [
        [
            e["value"],
            e["chunks"],
            *(e["retrievers"].get(default, {}).get(k) for k in keys),
            *(e["answers"].get(k) for k in ANSWER_KEYS),
        ]
        for e in result["results"]
    ]
    lines += [f"Retrieval by `{default}` (what `ask` uses) and the answers, per value:", ""]
    lines += _table([name, "chunks", *keys, *ANSWER_KEYS], rows) + [""]
    for entry in result["results"]:
        lines += [f"## {name} = {entry['value']} ({entry['chunks']} chunks)", ""]
        lines += _retriever_table(entry) + [""] + _answer_table(entry) + [""]
    lines.append("![sweep](sweep.png)")
    return "\n".join(lines) + "\n"


# --- plots ----------------------------------------------------------------------------------


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _plot_retrievers(result: dict[str, Any], path: Path) -> Path:
    """Grouped bars: each metric, one bar per retriever."""
    plt = _pyplot()
    keys = [*RETRIEVAL_KEYS, *DOC_KEYS]
    names = list(result["retrievers"])
    width = 0.8 / max(len(names), 1)
    fig, ax = plt.subplots(figsize=(12, 4.5))
    for i, name in enumerate(names):
        values = [result["retrievers"][name].get(key) or 0.0 for key in keys]
        positions = [x + (i - (len(names) - 1) / 2) * width for x in range(len(keys))]
        ax.bar(positions, values, width, label=name)
    ax.set_xticks(range(len(keys)), keys, rotation=30, ha="right")
    ax.set_ylim(0, 1.2)
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_ylabel("score")
    ax.set_title(f"Retrieval metrics per retriever ({result['questions']} questions)")
    ax.legend(ncols=len(names), loc="upper center")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def rank_counts(result: dict[str, Any], name: str) -> dict[str, int]:
    """How many answerable questions had their first relevant passage at each rank (or none)."""
    counts = dict.fromkeys(RANK_BINS, 0)
    for row in result["per_question"]:
        if name in row.get("ranks", {}):
            rank = row["ranks"][name]
            counts["miss" if rank is None or rank > 5 else str(rank)] += 1
    return counts


def _plot_ranks(result: dict[str, Any], path: Path) -> Path:
    """Grouped bars: for each rank 1-5 (and miss), how many questions per retriever."""
    plt = _pyplot()
    names = list(result["retrievers"])
    width = 0.8 / max(len(names), 1)
    fig, ax = plt.subplots(figsize=(8, 4))
    for i, name in enumerate(names):
        counts = rank_counts(result, name)
        positions = [x + (i - (len(names) - 1) / 2) * width for x in range(len(RANK_BINS))]
        ax.bar(positions, [counts[b] for b in RANK_BINS], width, label=name)
    ax.set_xticks(range(len(RANK_BINS)), RANK_BINS)
    ax.set_xlabel("rank of the first relevant passage")
    ax.set_ylabel("questions")
    ax.set_title("Rank distribution (answerable questions)")
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _plot_sweep(result: dict[str, Any], path: Path) -> Path:
    """Lines: the main metrics of each retriever against the swept value."""
    plt = _pyplot()
    positions = list(range(len(result["results"])))  # the values as evenly spaced categories
    labels = [f"{entry['value']}\n({entry['chunks']} chunks)" for entry in result["results"]]
    names = list(result["results"][0]["retrievers"]) if result["results"] else []
    fig, axes = plt.subplots(1, 3, figsize=(13, 4), sharey=True)
    for ax, key in zip(axes, ("hit@1", "mrr", "ndcg@5"), strict=True):
        for name in names:
            ax.plot(
                positions,
                [entry["retrievers"][name].get(key) or 0.0 for entry in result["results"]],
                marker="o",
                label=name,
            )
        ax.set_title(key)
        ax.set_xlabel(result["sweep"])
        ax.set_xticks(positions, labels, fontsize=8)
        ax.grid(alpha=0.3)
    axes[0].set_ylim(0, 1.05)
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
