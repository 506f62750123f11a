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
2. Sentences, under the new ranking: each sentence of the top passages is a row of the
   sentence features, labelled 1 when it holds one of the question's answers; regularisation
   chosen by cross-validated MRR of the first answer-holding sentence.
3. Abstention: each question's features (``assistant/answer/abstention.py``) under the new
   ranking, labelled answerable or not; a logistic regression gives the weights, with its
   regularisation chosen by cross-validated log loss (calibrated probabilities), and the
   threshold is the one that maximises abstention accuracy minus false abstentions (false
   abstention at most 0.05, half the target) on cross-validated probabilities, so it is not chosen on the
   same predictions it is judged on.
4. The extractive answer's margin (how far below the best sentence another may be quoted):
   the one with the best keyword recall plus passage-level citation precision.

Prints the weights as ``Settings`` fields. Nothing here reads the report half. What it prints
does not depend on the weights in ``Settings`` when it runs: rows are taken in a fixed order,
the fits converge tightly, and the sentences are those of the top passages by the new
passage score alone.
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

from assistant.answer.abstention import QUESTION_FEATURES, question_features  # noqa: E402
from assistant.engine import build_assistant  # noqa: E402
from assistant.evaluate.metrics import contains, mentions  # noqa: E402
from assistant.evaluate.run import load_questions  # noqa: E402
from assistant.retrieve.reranking import PASSAGE_FEATURES, SENTENCE_FEATURES  # noqa: E402
from assistant.settings import Settings  # noqa: E402

C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
FOLDS = 5
# Half the target of 0.1: a rate estimated on 55 answerable questions is uncertain by about that much.
MAX_FALSE_ABSTENTION = 0.05
MARGINS = (0.25, 0.5, 1.0, 2.0)


def collect(assistant, questions: list[dict]) -> list[dict]:
    """Per question: its candidates' features and labels, and its retrieval signals."""
    collected = []
    k = assistant.settings.candidates
    for question in questions:
        passages = assistant.retrieve(question["question"], k=k, retriever="hybrid")
        rows = []
        # In a fixed order (not the current weights' ranking), so the fit does not depend on them.
        for passage in sorted(passages, key=lambda p: p.chunk.chunk_id):
            relevant_doc = passage.chunk.doc_id in question.get("relevant_docs", [])
            quote = any(contains(passage.chunk.text, q) for q in question.get("relevant", []))
            rows.append(
                {
                    "features": [passage.features[name] for name in PASSAGE_FEATURES],
                    "doc": relevant_doc,
                    "label": relevant_doc and (quote or not question.get("relevant")),
                }
            )
        collected.append({"id": question["id"], "answerable": question["answerable"], "rows": rows})
    return collected


def fit_logistic(x: np.ndarray, y: np.ndarray, c: float):
    from sklearn.linear_model import LogisticRegression

    # Converged tightly: a loose stop leaves weights in flat directions to the rows' order.
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=10000, tol=1e-10)
    model.fit(x, y)
    return model


def as_weights(model, names: tuple[str, ...]) -> dict[str, float]:
    """A fitted model's intercept and coefficients as a ``Settings`` weights dict."""
    weights = {"bias": round(float(model.intercept_[0]), 4)}
    return weights | {name: round(float(w), 4) for name, w in zip(names, model.coef_[0])}


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


def fit_rows(groups: list[dict], c: float):
    """A logistic regression over every row of the given questions."""
    x = np.array([row["features"] for q in groups for row in q["rows"]])
    y = np.array([row["label"] for q in groups for row in q["rows"]])
    return fit_logistic(x, y, c)


def cross_validated(groups: list[dict]) -> dict[float, tuple[float, float]]:
    """Per C: the mean (label MRR, document MRR) on held-out questions, folds by question."""
    report = {}
    for c in C_GRID:
        scores = []
        for train, test in folds(groups, FOLDS):
            model = fit_rows(train, c)
            scores += [ranking_scores(q, model.coef_[0], float(model.intercept_[0])) for q in test]
        report[c] = (float(np.mean([s[0] for s in scores])), float(np.mean([s[1] for s in scores])))
    return report


