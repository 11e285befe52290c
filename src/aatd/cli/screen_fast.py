"""``aatd screen`` without Typer or rich: the run itself, its plain-text summary, and the fast parser.

Screening a 500,000-sample file takes less CPU than starting the full command line
(Typer, click, rich and every command's options), so :func:`aatd.cli.main` hands the
plain forms of ``aatd screen`` to :func:`fast_screen` first. The Typer command
(:func:`aatd.cli.screening.screen`) calls the same :func:`run_screen`, so both paths write
the same TSV, JSON and summary; a test keeps the parser's options equal to the command's.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aatd.cli import _output

if TYPE_CHECKING:
    import argparse


def run_screen(files: list[str], *, format: str = "auto", build: str = "auto", out: str | None = None,
               json_: bool = False, workers: int | None = None, scheduler: str | None = None,
               split_samples: int | None = None, populations: str | None = None,
               population_column: str | None = None) -> None:
    """Screen ``files``; write the per-sample TSV to ``out`` (``-``: stdout) and print the summary
    (JSON with ``json_``; none when the TSV went to stdout without ``json_``). With a sample
    panel (``populations``), the summary adds each screened allele's counts per population."""
    from aatd.screening import screen
    from aatd.screening.populations import check_population_column, population_frequencies, read_population_panel

    check_population_column(populations is not None, population_column)
    panel = None if populations is None else read_population_panel(populations, population_column)
    result = screen(files, format=format, build=build, workers=workers, scheduler=scheduler,
                    split_samples=split_samples)
    by_population = None if panel is None else population_frequencies(result.cohort, panel).to_dict()
    if out == "-":
        binary = getattr(sys.stdout, "buffer", None)  # absent when stdout is replaced by a text stream
        if binary is None:
            result.write_tsv(sys.stdout)
        else:
            sys.stdout.flush()
            result.write_tsv_bytes(binary)
            binary.flush()
    elif out:
        with open(out, "wb") as handle:
            result.write_tsv_bytes(handle)
    data = result.to_dict()
    if by_population is not None:
        data["populations"] = by_population
    if json_:
        _output.print_json(data)
        return
    if out == "-":
        return
    sys.stdout.write(summary_text(data))


def summary_text(data: dict[str, Any]) -> str:
    """The cohort summary as aligned plain text: counts, frequencies with CIs and HWE, warnings."""
    lines = [f"Samples: {data['samples']}   genotyped: {data['genotyped']}   "
             f"alleles covered: {', '.join(data['alleles_covered']) or 'none'}", "", "Genotype counts"]
    counts = [(genotype, str(count)) for genotype, count in data["genotype_counts"].items()]
    counts += [(f"({status})", str(count)) for status, count in data["not_genotyped"].items()]
    lines += _table(("genotype", "people"), counts)
    freqs = []
    for allele, ci in data["confidence_intervals"].items():
        p = data["hwe"][allele]["p_value"]
        freqs.append((allele, f"{ci['estimate']:.5f}", f"{ci['low']:.5f}-{ci['high']:.5f}",
                      "" if math.isnan(p) else f"{p:.3g}"))
    if freqs:
        lines += ["", "Allele frequencies", *_table(("allele", "frequency", "95% CI", "HWE p"), freqs)]
    if "populations" in data:
        lines += ["", *population_text(data["populations"])]
    lines += [f"warning: {warning}" for warning in data["warnings"]]
    lines += ["", data["disclaimer"]]
    return "\n".join(lines) + "\n"


def population_text(table: dict[str, Any]) -> list[str]:
    """Per-population allele counts as lines: count/number, per 1000 and the 95% CI."""
    rows = []
    for population in table["populations"]:
        for allele in population["alleles"]:
            value = allele["per_1000"]
            rows.append((population["population"], str(population["samples"]), allele["allele"],
                         f"{allele['allele_count']}/{allele['allele_number']}",
                         "" if value is None else f"{value:.1f}",
                         "" if value is None else f"{allele['ci_low_per_1000']:.1f}-{allele['ci_high_per_1000']:.1f}"))
    lines = [f"Allele counts by population ({table['column']} of {table['panel']})",
             *_table(("population", "people", "allele", "count", "per 1000", "95% CI"), rows)]
    if table["samples_without_population"]:
        lines.append(f"{table['samples_without_population']} samples are not in the panel (counted in none)")
    if table["panel_samples_not_in_files"]:
        lines.append(f"{table['panel_samples_not_in_files']} panel samples are not in the files")
    return lines


def _table(head: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    """Left-aligned columns two spaces apart, with a rule under the header."""
    widths = [max(len(cell) for cell in column) for column in zip(head, *rows, strict=True)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    return [line(head), line(tuple("-" * w for w in widths)), *(line(row) for row in rows)]


def fast_parser() -> argparse.ArgumentParser:
    """The plain forms of ``aatd screen`` as argparse; a test keeps it equal to the Typer command's options."""
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
    parser.add_argument("--populations", default=None)
    parser.add_argument("--population-column", dest="population_column", default=None)
    return parser


def fast_screen(args: list[str]) -> bool:
    """Run ``aatd screen ARGS`` without building the Typer application; False when it cannot.

    Only the plain forms are handled; ``--help``, unknown or malformed options return False
    and go through Typer, which gives its usual help and errors. Errors a user causes are
    the same one line with exit status 2 as through Typer (:func:`aatd.cli._common.run`).
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
        run_screen(parsed.files, format=parsed.format, build=parsed.build, out=parsed.out, json_=parsed.json_,
                   workers=parsed.workers, scheduler=parsed.scheduler, split_samples=parsed.split_samples,
                   populations=parsed.populations, population_column=parsed.population_column)
    except AatdError as exc:
        if _output.DEBUG:
            raise
        _output.fail(str(exc))
    except (OSError, UnicodeDecodeError) as exc:
        if _output.DEBUG:
            raise
        _output.fail(f"{type(exc).__name__}: {exc}")
    return True
