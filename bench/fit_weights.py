"""Fit the reranker's and the abstention's weights on development questions.

Run on the tuning half only; report on the other half with ``eval`` (BENCHMARKS.md)::

    grep -E '^\\{"id": "[0-9]+_[0-9]*[02468]"' ../shared/dev/realnews/questions.jsonl > /tmp/realnews-tune.jsonl
    .venv/bin/python -m assistant ingest ../shared/dev/realnews/corpus --store /tmp/rn-store
    .venv/bin/python bench/fit_weights.py /tmp/realnews-tune.jsonl --store /tmp/rn-store

1. Ranking: every candidate the hybrid retriever reranks (``candidates`` of them) is a row of
   the reranker's features (``assistant/retrieve/reranking.py``), labelled 1 when it comes from
   a relevant document and holds a relevant quote, else 0. A logistic regression, with its
   regularisation chosen by cross-validation over questions (folds never split a question's
   candidates), gives the weights; the cross-validated passage and document MRR are printed.
2. Abstention: each question's features (``assistant/answer/abstention.py``) under the new
   ranking, labelled answerable or not; a logistic regression gives the weights, and the
   threshold is the one that maximises abstention accuracy minus false abstentions (false
   abstention at most 0.1) on cross-validated probabilities, so it is not chosen on the
   same predictions it is judged on.

Prints the weights as ``Settings`` fields. Nothing here reads the report half.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.answer.abstention import AGREEMENT_RANK, QUESTION_FEATURES  # noqa: E402
from assistant.engine import build_assistant  # noqa: E402
from assistant.evaluate.metrics import contains  # noqa: E402
from assistant.evaluate.run import load_questions  # noqa: E402
from assistant.retrieve.reranking import PASSAGE_FEATURES  # noqa: E402
from assistant.settings import Settings  # noqa: E402

C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
FOLDS = 5
MAX_FALSE_ABSTENTION = 0.1


def collect(assistant, questions: list[dict]) -> list[dict]:
    """Per question: its candidates' features and labels, and its retrieval signals."""
    collected = []
    k = assistant.settings.candidates
    for question in questions:
        passages = assistant.retrieve(question["question"], k=k, retriever="hybrid")
        rows = []
        for passage in passages:
            relevant_doc = passage.chunk.doc_id in question.get("relevant_docs", [])
            quote = any(contains(passage.chunk.text, q) for q in question.get("relevant", []))
            rows.append(
                {
                    "features": [passage.features[name] for name in PASSAGE_FEATURES],
                    "doc": relevant_doc,
                    "label": relevant_doc and (quote or not question.get("relevant")),
                    "ranks": (passage.signals.get("dense_rank", math.inf), passage.signals.get("bm25_rank", math.inf)),
                }
            )
        collected.append({"id": question["id"], "answerable": question["answerable"], "rows": rows})
    return collected


def fit_logistic(x: np.ndarray, y: np.ndarray, c: float):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    model.fit(x, y)
    return model


def ranking_scores(question: dict, coef: np.ndarray, bias: float) -> tuple[float, float]:
    """(passage reciprocal rank, document reciprocal rank) of one question under the weights."""
    rows = question["rows"]
    if not rows:
        return 0.0, 0.0
    order = sorted(range(len(rows)), key=lambda i: -(bias + float(np.dot(coef, rows[i]["features"]))))
    passage = next((1.0 / r for r, i in enumerate(order, start=1) if rows[i]["label"]), 0.0)
    document = next((1.0 / r for r, i in enumerate(order, start=1) if rows[i]["doc"]), 0.0)
    return passage, document


def folds(items: list, count: int) -> list[tuple[list, list]]:
    return [([q for j, q in enumerate(items) if j % count != f], items[f::count]) for f in range(count)]


def fit_ranking(answerable: list[dict]) -> tuple[np.ndarray, float, dict]:
    report = {}
    for c in C_GRID:
        scores = []
        for train, test in folds(answerable, FOLDS):
            x = np.array([row["features"] for q in train for row in q["rows"]])
            y = np.array([row["label"] for q in train for row in q["rows"]])
            model = fit_logistic(x, y, c)
            scores += [ranking_scores(q, model.coef_[0], float(model.intercept_[0])) for q in test]
        report[c] = (float(np.mean([s[0] for s in scores])), float(np.mean([s[1] for s in scores])))
    best = max(report, key=lambda c: sum(report[c]))
    x = np.array([row["features"] for q in answerable for row in q["rows"]])
    y = np.array([row["label"] for q in answerable for row in q["rows"]])
    model = fit_logistic(x, y, best)
    return model.coef_[0], float(model.intercept_[0]), {"C": best, "cv": report}