def fit_ranking(answerable: list[dict]) -> tuple[dict[str, float], dict]:
    report = cross_validated(answerable)
    best = max(report, key=lambda c: sum(report[c]))
    return as_weights(fit_rows(answerable, best), PASSAGE_FEATURES), {"C": best, "cv": report}


def choose_threshold(probabilities: np.ndarray, answerable: np.ndarray) -> tuple[float, float, float]:
    """(threshold, abstention accuracy, false abstention rate) maximising accuracy minus false abstention.

    Every threshold between two neighbouring probabilities decides alike; the one returned
    is midway between them, not on a question's own probability, so a question a little
    less sure than the one it was placed on is not abstained on.
    """
    best = (0.0, 0.0, 0.0)
    best_value = -math.inf
    candidates = np.unique(np.concatenate([[0.0], probabilities, [1.0]]))
    for below, threshold in zip(np.concatenate([[0.0], candidates[:-1]]), candidates):
        abstained = probabilities < threshold
        accuracy = float(abstained[~answerable].mean()) if (~answerable).any() else 0.0
        false = float(abstained[answerable].mean()) if answerable.any() else 0.0
        if false > MAX_FALSE_ABSTENTION:
            continue
        if accuracy - false > best_value:
            best_value = accuracy - false
            best = (float((below + threshold) / 2), accuracy, false)
    return best


def fit_sentences(assistant, questions: list[dict]) -> tuple[dict, dict]:
    """Sentence weights: a sentence is labelled 1 when it holds one of the question's answers."""
    rows: list[dict] = []
    for question in questions:
        if not (question["answerable"] and question.get("answer")):
            continue
        passages = sorted(assistant.retrieve(question["question"]), key=lambda p: p.chunk.chunk_id)
        sentences = [s for p in passages for s in sorted(p.sentences, key=lambda s: s.sentence.start)]
        labelled = [
            {
                "features": [s.features[n] for n in SENTENCE_FEATURES],
                "label": any(mentions(s.sentence.text, a) for a in question["answer"]),
            }
            for s in sentences
        ]
        if any(r["label"] for r in labelled):
            rows.append({"rows": [{**r, "doc": r["label"]} for r in labelled]})
    report = {c: first for c, (first, _) in cross_validated(rows).items()}
    best = max(report, key=lambda c: report[c])
    return as_weights(fit_rows(rows, best), SENTENCE_FEATURES), {
        "C": best,
        "questions": len(rows),
        "cv_answer_mrr": report,
    }


def fit_abstention(assistant, questions: list[dict]) -> tuple[dict, dict, list]:
    """Abstention weights and threshold from each question's features under the new ranking."""
    retrieved = [(q, assistant.retrieve(q["question"])) for q in questions]
    x = np.array([[question_features(passages)[n] for n in QUESTION_FEATURES] for _, passages in retrieved])
    y = np.array([q["answerable"] for q in questions])
    report = {}
    indexed = list(range(len(questions)))
    for c in C_GRID:
        predicted = np.zeros(len(questions))
        for train, test in folds(indexed, FOLDS):
            model = fit_logistic(x[train], y[train], c)
            predicted[test] = model.predict_proba(x[test])[:, 1]
        threshold, accuracy, false = choose_threshold(predicted, y)
        clipped = np.clip(predicted, 1e-6, 1 - 1e-6)
        log_loss = float(-np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped)))
        report[c] = {
            "log_loss": log_loss,
            "threshold": threshold,
            "abstention_accuracy": accuracy,
            "false_abstention_rate": false,
        }
    # The best calibrated probabilities (cross-validated log loss), so that the confidence means something.
    best = min(report, key=lambda c: report[c]["log_loss"])
    weights = as_weights(fit_logistic(x, y, best), QUESTION_FEATURES)
    return weights, {"C": best, "cv": report, "threshold": report[best]["threshold"]}, retrieved


