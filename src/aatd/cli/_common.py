"""Shared CLI plumbing: JSON output, error handling, rich console."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer
from rich.console import Console

from aatd.errors import AatdError

DEBUG = False
console = Console()
err_console = Console(stderr=True)


def print_json(data: Any) -> None:
    """Write ``data`` as JSON to stdout (UTF-8, no colour)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``aatd: error: message`` on stderr and exit."""
    sys.stderr.write(f"aatd: error: {message}\n")
    raise SystemExit(code)


def run(app: typer.Typer, args: list[str]) -> None:
    """Run the app, turning aatd errors into one-line messages."""
    try:
        app(args=args, standalone_mode=True)
    except AatdError as exc:
        if DEBUG:
            raise
        fail(str(exc))
    except (OSError, UnicodeDecodeError) as exc:
        if DEBUG:
            raise
        fail(f"{type(exc).__name__}: {exc}")
