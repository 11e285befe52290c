"""``aatd pedigree``: genotype probabilities for every relative and a cascade-testing plan."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table

from aatd.cli._common import console, err_console, print_json
from aatd.cli._fhir import FormatOption, wants_fhir
from aatd.errors import InputError

if TYPE_CHECKING:
    from aatd.family.answers import MemberAnswer, PedigreeAnswer, PlanRow
    from aatd.family.inference import ExactLimits


def parse_freq_option(text: str) -> dict[str, float]:
    """``M=0.95,S=0.03,Z=0.02`` -> ``{"M": 0.95, "S": 0.03, "Z": 0.02}``."""
    out: dict[str, float] = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        try:
            if not sep or not name.strip():
                raise ValueError
            out[name.strip()] = float(value)
        except ValueError:
            raise InputError("--freq", text, "ALLELE=FREQUENCY pairs separated by commas, e.g. M=0.95,S=0.03,Z=0.02",
                             hint=f"could not read {part!r}") from None
    return out


def parse_couple_option(values: list[str]) -> list[tuple[str, str]] | None:
    """``["f,m", ...]`` -> ``[("f", "m"), ...]`` (``None`` when no ``--child`` was given)."""
    if not values:
        return None
    couples = []
    for value in values:
        parts = [p.strip() for p in value.split(",")]
        if len(parts) != 2 or not all(parts):
            raise InputError("--child", value, "FATHER,MOTHER ids separated by a comma")
        couples.append((parts[0], parts[1]))
    return couples


def pedigree(
    file: Annotated[Path, typer.Argument(help="Pedigree file: aatd JSON, PED/FAM (+genotype column) or "
                                             "GA4GH Phenopackets Family JSON.")],
    country: Annotated[str | None, typer.Option(help="Founder allele frequencies of a country in the table.")] = None,
    freq: Annotated[str | None, typer.Option("--freq", help="Founder allele frequencies, e.g. M=0.95,S=0.03,Z=0.02."
                                             )] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    svg: Annotated[Path | None, typer.Option("--svg", help="Write the pedigree drawing to this SVG file.")] = None,
    plan: Annotated[bool, typer.Option("--plan", help="Rank untested relatives and show children's chances.")] = False,
    child: Annotated[list[str] | None, typer.Option("--child", help="FATHER,MOTHER: a prospective child's "
                                                    "chances (repeatable; implies --plan).")] = None,
    phenopackets: Annotated[Path | None, typer.Option("--phenopackets", help="Also write the family (structure, "
                                                      "genotypes, levels) as a GA4GH Phenopackets v2 Family JSON "
                                                      "file.")] = None,
    format_: FormatOption = None,
    residual: Annotated[bool | None, typer.Option("--residual/--no-residual", help="Add the residual 'Null' "
                                                  "allele (cited frequency, taken from M) and give family alleles "
                                                  "without a frequency a share of it. Default: on with --country, "
                                                  "off with --freq (explicit frequencies are used exactly).")] = None,
    memory_budget: Annotated[float | None, typer.Option("--memory-budget", help="Megabytes one pass of exact "
                                                        "inference may use; past it, inference conditions on "
                                                        "members and sums (slower). Default: "
                                                        "AATD_PEDIGREE_MEMORY_MB or 2048.")] = None,
    time_limit: Annotated[float | None, typer.Option("--time-limit", help="Seconds a conditioned run may take "
                                                     "before it is refused. Default: AATD_PEDIGREE_TIME_LIMIT_S "
                                                     "or 300.")] = None,
) -> None:
    """Exact genotype probabilities for every member of a family, and whom to test first."""
    from aatd.family.answers import report_from_text
    from aatd.family.drawing import pedigree_svg
    from aatd.family.pedigree import pedigree_to_phenopackets
    from aatd.limits import read_file

    couples = parse_couple_option(child or [])
    text = read_file(file, "file").decode("utf-8")
    if wants_fhir(format_):
        from aatd.family.pedigree import read_pedigree_text
        from aatd.interop.fhir_out import pedigree_bundle

        print_json(pedigree_bundle(read_pedigree_text(text)[0], family_id=file.stem))
        return
    limits = _limits(memory_budget, time_limit)
    with ConditioningProgress() as progress:
        ped, result, data = report_from_text(text, country=country,
                                             frequencies=parse_freq_option(freq) if freq is not None else None,
                                             plan=plan or couples is not None, couples=couples, residual=residual,
                                             limits=limits, progress=progress)
    if svg is not None:
        svg.write_text(pedigree_svg(ped, result, title=file.stem), encoding="utf-8")
    if phenopackets is not None:
        doc = pedigree_to_phenopackets(ped, family_id=file.stem)
        phenopackets.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if json_:
        print_json(data)
        return
    _print_members(data)
    if "plan" in data:
        _print_plan(data)
    if svg is not None:
        console.print(f"[dim]drawing written to {svg}[/dim]")
    console.print(f"[dim]{data['frequency_basis']}. {data['note']}[/dim]")


def _print_members(data: PedigreeAnswer) -> None:
    table = Table("member", "relationship", "most probable genotypes", "P(severe)", "P(carrier)",
                  title="Posterior genotype probabilities")
    for member_id, row in data["members"].items():
        top = sorted(row["genotypes"].items(), key=lambda kv: -kv[1])[:3]
        shown = ", ".join(f"{g} {p:.1%}" for g, p in top if p >= 0.001)
        table.add_row(member_id, _relation(row), shown, f"{row['p_severe']:.1%}", f"{row['p_carrier']:.1%}")
    console.print(table)


def _print_plan(data: PedigreeAnswer) -> None:
    table = Table("rank", "member", "relationship", "P(severe)", "P(carrier)", "most likely",
                  title="Cascade testing plan")
    for entry in data.get("plan", []):
        table.add_row(str(entry["rank"]), entry["id"], _relation(entry), f"{entry['p_severe']:.1%}",
                      f"{entry['p_carrier']:.1%}", entry["most_likely"])
    console.print(table)
    for couple in data.get("prospective_children", []):
        chances = ", ".join(f"{g} {p:.1%}" for g, p in couple["genotypes"].items() if p >= 0.001)
        console.print(f"Child of {couple['father']} x {couple['mother']}: {chances}")


def _relation(row: MemberAnswer | PlanRow) -> str:
    """``sibling (1st degree)``; ``-`` without a proband."""
    from aatd.family.cascade import ordinal

    if row["relationship"] is None:
        return "-"
    degree = row["degree"]
    return row["relationship"] + (f" ({ordinal(degree)} degree)" if degree is not None else "")


def _limits(memory_budget: float | None, time_limit: float | None) -> ExactLimits:
    """The environment's limits with the command line's overrides."""
    from aatd.family.inference import ExactLimits

    base = ExactLimits.from_environment()
    return ExactLimits(memory_mb=base.memory_mb if memory_budget is None else memory_budget,
                       time_limit_s=base.time_limit_s if time_limit is None else time_limit)


class ConditioningProgress:
    """A progress bar on stderr for conditioned runs that last more than a second or two."""

    SHOW_AFTER_S = 1.5

    def __init__(self) -> None:
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._started = time.perf_counter()

    def __enter__(self) -> ConditioningProgress:
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            if time.perf_counter() - self._started < self.SHOW_AFTER_S or done >= total:
                return
            self._bar = Progress(TextColumn("conditioning on a cutset: joint genotype states"), BarColumn(),
                                 TextColumn("{task.completed:,}/{task.total:,}"), TimeRemainingColumn(),
                                 console=err_console, transient=True)
            self._task = self._bar.add_task("states", total=total)
            self._bar.start()
        assert self._task is not None
        self._bar.update(self._task, completed=done)


def register(app: typer.Typer) -> None:
    app.command()(pedigree)
