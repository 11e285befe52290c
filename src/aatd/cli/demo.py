"""The worked example ``make run`` prints before the web app exists (``aatd demo``)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from aatd.genetics.genotypes import all_genotypes
from aatd.genetics.inheritance import as_canonical, offspring_distribution
from aatd.genetics.levels import classify_umol_l, genotype_severity, level_likelihood
from aatd.genetics.prevalence import country_allele_frequencies, hardy_weinberg
from aatd.genetics.units import Level
from aatd.knowledge import data_version

DEMO_LEVEL = Level.parse(48, "mg/dL", "nephelometry")
DEMO_COUNTRY = "USA"


def run_demo(console: Console) -> None:
    """Print a family's inheritance and one result's interpretation."""
    console.rule("[bold]aatd worked example")
    console.print(f"Knowledge tables {data_version()}\n")
    console.print("[bold]1. A family.[/bold] Both parents carry one Z allele (PI*MZ).")
    table = Table("child's genotype", "chance", "severity")
    for child, p in as_canonical(offspring_distribution("MZ", "MZ")).items():
        table.add_row(child, f"{p:.0%}", genotype_severity(child).value)
    console.print(table)
    console.print("Each child has a 1 in 4 chance of PI*ZZ (severe deficiency) and 1 in 2 of being a carrier.\n")

    console.print(f"[bold]2. A result.[/bold] A serum AAT of {DEMO_LEVEL} in an adult from the {DEMO_COUNTRY}.")
    console.print(f"In µmol/L: {DEMO_LEVEL.umol_l:.1f}; level class: {classify_umol_l(DEMO_LEVEL.umol_l).value}.")
    prior = hardy_weinberg(country_allele_frequencies(DEMO_COUNTRY))
    weights = {g: prior.get(g, 0.0) * level_likelihood(DEMO_LEVEL, g) for g in all_genotypes(["M", "S", "Z"])}
    total = sum(weights.values())
    ranked = sorted(weights.items(), key=lambda kv: -kv[1])
    table = Table("genotype", "probability given the level", title="Which genotype explains this level?")
    for g, w in ranked[:4]:
        table.add_row(g.canonical, f"{w / total:.1%}")
    console.print(table)
    best = ranked[0][0]
    console.print(f"Most likely PI*{best} (a {genotype_severity(best).value} genotype): a level alone does not"
                  " give the genotype, so confirm it by genotyping.\n"
                  "[dim]aatd supports, and does not replace, clinical judgement.[/dim]")
