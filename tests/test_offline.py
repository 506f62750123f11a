"""Nothing leaves the machine: ingest, ask and the page connect only to loopback addresses.

An audit hook (``sys.addaudithook``) sees every ``socket.connect`` and name lookup the
process makes, from any library and any thread. While it records, the test loads the
packaged embedding model, ingests the seed articles into a fresh store, asks a question,
checks which answer modes are available (what the page does on every load), serves the page
through ``serve`` (the same launch as ``news-assistant serve``) and requests it. Only
127.0.0.0/8, ::1, "localhost" and Unix sockets may appear.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.store.embedding import Embedder

from .conftest import CORPUS, make_assistant
from .servers import free_port

KISHIDA = "What did Kishida say about the 1998 declaration?"
_LOOKUPS = ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr")


class Recorder:
    """Where the process connects and what names it looks up, while ``on``."""

    def __init__(self) -> None:
        self.on = False
        self.seen: list[tuple[str, Any]] = []
        self._lock = threading.Lock()

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.on:
            return
        if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
            sock, address = args[0], args[-1]
            family = getattr(sock, "family", None)
            with self._lock:
                self.seen.append(("unix" if family == socket.AF_UNIX else "inet", address))
        elif event in _LOOKUPS:
            with self._lock:
                self.seen.append(("name", args[0]))


_RECORDER = Recorder()
sys.addaudithook(_RECORDER)  # hooks cannot be removed; it records only while a test turns it on


def is_local(kind: str, address: Any) -> bool:
    if kind == "unix":
        return True
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if host is None or str(host).lower() in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def test_the_address_check_itself() -> None:
    assert is_local("inet", ("127.0.0.1", 80)) and is_local("inet", ("::1", 80, 0, 0))
    assert is_local("name", "localhost") and is_local("unix", "/tmp/x.sock")
    assert not is_local("inet", ("93.184.216.34", 443)) and not is_local("name", "huggingface.co")
    assert not is_local("inet", ("0.0.0.0", 80)) and not is_local("name", "api.openai.com")


def test_a_non_loopback_connection_is_seen(tmp_path: Path) -> None:
    """The hook sees a real attempt (to a documentation address that nothing answers)."""
    _RECORDER.seen.clear()
    _RECORDER.on = True
    try:
        with socket.socket() as sock:
            sock.settimeout(0.01)
            try:
                sock.connect(("192.0.2.1", 9))
            except OSError:
                pass
    finally:
        _RECORDER.on = False
    assert ("inet", ("192.0.2.1", 9)) in _RECORDER.seen


@pytest.mark.slow
def test_ingest_ask_and_the_page_stay_on_the_machine(tmp_path: Path) -> None:
    from assistant.app.page import serve

    _RECORDER.seen.clear()
    _RECORDER.on = True
    try:
        embedder = Embedder()
        embedder.embed(["loads the model"])
        assistant = make_assistant(tmp_path / "store", embedder, port=free_port())
        assert sorted(assistant.ingest([CORPUS]).added)
        answer = assistant.ask(KISHIDA)
        assert "1998 Joint Declaration" in answer.answer
        assistant.available_modes()  # the page probes the Ollama and OpenAI URLs on every load
        settings = assistant.settings
        threading.Thread(target=serve, args=(assistant, settings), daemon=True).start()
        url = f"http://{settings.host}:{settings.port}/"
        deadline = time.monotonic() + 60
        while True:
            try:
                page = httpx.get(url, timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        assert page.status_code == 200 and "gradio" in page.text.lower()
        assert httpx.get(url + "config", timeout=5).status_code == 200
        time.sleep(2)  # give background threads (telemetry, update checks) their chance
    finally:
        _RECORDER.on = False
        import gradio as gr

        gr.close_all()
    seen = list(_RECORDER.seen)
    assert any(kind == "inet" for kind, _ in seen)  # the page requests were recorded
    outside = [(kind, address) for kind, address in seen if not is_local(kind, address)]
    assert outside == []
