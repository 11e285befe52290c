"""The ``aatd`` command line: thin commands over the Python API.

Each domain registers its commands from its own module (``core``, ``pedigree``,
``testing``, ``risk``, ``serve``...). Errors a user can cause print one line on stderr
and exit with status 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import sys

import typer

from aatd.cli import _common, core, pedigree, risk, screening, testing, web

app = typer.Typer(
    name="aatd",
    help="Alpha-1 antitrypsin deficiency toolkit: genotypes, levels, families, results, risk.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (core, pedigree, testing, risk, screening, web):
    module.register(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``aatd`` script."""
    args = list(sys.argv[1:] if argv is None else argv)
    _common.DEBUG = "--debug" in args
    if _common.DEBUG:
        args.remove("--debug")
    _common.run(app, args)
