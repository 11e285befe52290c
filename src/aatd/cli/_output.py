"""CLI plumbing that needs neither Typer nor rich: the ``--debug`` flag, one-line errors, JSON.

The fast ``aatd screen`` path (:mod:`aatd.cli.screen_fast`) uses only this module, so a
screening run never imports Typer, click or rich (about 0.1 s of CPU per run).
"""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

DEBUG = False
"""True when the command line carried ``--debug``: errors re-raise with their traceback."""


def print_json(data: Any) -> None:
    """Write ``data`` as JSON to stdout (UTF-8, no colour)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``aatd: error: message`` on stderr and exit."""
    sys.stderr.write(f"aatd: error: {message}\n")
    raise SystemExit(code)
