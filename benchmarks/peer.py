"""Running a job on this tree and on an earlier commit's ``src/`` side by side (shared by the benchmarks that
measure against ``main`` in one run: ``fhir_import.py``, ``large_families.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NICENESS = 10
"""Children run at this niceness, so the other work on a shared machine disturbs them less evenly."""


def export_peer(ref: str, into: Path) -> Path:
    """``src/`` of ``ref`` (``git archive``), unpacked under ``into``."""
    archive = into / "peer.tar"
    subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", "-o", str(archive), ref, "src"], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "peer", filter="data")
    return into / "peer" / "src"


def run_child(child: str, src: Path, job: dict[str, Any]) -> dict[str, Any]:
    """The job run by the script ``child`` in a fresh interpreter with ``src`` first on the path, at niceness
    :data:`NICENESS`; the child prints its result as one line ``RESULT <json>``."""
    env = os.environ | {"PYTHONPATH": str(src), "BENCH_NICE": str(NICENESS)}
    done = subprocess.run([sys.executable, "-c", child, json.dumps(job)], env=env, cwd=src.parent,
                          capture_output=True, text=True, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"child failed ({src}): {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(line[len("RESULT "):])
    return result


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
