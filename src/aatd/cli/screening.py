"""``aatd screen``: genotype files -> one PI genotype per person and a cohort summary.

The Typer command; the work (and the plain forms of the command, without Typer) is in
:mod:`aatd.cli.screen_fast`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from aatd.cli.screen_fast import fast_parser, fast_screen, run_screen

__all__ = ["fast_parser", "fast_screen", "register", "screen"]


def screen(
    files: Annotated[list[str], typer.Argument(help="VCF/BCF, .pgen, .bed, .bgen, VCF Zarr or raw-data files.")],
    format: Annotated[str, typer.Option("--format", help="auto, vcf, bcf, plink1, plink2, bgen, vcz or consumer.")
                      ] = "auto",
    build: Annotated[str, typer.Option(help="auto (from the alleles), GRCh38 or GRCh37.")] = "auto",
    out: Annotated[str | None, typer.Option("--out", help="Write one row per sample to this TSV ('-': stdout).")
                   ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print the cohort summary as JSON.")] = False,
    workers: Annotated[int | None, typer.Option(help="Read files on a local Dask cluster of N processes.")] = None,
    scheduler: Annotated[str | None, typer.Option(help="Address of a running Dask scheduler.")] = None,
    split_samples: Annotated[int | None, typer.Option(
        "--split-samples", help="With --workers/--scheduler: read each file in pieces of at most N samples, "
                                "one Dask task each.")] = None,
    populations: Annotated[str | None, typer.Option(
        "--populations", help="Sample panel (sample id, then population; 1000 Genomes' .panel works): "
                              "add each allele's count per population with a 95% CI.")] = None,
    population_column: Annotated[str | None, typer.Option(
        "--population-column", help="The panel column to group by (default: the second, e.g. pop; "
                                    "super_pop for 1000 Genomes' continental groups).")] = None,
) -> None:
    """Screen genotype files for PI*Z, PI*S and the other verified SERPINA1 sites."""
    run_screen(files, format=format, build=build, out=out, json_=json_, workers=workers, scheduler=scheduler,
               split_samples=split_samples, populations=populations, population_column=population_column)


def register(app: typer.Typer) -> None:
    app.command()(screen)