def question_row(question: dict, coef: np.ndarray, bias: float, top_k: int) -> list[float]:
    """The abstention features of a question under the ranking weights (as ``question_features``)."""
    rows = question["rows"]
    if not rows:
        return [0.0] * len(QUESTION_FEATURES)
    logits = [bias + float(np.dot(coef, row["features"])) for row in rows]
    order = sorted(range(len(rows)), key=lambda i: -logits[i])[:top_k]
    at = {name: i for i, name in enumerate(PASSAGE_FEATURES)}
    best = order[0]
    values = {
        "top": logits[best],
        "sentence": max(rows[i]["features"][at["sentence"]] for i in order),
        "terms": rows[best]["features"][at["terms"]],
        "names": max(rows[i]["features"][at["names"]] for i in order),
        "title": max(rows[i]["features"][at["title"]] for i in order),
        "agreement": float(max(rows[best]["ranks"]) <= AGREEMENT_RANK),
    }
    return [values[name] for name in QUESTION_FEATURES]


def choose_threshold(probabilities: np.ndarray, answerable: np.ndarray) -> tuple[float, float, float]:
    """(threshold, abstention accuracy, false abstention rate) maximising accuracy minus false abstention."""
    best = (0.0, 0.0, 0.0)
    best_value = -math.inf
    for threshold in np.unique(np.concatenate([[0.0], probabilities, [1.0]])):
        abstained = probabilities < threshold
        accuracy = float(abstained[~answerable].mean()) if (~answerable).any() else 0.0
        false = float(abstained[answerable].mean()) if answerable.any() else 0.0
        if false > MAX_FALSE_ABSTENTION:
            continue
        if accuracy - false > best_value:
            best_value = accuracy - false
            best = (float(threshold), accuracy, false)
    return best


def fit_abstention(questions: list[dict], coef: np.ndarray, bias: float, top_k: int) -> tuple[dict, dict]:
    x = np.array([question_row(q, coef, bias, top_k) for q in questions])
    y = np.array([q["answerable"] for q in questions])
    report = {}
    out_of_fold: dict[float, np.ndarray] = {}
    indexed = list(range(len(questions)))
    for c in C_GRID:
        predicted = np.zeros(len(questions))
        for train, test in folds(indexed, FOLDS):
            model = fit_logistic(x[train], y[train], c)
            predicted[test] = model.predict_proba(x[test])[:, 1]
        out_of_fold[c] = predicted
        threshold, accuracy, false = choose_threshold(predicted, y)
        report[c] = {"threshold": threshold, "abstention_accuracy": accuracy, "false_abstention_rate": false}
    best = max(report, key=lambda c: report[c]["abstention_accuracy"] - report[c]["false_abstention_rate"])
    model = fit_logistic(x, y, best)
    weights = {"bias": round(float(model.intercept_[0]), 4)}
    weights |= {name: round(float(w), 4) for name, w in zip(QUESTION_FEATURES, model.coef_[0])}
    return weights, {"C": best, "cv": report, "threshold": report[best]["threshold"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", type=Path, help="the tuning half (JSONL)")
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--json", type=Path, help="write the fit and its cross-validation here")
    args = parser.parse_args()

    questions = load_questions(args.questions)
    settings = Settings(store=args.store)
    assistant = build_assistant(settings)
    collected = collect(assistant, questions)
    answerable = [q for q in collected if q["answerable"] and q["rows"]]
    coef, bias, ranking = fit_ranking(answerable)
    rank_weights = {"bias": round(bias, 4)} | {n: round(float(w), 4) for n, w in zip(PASSAGE_FEATURES, coef)}
    abstain_weights, abstention = fit_abstention(collected, coef, bias, settings.top_k)

    print(f"questions: {len(collected)} ({len(answerable)} answerable with candidates)")
    print(f"ranking: C={ranking['C']}; cross-validated (passage MRR, doc MRR) per C:")
    for c, (passage, document) in ranking["cv"].items():
        print(f"  C={c}: passage {passage:.3f}, doc {document:.3f}")
    print(f"abstention: C={abstention['C']}; cross-validated per C:")
    for c, row in abstention["cv"].items():
        print(f"  C={c}: " + ", ".join(f"{k} {v:.3f}" for k, v in row.items()))
    print("\n# Settings")
    print(f"rank_weights = {json.dumps(rank_weights)}")
    print(f"abstain_weights = {json.dumps(abstain_weights)}")
    print(f"abstain_threshold = {round(abstention['threshold'], 4)}")
    if args.json:
        fit = {"rank_weights": rank_weights, "abstain_weights": abstain_weights, "ranking": ranking}
        fit["abstention"] = abstention
        args.json.write_text(json.dumps(fit, indent=2, default=str))


if __name__ == "__main__":
    main()
