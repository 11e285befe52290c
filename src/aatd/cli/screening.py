"""``aatd screen``: genotype files -> one PI genotype per person and a cohort summary."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from aatd.cli._common import console, print_json


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
) -> None:
    """Screen genotype files for PI*Z, PI*S and the other verified SERPINA1 sites."""
    from aatd.screening import screen as run_screen

    result = run_screen(files, format=format, build=build, workers=workers, scheduler=scheduler)
    if out == "-":
        result.write_tsv(sys.stdout)
    elif out:
        with Path(out).open("w", encoding="utf-8", newline="") as handle:
            result.write_tsv(handle)
    if json_:
        print_json(result.to_dict())
        return
    if out == "-":
        return
    _print_summary(result.to_dict())


def _print_summary(data: dict[str, Any]) -> None:
    console.print(f"[bold]Samples:[/bold] {data['samples']}   [bold]genotyped:[/bold] {data['genotyped']}   "
                  f"[bold]alleles covered:[/bold] {', '.join(data['alleles_covered']) or 'none'}")
    table = Table("genotype", "people", title="Genotype counts")
    for genotype, count in data["genotype_counts"].items():
        table.add_row(genotype, str(count))
    for status, count in data["not_genotyped"].items():
        table.add_row(f"({status})", str(count))
    console.print(table)
    freq = Table("allele", "frequency", "95% CI", "HWE p", title="Allele frequencies")
    for allele, ci in data["confidence_intervals"].items():
        p = data["hwe"][allele]["p_value"]
        freq.add_row(allele, f"{ci['estimate']:.5f}", f"{ci['low']:.5f}-{ci['high']:.5f}",
                     "" if math.isnan(p) else f"{p:.3g}")
    console.print(freq)
    for warning in data["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    console.print(f"[dim]{data['disclaimer']}[/dim]")


def register(app: typer.Typer) -> None:
    app.command()(screen)
