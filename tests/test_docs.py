"""Docs that cannot drift: generated tables are current and every CLI command is documented."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer.main

from aatd.cli import app

ROOT = Path(__file__).resolve().parents[1]


def test_generated_docs__are_current() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "scripts/gen_docs.py"), "--check"], capture_output=True,
                         text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


def test_every_cli_command__is_documented() -> None:
    docs = (ROOT / "README.md").read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md"))
    command = typer.main.get_command(app)
    names = sorted(getattr(command, "commands", {}))
    assert names
    missing = [n for n in names if f"aatd {n}" not in docs]
    assert not missing, f"undocumented commands: {missing}"
