"""Roles on a shared page: readers ask; only the admin uploads, removes, re-indexes and evaluates.

The rules are checked as plain functions, then against the real app served by the CLI
with two accounts, through gradio_client calling the API endpoints directly (no buttons
involved, so a hidden button cannot be what stops a reader).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.app.roles import credentials, logins, may_administer, refusal
from assistant.settings import Settings

from .conftest import CORPUS, HERALD, ROOT
from .servers import served_page

READER = ("reader", "read-pw")
ADMIN = ("admin", "admin-pw")
KISHIDA = "What did Kishida say about the 1998 declaration?"


# --- the rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("auth", "admin_auth", "username", "allowed"),
    [
        (None, None, None, True),  # a local single-user run: everything allowed
        ("reader:pw", "admin:pw", "admin", True),
        ("reader:pw", "admin:pw", "reader", False),
        ("reader:pw", "admin:pw", None, False),
        (None, "admin:pw", "admin", True),
        ("reader:pw", None, "reader", False),  # readers only: nobody changes the library
    ],
)
def test_who_may_administer(auth: str | None, admin_auth: str | None, username: str | None, allowed: bool):
    assert may_administer(Settings(auth=auth, admin_auth=admin_auth), username) is allowed


def test_accounts_for_sign_in():
    assert logins(Settings()) is None
    both = Settings(auth="reader:pw", admin_auth="admin:s3cret")
    assert logins(both) == [("reader", "pw"), ("admin", "s3cret")]
    # An admin account alone is enough to bind beyond loopback.
    assert credentials(Settings(host="0.0.0.0", admin_auth="admin:s3cret")) is None
    assert logins(Settings(host="0.0.0.0", admin_auth="admin:s3cret")) == [("admin", "s3cret")]
    with pytest.raises(ValueError, match="ASSISTANT_ADMIN_AUTH must look like user:password"):
        logins(Settings(admin_auth="admin"))
    with pytest.raises(ValueError, match="must name different users"):
        logins(Settings(auth="ana:a", admin_auth="ana:b"))


def test_refusals_say_what_to_do():
    assert refusal(Settings(admin_auth="admin:pw"), "remove articles") == (
        "only the admin may remove articles: sign in with the admin account"
    )
    assert refusal(Settings(auth="reader:pw"), "remove articles") == (
        "nobody may remove articles on this page: the server has no admin account (ASSISTANT_ADMIN_AUTH)"
    )


# --- enforced by the served app's endpoints -------------------------------------------------


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """``serve`` with a reader and an admin account over a private corpus copy."""
    accounts = {"ASSISTANT_AUTH": ":".join(READER), "ASSISTANT_ADMIN_AUTH": ":".join(ADMIN)}
    with served_page(tmp_path_factory.mktemp("roles"), CORPUS, ROOT, **accounts) as page:
        yield page


def client(app: dict[str, object], account: tuple[str, str] | None) -> object:
    from gradio_client import Client

    return Client(str(app["url"]), auth=account, analytics_enabled=False, verbose=False, download_files=False)


def library_ids(session: object) -> list[str]:
    rows = session.predict(api_name="/library")[0]  # type: ignore[attr-defined]
    return [row[4] for row in rows["data"]]


@pytest.mark.slow
def test_signing_in_is_required(shared_app):
    from gradio_client.exceptions import AuthenticationError

    with pytest.raises(AuthenticationError):
        client(shared_app, None)
    with pytest.raises((AuthenticationError, ValueError)):
        client(shared_app, ("reader", "wrong"))


@pytest.mark.slow
def test_a_reader_may_ask(shared_app):
    reader = client(shared_app, READER)
    _, chat, sources = reader.predict(KISHIDA, [], "extractive", 5, "All outlets", "", "", api_name="/ask")
    answer = chat[-1]["content"][0]["text"]
    assert "previous Cabinets" in answer and "cite-link" in answer
    assert "The Korea Herald" in sources


@pytest.mark.slow
def test_a_reader_is_refused_every_library_change_and_the_evaluation(shared_app, tmp_path: Path):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    reader = client(shared_app, READER)
    before = library_ids(reader)
    assert HERALD in before
    article = tmp_path / "scallops.txt"
    article.write_text("---\ntitle: Scallops\noutlet: Test\n---\nA record catch of scallops.\n", encoding="utf-8")
    calls = {
        "remove articles": lambda: reader.predict(HERALD, api_name="/remove"),
        "re-index the corpus": lambda: reader.predict(api_name="/reindex"),
        "add articles": lambda: reader.predict([handle_file(str(article))], api_name="/upload"),
        "run the evaluation": lambda: reader.predict(None, "extractive", api_name="/evaluate"),
    }
    for action, call in calls.items():
        with pytest.raises(AppError) as refused:
            call()
        assert str(refused.value) == f"only the admin may {action}: sign in with the admin account"
    assert library_ids(reader) == before
    assert (Path(shared_app["corpus"]) / f"{HERALD}.txt").is_file()
    assert not (Path(shared_app["corpus"]) / "scallops.txt").exists()
    assert list(Path(shared_app["where"]).glob("news-assistant-eval-*")) == []
    log = Path(shared_app["log"]).read_text()
    assert "refused: only the admin may remove articles" in log and "Traceback" not in log


@pytest.mark.slow
def test_the_admin_may_change_the_library(shared_app):
    from gradio_client.exceptions import AppError

    admin = client(shared_app, ADMIN)
    status = admin.predict(HERALD, api_name="/remove")[0]
    assert status.startswith("removed: ") and status.endswith(f"and deleted {HERALD}.txt from the corpus folder")
    assert HERALD not in library_ids(admin)
    assert not (Path(shared_app["corpus"]) / f"{HERALD}.txt").exists()
    with pytest.raises(AppError, match=f"no article with id '{HERALD}' in the index"):
        admin.predict(HERALD, api_name="/remove")
