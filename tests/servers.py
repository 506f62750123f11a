"""Real processes for tests: the CLI run to its end, a free loopback port, and a server run until it answers."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def run_cli(
    *args: str | Path, cwd: Path | None = None, stdin: str | None = None, timeout: float = 300, **env: str
) -> subprocess.CompletedProcess[str]:
    """``python -m assistant ARGS`` from the checkout (whatever ``cwd``), with ``env`` added."""
    root = Path(__file__).resolve().parent.parent
    return subprocess.run(
        [sys.executable, "-m", "assistant", *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd or root,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(root), **env},
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(
    command: list[str], ready: Callable[[], object], log: Path, timeout: float, **popen: Any
) -> Iterator[subprocess.Popen]:
    """Run ``command`` (output to ``log``) until ``ready()`` returns without raising; stop it on exit.

    Fails the test with the log's tail when the process exits first or ``timeout`` seconds pass.
    """
    import pytest

    with log.open("w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, **popen)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    pytest.fail(f"{command[:3]} exited with {process.returncode}: {log.read_text()[-2000:]}")
                try:
                    ready()
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        pytest.fail(f"{command[:3]} did not start within {timeout:.0f} s: {log.read_text()[-2000:]}")
                    time.sleep(0.3)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@contextmanager
def served_page(where: Path, source: Path, root: Path, **env: str) -> Iterator[dict[str, Any]]:
    """The page served by the real CLI (``serve``) over a private copy of the articles in
    ``source``, kept in ``where``, with ``env`` set (the login variables only when given).

    Yields its ``url``, ``corpus`` (the copy), ``where`` and ``log``.
    """
    corpus = where / "corpus"
    shutil.copytree(source, corpus, ignore=shutil.ignore_patterns("README*"))
    environment = {**os.environ, "ASSISTANT_CORPUS": str(corpus), "TMPDIR": str(where)}
    for name in ("ASSISTANT_AUTH", "ASSISTANT_ADMIN_AUTH"):
        environment.pop(name, None)
    environment.update(env)
    port = free_port()
    command = [sys.executable, "-m", "assistant", "serve", "--port", str(port), "--store", str(where / "store")]
    url = f"http://127.0.0.1:{port}/"

    def ready() -> None:
        urllib.request.urlopen(url, timeout=2).close()

    log = where / "server.log"
    with serving(command, ready, log, timeout=150, cwd=root, env=environment):
        yield {"url": url, "corpus": corpus, "where": where, "log": log}
