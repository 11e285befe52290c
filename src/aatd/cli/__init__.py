"""The ``aatd`` command line: thin commands over the Python API.

Each domain registers its commands from its own module (``core``, ``pedigree``,
``testing``, ``risk``, ``serve``...). Errors a user can cause print one line on stderr
and exit with status 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from aatd._version import __version__
from aatd.cli import _common, core, pedigree, risk, screening, testing, web

app = typer.Typer(
    name="aatd",
    help="Alpha-1 antitrypsin deficiency toolkit: genotypes, levels, families, results, risk.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

def _print_version(value: bool) -> None:
    if value:
        from aatd.knowledge import data_version

        sys.stdout.write(f"aatd {__version__} (knowledge tables {data_version()})\n")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                          help="Print the aatd and knowledge-table versions and exit.")] = False,
) -> None:
    """Alpha-1 antitrypsin deficiency toolkit: genotypes, levels, families, results, risk."""


for module in (core, pedigree, testing, risk, screening, web):
    module.register(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``aatd`` script."""
    args = list(sys.argv[1:] if argv is None else argv)
    _common.DEBUG = "--debug" in args
    if _common.DEBUG:
        args.remove("--debug")
    if args[:1] == ["screen"] and screening.fast_screen(args[1:]):  # skips building Typer (issue 15)
        return
    _common.run(app, args)
