"""What the speed benchmarks share: where the articles are, a baseline commit's tree, peak memory."""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_CORPUS = ROOT.parent / "shared" / "dev" / "realnews" / "corpus"


def default_corpus() -> Path:
    """The development set's articles when this checkout has them, else the seed corpus."""
    return DEV_CORPUS if DEV_CORPUS.is_dir() else ROOT / "corpus"


def tree_of(commit: str, into: Path) -> Path:
    """The project's files at ``commit`` (``git archive``), unpacked under ``into``."""
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True).stdout
    (into / "tree.tar").write_bytes(archive)
    with tarfile.open(into / "tree.tar") as tar:
        tar.extractall(into / "tree", filter="data")
    return into / "tree"


def peak_rss_mb() -> float:
    """This process's peak resident memory (``VmHWM``: unlike ``ru_maxrss``, not inherited
    from the parent that started it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")
