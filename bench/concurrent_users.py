"""Many users on one page: throughput and latency for 1 and for N concurrent clients, in one run.

Starts ``python -m assistant serve`` on a free port over a temporary store of the seed corpus
(or uses ``--url`` of a running page), then, for each client count, runs that many
gradio_client sessions that each ask the seed questions in turn through the ``/ask``
endpoint for ``--seconds``. Reports answers per second and p50/p95 latency per count, and
checks every answer against the one the single client got. With ``--during-evaluation``
an evaluation of the bundled gold set (45 questions, through ``/evaluate``) starts with
each count, so the figures show what chatting costs while someone evaluates.

    .venv/bin/python bench/concurrent_users.py [--clients 1,20] [--seconds 30] [--during-evaluation] [--url URL]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = (
    "What did Kishida say about the 1998 declaration?",
    "How many times have the two leaders met face to face?",
    "What did Yoon say about trilateral cooperation?",
    "What agreement did Seoul and Tokyo sign?",
    "What is the exchange rate of the yen?",
)


def client(url: str) -> object:
    from gradio_client import Client

    return Client(url, analytics_enabled=False, verbose=False, download_files=False)


def ask(session: object, question: str) -> str:
    _, chat, _ = session.predict(question, [], "extractive", 5, "All outlets", "", "", api_name="/ask")  # type: ignore[attr-defined]
    return str(chat[-1]["content"][0]["text"])


def measure(url: str, clients: int, seconds: float, expected: dict[str, str], evaluate: bool) -> dict[str, float]:
    """``clients`` sessions asking for ``seconds``: answers, answers/s, p50 and p95 latency
    (and the evaluation's seconds when one runs beside them)."""
    sessions = [client(url) for _ in range(clients)]
    evaluation: dict[str, float] = {}

    def run_evaluation() -> None:
        began = time.monotonic()
        client(url).predict(None, "extractive", api_name="/evaluate")  # type: ignore[attr-defined]
        evaluation["seconds"] = time.monotonic() - began

    evaluator = threading.Thread(target=run_evaluation)
    if evaluate:
        evaluator.start()
        time.sleep(0.5)
    latencies: list[float] = []
    wrong: list[str] = []
    errors: list[str] = []
    start = time.monotonic()
    deadline = start + seconds

    def user(number: int) -> None:
        asked = 0
        while time.monotonic() < deadline:
            question = QUESTIONS[(number + asked) % len(QUESTIONS)]
            began = time.monotonic()
            try:
                answer = ask(sessions[number], question)
            except Exception as error:
                errors.append(f"{type(error).__name__}: {error}")
                return
            latencies.append(time.monotonic() - began)
            if answer != expected[question]:
                wrong.append(question)
            asked += 1

    threads = [threading.Thread(target=user, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    if evaluate:
        evaluator.join()
    if errors or wrong:
        raise SystemExit(f"{clients} clients: {len(errors)} errors {errors[:3]}, {len(wrong)} different answers")
    ordered = sorted(latencies)
    return {
        "clients": clients,
        "answers": len(ordered),
        "per_second": len(ordered) / elapsed,
        "p50": statistics.median(ordered),
        "p95": ordered[max(0, round(0.95 * len(ordered)) - 1)],
        "evaluation_s": evaluation.get("seconds", float("nan")),
    }


def serve(folder: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "ASSISTANT_CORPUS": str(ROOT / "corpus"), "TMPDIR": str(folder)}
    env.pop("ASSISTANT_AUTH", None)
    env.pop("ASSISTANT_ADMIN_AUTH", None)
    command = [sys.executable, "-m", "assistant", "serve", "--port", str(port), "--store", str(folder / "store")]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=(folder / "server.log").open("w"), stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}/"
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit(f"the server exited: {(folder / 'server.log').read_text()[-2000:]}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return process, url
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise SystemExit("the server did not start within 5 minutes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="1,20", help="client counts to measure, e.g. 1,5,20")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long each count asks")
    parser.add_argument("--during-evaluation", action="store_true", help="evaluate the gold set meanwhile")
    parser.add_argument("--url", help="a running page (default: serve the seed corpus in a temporary store)")
    args = parser.parse_args()
    counts = [int(value) for value in args.clients.split(",")]

    with tempfile.TemporaryDirectory(prefix="news-assistant-bench-") as folder:
        process, url = (None, args.url) if args.url else serve(Path(folder))
        try:
            single = client(url)
            expected = {question: ask(single, question) for question in QUESTIONS}  # also warms up
            rows = [measure(url, count, args.seconds, expected, args.during_evaluation) for count in counts]
        finally:
            if process is not None:
                process.terminate()
                process.wait(timeout=30)

    base = rows[0]["per_second"]
    during = ", an evaluation of the gold set starting with each count" if args.during_evaluation else ""
    print(f"{len(QUESTIONS)} questions in turn, {args.seconds:.0f} s per count, extractive mode{during}\n")
    print("| clients | answers | answers/s | vs first | p50 ms | p95 ms | evaluation s |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['clients']} | {row['answers']} | {row['per_second']:.2f} | {row['per_second'] / base:.2f}x "
            f"| {row['p50'] * 1000:.0f} | {row['p95'] * 1000:.0f} | {row['evaluation_s']:.0f} |"
        )


if __name__ == "__main__":
    main()
