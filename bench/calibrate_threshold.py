"""Choose the abstention threshold from the gold set, and show the evidence it rests on.

For every gold question this records the evidence score (the best sentence's reranked
score among the retrieved passages). The threshold is the midpoint of the widest gap that
maximises (abstention accuracy - false abstention rate): unanswerable questions should fall
below it, answerable ones above.

    .venv/bin/python bench/calibrate_threshold.py [eval/seed_questions.jsonl]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.answer.extractive import evidence_score  # noqa: E402
from assistant.engine import build_assistant  # noqa: E402
from assistant.evaluate.run import load_questions  # noqa: E402
from assistant.settings import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "eval" / "seed_questions.jsonl"
    questions = [q for q in load_questions(path) if not q.get("follows")]
    with tempfile.TemporaryDirectory() as store:
        assistant = build_assistant(Settings(store=Path(store)))
        assistant.ingest([ROOT / "corpus"])
        scored = [(evidence_score(assistant.retrieve(q["question"])), q["answerable"], q["id"]) for q in questions]
    scored.sort()
    answerable = sum(1 for _, a, _ in scored if a)
    unanswerable = len(scored) - answerable
    best = None
    for i in range(len(scored) + 1):
        low = scored[i - 1][0] if i else scored[0][0] - 0.1
        high = scored[i][0] if i < len(scored) else scored[-1][0] + 0.1
        below = scored[:i]
        accuracy = sum(1 for _, a, _ in below if not a) / unanswerable
        false_rate = sum(1 for _, a, _ in below if a) / answerable
        key = (accuracy - false_rate, high - low)
        if best is None or key > best[0]:
            best = (key, (low + high) / 2, accuracy, false_rate)
    _, threshold, accuracy, false_rate = best
    print("evidence  answerable  id")
    for score, is_answerable, qid in scored:
        marker = "  <- threshold" if abs(score - threshold) < 1e-9 else ""
        print(f"{score:8.3f}  {str(is_answerable):10}  {qid}{marker}")
    print(
        f"\nthreshold {threshold:.3f}: abstention accuracy {accuracy:.3f}, false abstention rate "
        f"{false_rate:.3f} ({len(questions)} questions without follow-ups)"
    )


if __name__ == "__main__":
    main()
