"""Shared CLI plumbing: JSON output, error handling, rich console."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from aatd.cli import _output
from aatd.cli._output import fail, print_json
from aatd.errors import AatdError

__all__ = ["console", "err_console", "fail", "print_json", "run"]

console = Console()
err_console = Console(stderr=True)


def run(app: typer.Typer, args: list[str]) -> None:
    """Run the app: every error a user can cause is one line on stderr with exit status 2.

    Usage errors (a missing argument, ``--age abc``) are one line naming the option, not
    Typer's box; aatd's own errors, file errors and database errors are one line too. Anything
    else is a defect: one line with exit status 1, the traceback only with ``--debug``.
    """
    try:
        code = app(args=args, standalone_mode=False)
    except typer.Abort:
        fail("aborted", 1)
    except AatdError as exc:
        _reraise_if_debug()
        fail(str(exc))
    except (OSError, UnicodeDecodeError) as exc:
        _reraise_if_debug()
        fail(f"{type(exc).__name__}: {exc}")
    except Exception as exc:
        if _is_a(exc, "NoArgsIsHelpError"):
            sys.stdout.write(_message(exc) + "\n")
            raise SystemExit(2) from None
        if _is_a(exc, "UsageError"):
            context = getattr(exc, "ctx", None)
            fail(f"{_message(exc)} (see '{getattr(context, 'command_path', 'aatd')} --help')")
        _reraise_if_debug()
        fail(_other_error(exc), 2 if _is_database_error(exc) else 1)
    if isinstance(code, int) and not isinstance(code, bool) and code:
        raise SystemExit(code)


def _reraise_if_debug() -> None:
    if _output.DEBUG:
        raise


def _is_a(exc: Exception, name: str) -> bool:
    """Whether ``exc`` is a Click usage exception (Typer ships its own copy of Click's classes)."""
    return any(cls.__name__ == name for cls in type(exc).__mro__)


def _message(exc: Exception) -> str:
    format_message = getattr(exc, "format_message", None)
    return str(format_message() if callable(format_message) else exc)


def _is_database_error(exc: Exception) -> bool:
    return type(exc).__module__.startswith("sqlalchemy")


def _other_error(exc: Exception) -> str:
    if _is_database_error(exc):
        orig = getattr(exc, "orig", None)
        return f"database: {orig if orig is not None else exc}".splitlines()[0]
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"internal error ({type(exc).__name__}: {text[:200]}); run with --debug for the traceback"
