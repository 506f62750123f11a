"""Many users at once: 20 clients ask side by side while an evaluation runs, and get
exactly the answers they get one at a time.

The real app served by the CLI; each client is its own gradio_client session calling the
``/ask`` endpoint, the way a browser tab does; the evaluation runs through ``/evaluate``.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import CORPUS, ROOT
from .servers import free_port, serving

pytestmark = pytest.mark.slow

CLIENTS = 20
QUESTIONS = (
    "What did Kishida say about the 1998 declaration?",
    "How many times have the two leaders met face to face?",
    "What did Yoon say about trilateral cooperation?",
    "What is the exchange rate of the yen?",  # unanswerable: the abstention must match too
)
EVAL_QUESTIONS = 10


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    where = tmp_path_factory.mktemp("many-users")
    corpus = where / "corpus"
    shutil.copytree(CORPUS, corpus, ignore=shutil.ignore_patterns("README*"))
    port = free_port()
    env = {**os.environ, "ASSISTANT_CORPUS": str(corpus), "TMPDIR": str(where)}
    env.pop("ASSISTANT_AUTH", None)
    env.pop("ASSISTANT_ADMIN_AUTH", None)
    command = [sys.executable, "-m", "assistant", "serve", "--port", str(port), "--store", str(where / "store")]
    url = f"http://127.0.0.1:{port}/"

    def ready() -> None:
        urllib.request.urlopen(url, timeout=2).close()

    with serving(command, ready, where / "server.log", timeout=150, cwd=ROOT, env=env):
        yield {"url": url, "where": where, "log": where / "server.log"}


def client(url: str) -> object:
    from gradio_client import Client

    return Client(url, analytics_enabled=False, verbose=False, download_files=False)


def ask(session: object, question: str) -> tuple[str, str]:
    """(the answer bubble, the sources panel) for a question in a new conversation."""
    _, chat, sources = session.predict(  # type: ignore[attr-defined]
        question, [], "extractive", 5, "All outlets", "", "", api_name="/ask"
    )
    return chat[-1]["content"][0]["text"], sources


def test_twenty_clients_get_the_answers_of_one_while_an_evaluation_runs(app, tmp_path: Path):
    url = str(app["url"])
    alone = client(url)
    expected = {question: ask(alone, question) for question in QUESTIONS}
    assert "previous Cabinets" in expected[QUESTIONS[0]][0]
    assert "12th face-to-face meeting" in expected[QUESTIONS[1]][0]
    assert "Not covered by the articles." in expected[QUESTIONS[3]][0]

    gold = (ROOT / "eval" / "seed_questions.jsonl").read_text(encoding="utf-8").splitlines()[:EVAL_QUESTIONS]
    questions_file = tmp_path / "ten.jsonl"
    questions_file.write_text("\n".join(gold) + "\n", encoding="utf-8")

    from gradio_client import handle_file

    evaluation: dict[str, object] = {}

    def evaluate() -> None:
        evaluation["start"] = time.monotonic()
        try:
            evaluation["note"] = client(url).predict(  # type: ignore[attr-defined]
                handle_file(str(questions_file)), "extractive", api_name="/evaluate"
            )[0]
        except Exception as error:  # reported below
            evaluation["error"] = error
        evaluation["end"] = time.monotonic()

    answers: list[tuple[float, str, tuple[str, str]]] = []  # (finished at, question, answer)
    errors: list[BaseException] = []
    deadline = time.monotonic() + 45

    def user(number: int) -> None:
        session = client(url)
        asked = 0
        while time.monotonic() < deadline and (asked < 2 or "end" not in evaluation):
            question = QUESTIONS[(number + asked) % len(QUESTIONS)]
            try:
                answers.append((time.monotonic(), question, ask(session, question)))
            except Exception as error:
                errors.append(error)
                return
            asked += 1

    evaluator = threading.Thread(target=evaluate)
    evaluator.start()
    time.sleep(0.5)  # the evaluation is under way before the users arrive
    users = [threading.Thread(target=user, args=(n,)) for n in range(CLIENTS)]
    for thread in users:
        thread.start()
    for thread in [*users, evaluator]:
        thread.join(timeout=90)

    assert errors == []
    assert "error" not in evaluation, evaluation.get("error")
    assert f"Evaluated **{EVAL_QUESTIONS}** questions from `ten.jsonl`" in str(evaluation["note"])
    assert len(answers) >= 2 * CLIENTS
    for _, question, answer in answers:
        assert answer == expected[question], question
    during = [at for at, _, _ in answers if at < float(evaluation["end"])]  # type: ignore[arg-type]
    assert len(during) >= CLIENTS, "the chats waited for the evaluation"
    assert "Traceback" not in Path(app["log"]).read_text()
    assert list(Path(app["where"]).glob("news-assistant-eval-*")) == []


def test_one_engine_answers_many_threads_as_it_answers_one(seed_assistant):
    """The engine itself, without the page: 16 threads asking at once (the embedder,
    Chroma and the keyword index shared) get the answers asked one at a time."""
    from concurrent.futures import ThreadPoolExecutor

    expected = {question: seed_assistant.ask(question).to_json() for question in QUESTIONS}
    asked = [QUESTIONS[n % len(QUESTIONS)] for n in range(48)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda question: seed_assistant.ask(question).to_json(), asked))
    assert [answer["question"] for answer in answers] == asked
    for question, answer in zip(asked, answers):
        assert answer == expected[question]
