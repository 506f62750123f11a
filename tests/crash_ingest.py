"""Run ``news-assistant ingest`` and SIGKILL it just before its Nth write (a test harness).

    python tests/crash_ingest.py N ingest PATH --store STORE

Writes are every Chroma upsert or delete and every file the keyword index saves. With N = 0
nothing is killed and the number of writes is printed, so a test can choose points among them.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    from chromadb.api.models.Collection import Collection

    from assistant import cli
    from assistant.store import keyword

    kill_at = int(sys.argv[1])
    writes = 0

    def counted(function: Any) -> Any:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            nonlocal writes
            writes += 1
            if writes == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return function(*args, **kwargs)

        return wrapper

    for name in ("upsert", "delete", "add", "update"):
        setattr(Collection, name, counted(getattr(Collection, name)))
    keyword._replace = counted(keyword._replace)
    keyword._Segment.save = counted(keyword._Segment.save)
    try:
        cli.main(sys.argv[2:], standalone_mode=False)
    finally:
        print(f"writes: {writes}")


if __name__ == "__main__":
    main()
