"""Who may do what on the page: readers ask, the admin also changes the library.

Two accounts, each ``user:password`` from settings (env ``ASSISTANT_AUTH`` and
``ASSISTANT_ADMIN_AUTH``):

- neither set: a local, single-user run (loopback only): everyone may do everything;
- ``admin_auth`` set: everyone must sign in; only the admin may upload, remove,
  re-index and run the evaluation; readers (``auth``) may ask;
- only ``auth`` set: readers ask, and nobody may change the library from the page
  (use the command line on the machine, or set an admin account).

The page's handlers and API endpoints check ``may_administer`` themselves: hiding a
button is a courtesy, not the control.
"""

from __future__ import annotations

import ipaddress

from assistant.settings import Settings

LOOPBACK = ("127.0.0.1", "localhost", "::1")
ADMIN_ONLY = "only the admin may {action}: sign in with the admin account"
NO_ADMIN = "nobody may {action} on this page: the server has no admin account (ASSISTANT_ADMIN_AUTH)"


def _account(value: str, variable: str) -> tuple[str, str]:
    user, sep, password = value.partition(":")
    if not (sep and user and password):
        raise ValueError(f"{variable} must look like user:password")
    return user, password


def credentials(settings: Settings) -> tuple[str, str] | None:
    """The readers' ``user:password``; binding beyond loopback requires an account."""
    reader = _account(settings.auth, "ASSISTANT_AUTH") if settings.auth else None
    admin = admin_credentials(settings)
    if reader and admin and reader[0] == admin[0]:
        raise ValueError("ASSISTANT_AUTH and ASSISTANT_ADMIN_AUTH must name different users")
    if reader is None and admin is None and not is_loopback(settings.host):
        raise ValueError(f"binding to {settings.host} needs credentials: set ASSISTANT_AUTH=user:password")
    return reader


def admin_credentials(settings: Settings) -> tuple[str, str] | None:
    return _account(settings.admin_auth, "ASSISTANT_ADMIN_AUTH") if settings.admin_auth else None


def logins(settings: Settings) -> list[tuple[str, str]] | None:
    """Every account that may sign in (for Gradio's ``auth=``); None when no sign-in is needed."""
    accounts = [account for account in (credentials(settings), admin_credentials(settings)) if account]
    return accounts or None


def may_administer(settings: Settings, username: str | None) -> bool:
    """Whether the signed-in ``username`` may upload, remove, re-index and evaluate."""
    admin = admin_credentials(settings)
    if admin is not None:
        return username == admin[0]
    return not settings.auth  # no accounts at all: a single-user run


def refusal(settings: Settings, action: str) -> str:
    """The one line a refused user sees."""
    return (ADMIN_ONLY if settings.admin_auth else NO_ADMIN).format(action=action)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
