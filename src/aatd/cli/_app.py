"""The Typer application of the ``aatd`` command: every domain registers its commands here.

Built only when a command needs it (:func:`aatd.cli.main`); the plain forms of ``aatd
screen`` run without it (:mod:`aatd.cli.screen_fast`).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from aatd._version import __version__
from aatd.cli import core, pedigree, risk, screening, testing, web

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
