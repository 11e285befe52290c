"""The ``aatd`` command line: thin commands over the Python API.

Each domain registers its commands from its own module (``core``, ``pedigree``,
``testing``, ``risk``, ``serve``...) on the Typer application of :mod:`aatd.cli._app`.
Errors a user can cause print one line on stderr and exit with status 2; ``--debug``
shows the traceback instead.

The application is built on first use (``aatd.cli.app``, PEP 562): the plain forms of
``aatd screen`` run through :mod:`aatd.cli.screen_fast` without importing Typer or rich,
so screening a biobank file is not dominated by the start-up of the command line.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from aatd.cli import _output

if TYPE_CHECKING:
    import typer

    app: typer.Typer


def __getattr__(name: str) -> object:
    if name == "app":
        from aatd.cli._app import app as built

        return built
    raise AttributeError(f"module 'aatd.cli' has no attribute {name!r}")


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``aatd`` script."""
    args = list(sys.argv[1:] if argv is None else argv)
    _output.DEBUG = "--debug" in args
    if _output.DEBUG:
        args.remove("--debug")
    if args[:1] == ["screen"]:
        # Screening uses no linear algebra, and OpenBLAS's thread pool costs ~0.1 s of CPU to start (half of
        # bcftools' whole job on a 500,000-sample BCF). A user's own setting is kept; Dask workers inherit it.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        from aatd.cli.screen_fast import fast_screen

        if fast_screen(args[1:]):  # skips building Typer (issue 15)
            return
    from aatd.cli import _common
    from aatd.cli._app import app as built

    _common.run(built, args)
