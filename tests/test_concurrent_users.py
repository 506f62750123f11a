"""Many users at once: 20 clients ask side by side while an evaluation runs, and get
exactly the answers they get one at a time.

The real app served by the CLI; each client is its own gradio_client session calling the
``/ask`` endpoint, the way a browser tab does; the evaluation runs through ``/evaluate``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import CORPUS, ROOT
from .servers import served_page

pytestmark = pytest.mark.slow

CLIENTS = 20
QUESTIONS = (
    "What did Kishida say about the 1998 declaration?",
    "How many times have the two leaders met face to face?",
    "What did Yoon say about trilateral cooperation?",
    "What is the exchange rate of the yen?",  # unanswerable: the abstention must match too
)
EVAL_QUESTIONS = 20


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    with served_page(tmp_path_factory.mktemp("many-users"), CORPUS, ROOT) as page:
        yield page


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
    questions_file = tmp_path / "gold-part.jsonl"
    questions_file.write_text("\n".join(gold) + "\n", encoding="utf-8")

    from gradio_client import handle_file
    from gradio_client.utils import Status

    sessions = [client(url) for _ in range(CLIENTS)]  # signed on before the evaluation starts
    answers: list[tuple[str, tuple[str, str]]] = []  # (question, answer)
    # Per answer, how many of the evaluation's questions were left by the evaluation's own
    # progress reports as the answer arrived (None once it is over).
    left: list[int | None] = []
    errors: list[BaseException] = []

    def evaluation_left() -> int | None:
        status = job.status()
        if status.code not in running:
            return None
        counted = [unit for unit in status.progress_data or [] if unit.unit == "questions" and unit.length]
        return counted[-1].length - (counted[-1].index or 0) if counted else EVAL_QUESTIONS

    def user(number: int) -> None:
        asked = 0
        while time.monotonic() < deadline and (asked < 2 or not job.done()):
            question = QUESTIONS[(number + asked) % len(QUESTIONS)]
            try:
                answers.append((question, ask(sessions[number], question)))
                left.append(evaluation_left())
            except Exception as error:
                errors.append(error)
                return
            asked += 1

    job = client(url).submit(handle_file(str(questions_file)), "extractive", api_name="/evaluate")  # type: ignore[attr-defined]
    running = (Status.PROCESSING, Status.ITERATING, Status.PROGRESS)
    while job.status().code not in running:  # the server is evaluating before the users ask
        assert not job.done(), "the evaluation ended before it was seen running"
        time.sleep(0.05)
    deadline = time.monotonic() + 45
    threads = [threading.Thread(target=user, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    note = job.result(timeout=90)[0]
    for thread in threads:
        thread.join(timeout=90)

    assert errors == []
    assert f"Evaluated **{EVAL_QUESTIONS}** questions from `{questions_file.name}`" in str(note)
    assert len(answers) >= 2 * CLIENTS
    for question, answer in answers:
        assert answer == expected[question], question
    # Answered while the evaluation still had a quarter of its questions to go, by its own
    # progress reports: with one queue for everything, none are, as the chats wait for it.
    during = [n for n in left if n is not None and n >= EVAL_QUESTIONS // 4]
    assert len(during) >= CLIENTS, f"the chats waited for the evaluation: {len(during)} answered during it"
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
