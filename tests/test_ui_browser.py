"""The chat page in a real Chromium: cited answers, sources, follow-ups, the library, safety.

One app per module: ``python -m assistant serve`` on a free port, over a private copy of
the seed corpus (``ASSISTANT_CORPUS``) and a store in a temporary folder, so nothing is
written into the repository except the screenshots in ``test-artifacts/``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import CORPUS, ROOT
from .fake_llm_servers import FakeOpenAIServer
from .servers import served_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"
KISHIDA = "What did Kishida say about the 1998 declaration?"
# What Yoon says in the Korea Herald article (read from corpus/000_34b534e24a918345.txt).
YOON_WORDS = ("strong commitment", "crucial foundation", "positive momentum", "forward-looking attitude")
ANSWER_TIMEOUT = 60_000

SCALLOP_ARTICLE = (
    "---\ntitle: Aomori scallop cooperative reports record spring catch\n"
    "outlet: Tohoku Fisheries Weekly\npublished: 2024-04-12\n---\n"
    "AOMORI -- Fishing crews in Mutsu Bay had their busiest spring in two decades.\n\n"
    "The Aomori Scallop Cooperative landed 4,812 tonnes of scallops in March, its largest monthly "
    "catch on record, the cooperative's chairman Kenji Sato said.\n\n"
    "Sato credited cooler water temperatures in the bay for the strong harvest.\n"
)

SCRIPT = "<script>document.title='pwned'</script>"
HOSTILE_ARTICLE = (
    f"---\ntitle: Otaru harbour festival draws record crowd {SCRIPT}\noutlet: Test Wire\n"
    "published: 2024-05-01\n---\n"
    "OTARU -- Crowds filled the canal district on Saturday for the annual harbour festival.\n\n"
    f"The Otaru harbour festival drew 31,000 visitors to the canal on Saturday, organisers said. {SCRIPT}\n\n"
    "Organisers handed out <img src=x onerror=\"document.title='pwned';alert(1)\"> paper lanterns.\n"
)


@pytest.fixture(scope="module")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (make browser)")
    return CHROMIUM


class ConnectionCounter:
    """A loopback port that counts the connections made to it and closes each at once
    (where the app is told its Ollama and OpenAI servers are)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.count = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.count += 1
            connection.close()


class SlowOpenAIServer(FakeOpenAIServer):
    """A fake OpenAI-compatible server (the seam we do not own) that thinks for a while
    before it answers, and counts the probes (GET /v1/models) it gets."""

    def __init__(self) -> None:
        super().__init__(self._slow_reply)
        self.probes = 0

    @staticmethod
    def _slow_reply(messages: list[dict[str, object]]) -> str:
        time.sleep(4)
        return "Kishida said he fully upholds the positions of previous Cabinets [1]."

    def get(self, handler) -> None:
        self.probes += 1
        super().get(handler)


