"""``aatd risk``: lifetime lung and liver risk with what-if scenarios."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from aatd.cli._common import console, print_json

if TYPE_CHECKING:
    from aatd.risk.answers import RiskAnswer


def risk(
    genotype: Annotated[str, typer.Option(help="Genotype, e.g. ZZ, MZ, SZ, Z/Null.")],
    sex: Annotated[str, typer.Option(help="female or male.")],
    age: Annotated[float, typer.Option(help="Current age in years (20-89).")],
    height_cm: Annotated[float, typer.Option("--height-cm", help="Height in cm.")],
    smoking: Annotated[str, typer.Option(help="never, former or current.")] = "never",
    pack_years: Annotated[float | None, typer.Option("--pack-years", help="Pack-years smoked.")] = None,
    quit_age: Annotated[float | None, typer.Option("--quit-age", help="Age at quitting (former smokers).")] = None,
    smoking_start_age: Annotated[float | None, typer.Option(
        "--smoking-start-age", help="Age smoking began (default: the table's average start).")] = None,
    cigarettes_per_day: Annotated[float | None, typer.Option(
        "--cigarettes-per-day", help="Cigarettes smoked per day (or give pack-years).")] = None,
    ascertainment: Annotated[str, typer.Option(
        help="How you were found: index (own lung disease), family (a relative was tested), screened, "
             "or unknown (the register mix).")] = "unknown",
    country: Annotated[str, typer.Option(
        help="Whose life table gives deaths from other causes (default USA; an unknown name lists the "
             "countries with a table).")] = "USA",
    secondhand_smoke: Annotated[bool, typer.Option("--secondhand-smoke", help="Exposed to others' smoke.")] = False,
    dust: Annotated[bool, typer.Option("--dust", help="Dusty or fume-laden work or home.")] = False,
    family_emphysema: Annotated[bool, typer.Option("--family-emphysema", help="Relative with emphysema.")] = False,
    asthma: Annotated[bool, typer.Option("--asthma", help="Personal history of asthma.")] = False,
    infections: Annotated[bool, typer.Option("--infections", help="Repeated lung infections/pneumonia.")] = False,
    alcohol: Annotated[str, typer.Option(help="none, moderate (~25 g/d), heavy (~50), very_heavy (~100).")] = "none",
    bmi: Annotated[float | None, typer.Option(help="Body-mass index, kg/m2.")] = None,
    diabetes: Annotated[bool, typer.Option("--diabetes", help="Has diabetes.")] = False,
    fev1: Annotated[float | None, typer.Option("--fev1", help="Measured FEV1 now, litres.")] = None,
    augmentation: Annotated[bool, typer.Option("--augmentation", help="Receiving weekly IV augmentation.")] = False,
    scenario: Annotated[list[str] | None, typer.Option(
        "--scenario", help="quit@AGE, no-dust, no-secondhand-smoke, augmentation[@AGE]; repeatable.")] = None,
    equations: Annotated[str, typer.Option(help="gli_global_2022 (default) or gli_2012.")] = "gli_global_2022",
    n: Annotated[int, typer.Option("--n", help="Simulated people.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    plot: Annotated[str | None, typer.Option("--plot", help="Write the trajectory plot (.png or .svg).")] = None,
) -> None:
    """Lifetime FEV1, COPD, survival and liver risk, with what-if scenarios."""
    from aatd.risk.answers import describe_risk

    answer = describe_risk(
        genotype=genotype, sex=sex, age=age, height_cm=height_cm, smoking=smoking, pack_years=pack_years,
        quit_age=quit_age, smoking_start_age=smoking_start_age, cigarettes_per_day=cigarettes_per_day,
        ascertainment=ascertainment, secondhand_smoke=secondhand_smoke, dust=dust, family_emphysema=family_emphysema,
        asthma=asthma, infections=infections, alcohol=alcohol, bmi=bmi, diabetes=diabetes, fev1=fev1,
        augmentation=augmentation, scenarios=scenario or [], equations=equations, n=n, seed=seed,
        country=country)
    if plot:
        from aatd.risk.plots import save_trajectory_plot

        written = str(save_trajectory_plot(answer, plot))
    if json_:
        print_json({**answer, "plot": written} if plot else answer)
        return
    _print(answer)


def _print(answer: RiskAnswer) -> None:
    from aatd.risk.answers import SUMMARY_AGES

    g = answer["genotype"]
    console.print(f"[bold]{g['canonical']}[/bold] modelled as {g['model_class']} ({g['mapping']})")
    outcomes = answer["outcomes"]
    trajectory = answer["fev1_trajectory"]
    table = Table("age", "FEV1 median (10-90%) L", "COPD (LLN)", "FEV1 <50%", "died by", "cirrhosis",
                  title="As now")
    for row, traj in zip(outcomes, trajectory, strict=True):
        if row["age"] in SUMMARY_AGES or row is outcomes[0]:
            table.add_row(str(row["age"]), f"{traj['p50']:.2f} ({traj['p10']:.2f}-{traj['p90']:.2f})",
                          f"{row['copd_lln']:.0%}", f"{row['fev1_below_50_percent']:.0%}", f"{row['death']:.0%}",
                          f"{row['cirrhosis']:.1%}")
    console.print(table)
    causes = answer["causes_of_death"]
    shares = ", ".join(f"{k.replace('_', ' ')} {v:.0%}" for k, v in causes.items() if v is not None)
    if shares:
        console.print(f"Deaths by 90, by cause: {shares}")
    used = answer["life_table"]
    console.print(f"Life table: {used['country']}, {used['description']} (life expectancy at birth "
                  f"{used['life_expectancy_at_birth']:g} years).")
    scenarios = answer["scenarios"]
    for name, s in scenarios.items():
        at70 = [r for r in s["outcomes"] if r["age"] == 70]
        if at70:
            console.print(f"[bold]{name}[/bold]: {s['description']}; at 70: COPD {at70[0]['copd_lln']:.0%}, "
                          f"died {at70[0]['death']:.0%}")
    explanation = answer["explanation"]
    for line in explanation:
        console.print(f"[dim]{line}[/dim]")
    console.print(f"[italic]{answer['disclaimer']}[/italic]")


def register(app: typer.Typer) -> None:
    app.command()(risk)
