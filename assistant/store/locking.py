"""One writer at a time: an exclusive lock file next to the store.

Ingest and removal take it for their whole write (Chroma records and the keyword index);
readers never take it. A second writer waits up to ``wait`` seconds, then gets
``StoreBusy`` with a one-line message. The lock is an ``flock`` on ``STORE/.writer.lock``, so
the operating system releases it when its holder exits, even when killed; it covers writers
on this machine (for a Chroma server shared by several machines, run one writer).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = ".writer.lock"
_POLL_SECONDS = 0.1


class StoreBusy(RuntimeError):
    """Another process holds the store's writer lock."""


@contextmanager
def writer_lock(store: Path, wait: float) -> Iterator[None]:
    """Hold the store's writer lock, waiting up to ``wait`` seconds for another writer."""
    store.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(store / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreBusy(
                        f"another process is writing to the store at {store}; try again when it has finished"
                    ) from None
                time.sleep(_POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