@pytest.fixture(scope="module")
def model_servers() -> Iterator[dict[str, object]]:
    """Where the app is told its model servers are: nothing that answers for Ollama, a
    slow fake for OpenAI."""
    ollama = ConnectionCounter()
    with SlowOpenAIServer() as openai:
        yield {"ollama": ollama, "openai": openai}
    ollama.server.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, model_servers: dict) -> Iterator[dict[str, object]]:
    """The app served by the real CLI over a private corpus copy; yields url, corpus, its
    temporary folder (TMPDIR) and its log."""
    where = tmp_path_factory.mktemp("ui")
    temporary = where / "tmp"
    temporary.mkdir()
    env = {
        "TMPDIR": str(temporary),
        "ASSISTANT_OLLAMA_URL": model_servers["ollama"].url,
        "ASSISTANT_OPENAI_BASE_URL": model_servers["openai"].base_url,
        "ASSISTANT_OPENAI_MODEL": model_servers["openai"].model,
    }
    with served_page(where, CORPUS, ROOT, **env) as page:
        yield page | {"tmp": temporary}


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, app) -> Iterator[object]:
    """A fresh page (a new session: empty chat) on the app."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(str(app["url"]))
    page.wait_for_selector("#question textarea")
    yield page
    context.close()


FINAL = "#chat .bot .answer-text, #chat .bot .abstention, #chat .bot .error-note"


def ask(page, question: str) -> object:
    """Type a question, send it, and return the last answer bubble once it is final."""
    answers_before = page.locator(FINAL).count()
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_function(
        "([selector, n]) => document.querySelectorAll(selector).length > n",
        arg=[FINAL, answers_before],
        timeout=ANSWER_TIMEOUT,
    )
    final = page.locator(FINAL).last
    assert final.locator(".error-note").count() == 0 and "error-note" not in (final.get_attribute("class") or "")
    return final


def start_over(page) -> None:
    page.click("#new-chat")
    page.wait_for_function("() => document.querySelectorAll('#chat .bot').length === 0")


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def upload(page, *paths: Path) -> str:
    """Add files through the Library tab; the result text the page shows."""
    open_tab(page, "Library")
    page.set_input_files("#upload input[type=file]", [str(p) for p in paths])
    page.wait_for_timeout(300)
    page.click("#add-articles")
    status = page.locator("#library-status textarea")
    page.wait_for_function(
        "() => document.querySelector('#library-status textarea').value.length > 0", timeout=ANSWER_TIMEOUT
    )
    return status.input_value()


def remove(page, label: str) -> str:
    open_tab(page, "Library")
    page.click("#remove-choice input")
    page.get_by_role("option", name=label).click()
    page.click("#remove-article")
    page.wait_for_function(
        "() => document.querySelector('#library-status textarea').value.startsWith('removed')",
        timeout=ANSWER_TIMEOUT,
    )
    return page.locator("#library-status textarea").input_value()


def test_example_question_gives_a_cited_answer_with_highlighted_source(page):
    example = page.locator("#chat").get_by_text(KISHIDA)
    assert example.is_visible()  # examples are offered on an empty chat
    example.click()
    page.wait_for_selector("#chat .bot a.cite-link", timeout=ANSWER_TIMEOUT)
    answer = page.locator("#chat .bot .answer-text").last
    assert "previous Cabinets" in answer.inner_text()
    assert "[1]" in answer.inner_text()
    card = page.locator("#sources #cite-1-1")
    assert "The Korea Herald" in card.inner_text()
    assert "2024-09-06" in card.inner_text()

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-answer.png"))

    page.locator("#sources").evaluate("element => element.scrollTop = element.scrollHeight")
    answer.locator("a.cite-link", has_text="[1]").click()
    mark = card.locator("mark")
    assert "1998 Joint Declaration" in mark.inner_text()
    page.wait_for_function("() => document.querySelector('#cite-1-1').classList.contains('flash')")
    mark.wait_for(state="visible")
    box = mark.bounding_box()
    assert box is not None and 0 <= box["y"] < 900  # brought into view
    assert page.url == str(page.url)  # still the same page: the link did not navigate away


def test_follow_up_question_and_starting_over(page):
    first = ask(page, KISHIDA)
    assert "previous Cabinets" in first.inner_text()
    follow_up = ask(page, "And what did Yoon say?")
    bubble = page.locator("#chat .bot").last
    assert "Searched for:" in bubble.inner_text()  # the conversation was carried into the search
    assert "Yoon" in bubble.inner_text()
    assert follow_up.locator("a.cite-link").count() >= 1
    assert page.locator("#sources details.turn-sources").count() == 2  # both answers' sources
    follow_up_text = follow_up.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-follow-up.png"))

    start_over(page)
    assert page.locator("#chat").get_by_text(KISHIDA).is_visible()  # the examples are back
    assert page.locator("#sources .source-card").count() == 0

    assert any(words in follow_up_text for words in YOON_WORDS), follow_up_text


def test_uploaded_article_is_answered_then_removed(page, app, tmp_path: Path):
    article = tmp_path / "scallops.txt"
    article.write_text(SCALLOP_ARTICLE, encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    status = upload(page, article, empty)
    assert "added: Aomori scallop cooperative reports record spring catch" in status
    assert "'empty.txt': empty file" in status  # a bad file gets its one-line reason
    assert (Path(app["corpus"]) / "scallops.txt").is_file()
    assert not (Path(app["corpus"]) / "empty.txt").exists()
    assert "Aomori scallop cooperative" in page.locator("#library-table").inner_text()

    open_tab(page, "Chat")
    answer = ask(page, "How many tonnes of scallops did the Aomori cooperative land in March?")
    assert "4,812" in answer.inner_text()
    assert "Tohoku Fisheries Weekly" in page.locator("#sources").inner_text()

    status = remove(page, "Aomori scallop cooperative reports record spring catch (scallops)")
    assert "deleted scallops.txt" in status
    page.wait_for_function("() => !document.querySelector('#library-table').innerText.includes('Aomori scallop')")
    assert not (Path(app["corpus"]) / "scallops.txt").exists()

    open_tab(page, "Chat")
    start_over(page)
    again = ask(page, "How many tonnes of scallops did the Aomori cooperative land in March?")
    assert "4,812" not in again.inner_text()
    assert "Tohoku Fisheries Weekly" not in page.locator("#sources").inner_text()


def test_article_markup_stays_inert(page, app, tmp_path: Path):
    article = tmp_path / "festival.txt"
    article.write_text(HOSTILE_ARTICLE, encoding="utf-8")
    status = upload(page, article)
    assert "added:" in status
    assert "<script>" in page.locator("#library-table").inner_text()  # the title shown as text

    open_tab(page, "Chat")
    answer = ask(page, "How many visitors did the Otaru harbour festival draw?")
    assert "31,000" in answer.inner_text()
    page.wait_for_selector("#sources .source-card")
    page.wait_for_timeout(500)
    assert page.title() == "News Assistant"
    assert page.dialogs == []
    assert page.locator("#sources script, #sources img, #chat .bot img").count() == 0
    sources = page.locator("#sources")
    assert SCRIPT in sources.inner_text()  # the markup is shown, as text
    assert "onerror=" in sources.inner_text()

    remove(page, f"Otaru harbour festival draws record crowd {SCRIPT} (festival)")


def test_evaluation_tab_shows_metrics_and_plots(page, app, tmp_path: Path):
    questions = tmp_path / "two.jsonl"
    questions.write_text(
        '{"id": "q1", "question": "What did Kishida say about the 1998 declaration?", '
        '"relevant_docs": ["000_34b534e24a918345"], "answer": ["previous Cabinets"]}\n'
        '{"id": "q2", "question": "What is the capital of Peru?", "answerable": false}\n',
        encoding="utf-8",
    )
    open_tab(page, "Evaluation")
    page.set_input_files("#eval-file input[type=file]", str(questions))
    page.wait_for_timeout(300)
    page.click("#run-eval")
    page.wait_for_selector("#eval-note :text('Evaluated')", timeout=ANSWER_TIMEOUT)
    assert "2 questions from two.jsonl" in page.locator("#eval-note").inner_text().replace("*", "")
    table = page.locator("#eval-retrieval").inner_text()
    assert "hybrid" in table and "doc_hit@1" in table
    assert "abstention_accuracy" in page.locator("#eval-answers").inner_text()
    page.wait_for_selector("#eval-plots img")
    assert page.locator("#eval-plots img").count() >= 1
    # The report was written into a temporary folder that is gone once the page has the files.
    for _ in range(50):  # removed just after Gradio has copied the files it shows
        if not list(Path(app["tmp"]).glob("news-assistant-eval-*")):
            break
        page.wait_for_timeout(100)
    assert list(Path(app["tmp"]).glob("news-assistant-eval-*")) == []
    page.wait_for_function("() => document.querySelector('#eval-plots img').naturalWidth > 0")


# --- the page's manners (issue 13) ---------------------------------------------------------


def test_text_typed_while_an_answer_streams_is_kept(page):
    open_tab(page, "Settings")
    page.locator("#mode").get_by_label("openai").check()  # the fake model thinks for 4 s
    page.wait_for_timeout(1000)
    assert page.locator("#mode input[value=openai]").is_checked()
    open_tab(page, "Chat")
    page.fill("#question textarea", KISHIDA)
    page.press("#question textarea", "Enter")
    # The box empties once the answer starts; what is typed after that stays.
    page.wait_for_function("() => document.querySelector('#question textarea').value === ''", timeout=ANSWER_TIMEOUT)
    page.type("#question textarea", "And what did Yoon")
    assert page.locator(FINAL).count() == 0  # typed while the answer was still coming
    page.wait_for_selector(FINAL, timeout=ANSWER_TIMEOUT)
    page.wait_for_timeout(500)  # any late update of the box would have landed
    assert page.input_value("#question textarea") == "And what did Yoon"


def test_an_empty_question_shows_one_gentle_note(page, app):
    page.fill("#question textarea", "   ")
    page.press("#question textarea", "Enter")
    page.wait_for_selector(".toast-body", timeout=ANSWER_TIMEOUT)
    page.wait_for_timeout(1000)
    toasts = page.locator(".toast-body")
    assert toasts.count() == 1
    assert "Type a question first." in toasts.first.inner_text()
    assert "warning" in (toasts.first.get_attribute("class") or "")
    assert page.locator(".toast-body.error").count() == 0
    assert page.locator("#chat .bot, #chat .user").count() == 0  # nothing was sent
    assert "Error" not in page.locator("#chat").inner_text() + page.locator("#sources").inner_text()
    assert "Traceback" not in Path(app["log"]).read_text()


def test_a_bad_filter_is_one_line_on_the_page_and_in_the_log(page, app):
    open_tab(page, "Settings")
    page.fill("#since textarea", "soon")
    open_tab(page, "Chat")
    page.fill("#question textarea", KISHIDA)
    page.press("#question textarea", "Enter")
    page.wait_for_selector(".toast-body", timeout=ANSWER_TIMEOUT)
    assert "since: not a date: 'soon' (use YYYY-MM-DD)" in page.locator(".toast-body").first.inner_text()
    log = Path(app["log"]).read_text()
    assert "refused: since: not a date: 'soon' (use YYYY-MM-DD)" in log
    assert "Traceback" not in log


def test_a_page_load_sends_nothing_to_model_servers(browser, app, model_servers):
    ollama, openai = model_servers["ollama"], model_servers["openai"]
    before = (ollama.count, openai.probes)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(str(app["url"]))
    page.wait_for_selector("#question textarea")
    open_tab(page, "Library")
    page.wait_for_function(
        "() => (document.querySelector('#library-table')?.innerText || '').includes('Korea Herald')",
        timeout=ANSWER_TIMEOUT,
    )
    open_tab(page, "Settings")
    page.wait_for_selector("#modes-note :text('checked when you pick them')", timeout=ANSWER_TIMEOUT)
    page.wait_for_timeout(500)
    assert (ollama.count, openai.probes) == before

    page.locator("#mode").get_by_label("ollama").check()  # asked when picked; nobody answers there
    page.wait_for_selector(".toast-body", timeout=ANSWER_TIMEOUT)
    assert f"ollama is not available: no Ollama server answers at {ollama.url}" in (
        page.locator(".toast-body").first.inner_text()
    )
    assert ollama.count > before[0]
    page.wait_for_function("() => document.querySelector('#mode input[value=extractive]').checked")
    context.close()
