"""Cold start: whole CLI processes (``ask``, ``list``, ``--help``), now and at a baseline commit.

    .venv/bin/python bench/cold_start.py [--store STORE] [--repeat 5] [--baseline ea579ab]

Each command runs as a fresh ``python -m assistant`` process, timed from start to exit, the
current tree and the baseline's (``git archive``, same virtual environment) alternating so
that both meet the same load. Without ``--store`` the seed corpus is ingested into a
temporary store first. Figures: median and worst seconds per command, and the ratio.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchkit import ROOT, tree_of  # noqa: E402

QUESTION = "What did Kishida say about the 1998 declaration?"


def timed(source: Path, args: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(source)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "assistant", *args], cwd=source, env=env, capture_output=True, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline", help="a commit to time in the same run, alternating")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cold-start-"))
    try:
        store = args.store
        if store is None:
            store = work / "store"
            subprocess.run(
                [sys.executable, "-m", "assistant", "ingest", str(ROOT / "corpus"), "--store", str(store)],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
        sources = {"now": ROOT}
        if args.baseline:
            sources = {f"baseline {args.baseline}": tree_of(args.baseline, work), "now": ROOT}
        # Each tree gets its own copy of the store: their keyword-index formats may differ.
        stores = {name: shutil.copytree(store, work / f"store-{number}") for number, name in enumerate(sources)}
        commands = {
            "ask": ["ask", QUESTION, "--store", "{store}"],
            "list": ["list", "--store", "{store}"],
            "--help": ["--help"],
        }

        def run(name: str, command: list[str]) -> float:
            return timed(sources[name], [part.replace("{store}", str(stores[name])) for part in command])

        for name in sources:  # a first, untimed run of each: files in the page cache, indexes built
            for command in commands.values():
                run(name, command)
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.repeat):
            for command_name, command in commands.items():
                for name in sources:
                    times.setdefault((name, command_name), []).append(run(name, command))
        print(f"median (worst) seconds of {args.repeat} runs, whole process")
        for command_name in commands:
            line = [f"{command_name:7}"]
            for name in sources:
                measured = times[(name, command_name)]
                line.append(f"{name}: {statistics.median(measured):.2f} ({max(measured):.2f})")
            if len(sources) == 2:
                before, now = (statistics.median(times[(name, command_name)]) for name in sources)
                line.append(f"now/baseline {now / before:.2f}")
            print("  ".join(line))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