def choose_margin(assistant, retrieved: list) -> dict:
    """The extractive answer's margin: keyword recall plus citation precision.

    Citation precision at passage level (the cited text holds the relevant quote), so that
    quoting more sentences to catch the answer is paid for.
    """
    from assistant.answer.abstention import Abstention
    from assistant.answer.extractive import ExtractiveAnswerer

    always = Abstention({"bias": 60.0}, 0.5)  # answer everything: only the shape is chosen here
    results = {}
    for margin in MARGINS:
        answerer = ExtractiveAnswerer(always, assistant.settings.max_answer_sentences, margin=margin)
        recall, precision = [], []
        for question, passages in retrieved:
            if not (question["answerable"] and question.get("answer")):
                continue
            answer = answerer.answer(question["question"], passages)
            recall.append(any(mentions(answer.answer, a) for a in question["answer"]))
            quotes = question.get("relevant", [])
            precision += [any(contains(c.text, q) for q in quotes) for c in answer.citations]
        results[margin] = (float(np.mean(recall)), float(np.mean(precision)) if precision else 0.0)
    best = max(results, key=lambda margin: sum(results[margin]))
    return {"margin": best, "grid": results}


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
    rank_weights, ranking = fit_ranking(answerable)

    # Sentences, abstention and the answer's shape are fitted under the new ranking.
    # The sentences are those of the top passages by the new passage score alone: with the
    # near-duplicate penalty (which asks the current sentence weights for each passage's best
    # sentence) the fit would depend on the weights it starts from.
    unordered = {"rank_weights": rank_weights, "rerank_duplicate_penalty": 0.0}
    sentence_weights, sentences = fit_sentences(build_assistant(settings.model_copy(update=unordered)), questions)
    update = {"rank_weights": rank_weights, "sentence_weights": sentence_weights}
    assistant = build_assistant(settings.model_copy(update=update))
    abstain_weights, abstention, retrieved = fit_abstention(assistant, questions)
    shape = choose_margin(assistant, retrieved)

    print(f"questions: {len(collected)} ({len(answerable)} answerable with candidates)")
    print(f"ranking: C={ranking['C']}; cross-validated (passage MRR, doc MRR) per C:")
    for c, (passage, document) in ranking["cv"].items():
        print(f"  C={c}: passage {passage:.3f}, doc {document:.3f}")
    print(f"sentences ({sentences['questions']} questions): C={sentences['C']}; cross-validated answer-sentence MRR:")
    for c, value in sentences["cv_answer_mrr"].items():
        print(f"  C={c}: {value:.3f}")
    print(f"abstention: C={abstention['C']}; cross-validated per C:")
    for c, row in abstention["cv"].items():
        print(f"  C={c}: " + ", ".join(f"{k} {v:.3f}" for k, v in row.items()))
    print(f"answer margin: {shape['margin']}; keyword recall, citation precision per margin:")
    for margin, (recall, precision) in shape["grid"].items():
        print(f"  {margin}: {recall:.3f}, {precision:.3f}")
    print("\n# Settings")
    print(f"rank_weights = {json.dumps(rank_weights)}")
    print(f"sentence_weights = {json.dumps(sentence_weights)}")
    print(f"abstain_weights = {json.dumps(abstain_weights)}")
    print(f"abstain_threshold = {round(abstention['threshold'], 4)}")
    print(f"answer_margin = {shape['margin']}")
    if args.json:
        fit = {"rank_weights": rank_weights, "sentence_weights": sentence_weights, "abstain_weights": abstain_weights}
        fit |= {"ranking": ranking, "sentences": sentences, "abstention": abstention, "shape": shape}
        args.json.write_text(json.dumps(fit, indent=2, default=str))


if __name__ == "__main__":
    main()
