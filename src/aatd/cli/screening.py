"""``aatd screen``: genotype files -> one PI genotype per person and a cohort summary."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from aatd.cli import _common
from aatd.cli._common import console, print_json

if TYPE_CHECKING:
    import argparse


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
) -> None:
    """Screen genotype files for PI*Z, PI*S and the other verified SERPINA1 sites."""
    from aatd.screening import screen as run_screen

    result = run_screen(files, format=format, build=build, workers=workers, scheduler=scheduler,
                        split_samples=split_samples)
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


def fast_parser() -> argparse.ArgumentParser:
    """The plain forms of ``aatd screen`` as an argparse parser; a test keeps it equal to :func:`screen`'s options."""
    import argparse

    parser = argparse.ArgumentParser(prog="aatd screen", add_help=False, exit_on_error=False, allow_abbrev=False)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--format", default="auto")
    parser.add_argument("--build", default="auto")
    parser.add_argument("--out", default=None)
    parser.add_argument("--json", dest="json_", action="store_true")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--scheduler", default=None)
    parser.add_argument("--split-samples", dest="split_samples", type=int, default=None)
    return parser


def fast_screen(args: list[str]) -> bool:
    """Run ``aatd screen ARGS`` without building the Typer application; False when it cannot.

    Building every command's parameters and Typer's pydantic-based converters costs about
    0.3 s per run, longer than screening 500,000 samples takes, so :func:`aatd.cli.main`
    calls this first. Only the plain forms are handled; ``--help``, unknown or malformed
    options return False and go through Typer, which gives its usual help and errors.
    Errors a user causes are the same one line with exit status 2 (:func:`_common.run`).
    """
    import argparse

    from aatd.errors import AatdError

    if any(a in ("-h", "--help") for a in args):
        return False
    parser = fast_parser()
    try:
        parsed, unknown = parser.parse_known_args(args)
    except (argparse.ArgumentError, SystemExit):
        return False
    if unknown or any(f.startswith("-") for f in parsed.files):
        return False
    try:
        screen(parsed.files, format=parsed.format, build=parsed.build, out=parsed.out, json_=parsed.json_,
               workers=parsed.workers, scheduler=parsed.scheduler, split_samples=parsed.split_samples)
    except AatdError as exc:
        if _common.DEBUG:
            raise
        _common.fail(str(exc))
    except (OSError, UnicodeDecodeError) as exc:
        if _common.DEBUG:
            raise
        _common.fail(f"{type(exc).__name__}: {exc}")
    return True


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
