"""Commands of the knowledge core: genotype, inherit, prevalence, alleles, demo."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from aatd.cli._common import console, print_json
from aatd.cli._fhir import FormatOption, wants_fhir
from aatd.genetics import answers as summaries
from aatd.genetics.answers import PrevalenceAnswer

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def genotype(text: Annotated[str, typer.Argument(help="A genotype such as PI*ZZ, MZ, Z/Null.")],
             json_: JsonFlag = False, format_: FormatOption = None) -> None:
    """Canonical form, severity and expected serum level of a genotype."""
    if wants_fhir(format_):
        from aatd.interop.fhir_out import inputs_from_text, results_bundle

        print_json(results_bundle(inputs_from_text(genotype=text)))
        return
    data = summaries.describe_genotype(text)
    if json_:
        print_json(data)
        return
    level = data["expected_level"]
    console.print(f"[bold]{data['genotype']}[/bold]  severity: [bold]{data['severity']}[/bold]")
    table = Table("unit", "5th percentile", "median", "95th percentile")
    for row, label in ((level["um"], "µmol/L"), (level["mg_dl"], "mg/dL (nephelometry)"), (level["g_l"], "g/L")):
        table.add_row(label, f"{row['low']:g}", f"{row['median']:g}", f"{row['high']:g}")
    console.print(table)
    console.print(f"[dim]{level['basis']}; {', '.join(level['sources'])}[/dim]")


def inherit(parent1: Annotated[str, typer.Argument(help="First parent's genotype.")],
            parent2: Annotated[str, typer.Argument(help="Second parent's genotype.")],
            json_: JsonFlag = False) -> None:
    """Genotype chances of a child of two parents."""
    data = summaries.describe_inheritance(parent1, parent2)
    if json_:
        print_json(data)
        return
    offspring = data["offspring"]
    table = Table("child genotype", "probability", title=f"Children of {parent1} x {parent2}")
    for g, p in offspring.items():
        table.add_row(g, f"{p:.1%}")
    console.print(table)


def prevalence(
    country: Annotated[str | None, typer.Option(help="A country from the allele-frequency table.")] = None,
    s: Annotated[float | None, typer.Option("--s", help="PI*S allele frequency (0-1).")] = None,
    z: Annotated[float | None, typer.Option("--z", help="PI*Z allele frequency (0-1).")] = None,
    population: Annotated[str | None, typer.Option(
        help="Number of people, a whole number (default: the survey's).")] = None,
    ancestry: Annotated[str | None, typer.Option(
        help="A genetic ancestry group from the ancestry table (e.g. 'White British').")] = None,
    json_: JsonFlag = False,
) -> None:
    """Hardy-Weinberg genotype frequencies and expected numbers of people."""
    data = summaries.describe_prevalence(country_name=country, s=s, z=z, population=population,
                                         ancestry_name=ancestry)
    if json_:
        print_json(data)
        return
    genotypes = data["genotypes"]
    place = data.get("country") or (f"{data['ancestry']} ({data['dataset']})" if "ancestry" in data else None)
    people = "not given (--population)" if data["population"] is None else f"{data['population']:,}"
    title = f"{place or 'Given frequencies'}: population {people}"
    table = Table("genotype", "frequency", "1 in", "expected people", title=title)
    for g, row in genotypes.items():
        freq = row["frequency"]
        count = row["count"]
        table.add_row(g, f"{freq:.6f}", f"{1 / freq:,.0f}" if freq else "-",
                      "-" if count is None else f"{count:,}")
    console.print(table)
    if data.get("unreported_alleles"):
        console.print(_unreported_line(data))
    if "source" in data:
        console.print(_survey_line(data))
        published = ", ".join(f"{g.upper()} {n:,}" for g, n in data.get("published", {}).items() if n is not None)
        estimates = f"; the paper's estimated numbers of people: {published}" if published else ""
        console.print(f"[dim]{data['source']} ({data.get('source_locator', '')}){estimates}[/dim]")


def _survey_line(data: PrevalenceAnswer) -> str:
    """``S 17.5 per 1000 (95% CI 11.6-23.9), Z ... ; 859 people; published`` for a country's survey."""
    freqs, intervals = data["allele_frequencies"], data.get("confidence_intervals", {})
    ceilings = data.get("upper_bounds", [])
    parts = []
    for allele in ("S", "Z"):
        if allele not in freqs:
            parts.append(f"{allele} not published" if "country" in data else f"{allele} not reported")
            continue
        ci = intervals.get(allele)
        interval = f" (95% CI {ci[0] * 1000:g}-{ci[1] * 1000:g})" if ci else " (no CI available)"
        at_most = "at most " if allele in ceilings else ""
        parts.append(f"{allele} {at_most}{freqs[allele] * 1000:.3g} per 1000{interval}")
    size = data.get("sample_size")
    people = f"{size:,} people" if isinstance(size, int) else "sample size not given"
    ceiling = (f"; {' and '.join(ceilings)} only a ceiling: the survey pooled {'it' if len(ceilings) == 1 else 'them'} "
               "with other rare alleles" if ceilings else "")
    return f"{', '.join(parts)}; {people}; {data.get('basis', 'published')} values{ceiling}"


def _unreported_line(data: PrevalenceAnswer) -> str:
    """Why the table lists fewer genotypes: the source did not report an allele; with the carrier shares it did."""
    missing = " and ".join(data.get("unreported_alleles", []))
    carriers = "; ".join(f"{share:.2%} of people carry at least one {allele} (about 1 in {1 / share:,.0f})"
                         for allele, share in data.get("carriers", {}).items() if share > 0)
    if "country" in data:
        return (f"{missing} not published by {data['country']}'s survey, so genotypes with {missing} cannot be worked "
                f"out: only those made of the published alleles are shown{'; ' + carriers if carriers else ''}.")
    return (f"{missing} not reported by this group's source, so only genotypes made of the reported alleles are shown"
            f"{'; ' + carriers if carriers else ''}.")


def alleles(json_: JsonFlag = False) -> None:
    """The SERPINA1 allele catalogue with its sources."""
    data = summaries.list_alleles()
    if json_:
        print_json(data)
        return
    table = Table("allele", "class", "legacy", "HGVS c.", "rsID", "GRCh38", "output", "polymer", "verified")
    for a in data:
        table.add_row(str(a["name"]), str(a["class"]), str(a["legacy"]), str(a["hgvs_c"]), str(a["rsid"]),
                      str(a["grch38"] or ""), f"{a['relative_output']:g}", str(a["polymerises"]),
                      "yes" if a["verified"] else "no")
    console.print(table)


def demo() -> None:
    """A worked example: a family's inheritance and the interpretation of a result."""
    from aatd.cli.demo import run_demo

    run_demo(console)


def register(app: typer.Typer) -> None:
    app.command()(genotype)
    app.command()(inherit)
    app.command()(prevalence)
    app.command()(alleles)
    app.command()(demo)
