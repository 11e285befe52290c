"""Verification of the progression model against published cohorts (not a unit test).

Run: ``.venv/bin/python verification/progression.py [N]`` (or ``make verify``). Two sets of published
figures, each with its 95% CI, source and the shape of the simulated cohort:

* ``src/aatd/data/calibration_targets.csv``: ``calibrate`` rows are fitted by ``verification/calibrate.py``,
  ``check`` rows are not fitted but were looked at while building the model;
* ``src/aatd/data/heldout_targets.csv``: **held-out** figures that are never used for fitting or for
  choosing a parameter value, each with its population and how that population was found.

Each figure is simulated like the published study: the same statistic (mean decline of survivors, SMR
against the life table, cause-specific SMR, share of deaths by cause, cumulative incidence, Mantel-Haenszel
odds ratio over age x sex x smoking strata, ...), the same ages, smoking mix and ascertainment. Every figure
is classed **inside** its CI, **near** (outside, but within the CI widened by half its width on each side,
on the target's scale) or **outside**; the report (``verification/results/heldout.md`` and ``.png``) counts
the classes separately for calibration and held-out figures.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from aatd.knowledge import read_table
from aatd.risk.lung import GROUPS, Profile, schedule, simulate, value
from aatd.risk.mortality import CAUSES

CALIBRATION_TABLE = "calibration_targets.csv"
HELDOUT_TABLE = "heldout_targets.csv"
ROLES = ("calibrate", "check", "heldout")
KINDS = ("register_decline", "decline", "decline_pctpred", "smr", "smr_cause", "smr_ratio", "smoking_rate_ratio",
         "cause_hr", "death_share", "cum_incidence", "mortality_risk", "obstruction_or", "fev1_difference")
SEXES = {"female": (0, 165.0), "male": (1, 178.0)}
Z_95 = 1.959964
NEAR_WIDENING = 0.5
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True, slots=True)
class Design:
    """Shape of a simulated cohort: entry ages, follow-up, smoking mix, smoking history, sexes, ascertainment."""

    ages: tuple[int, ...]
    years: int = 0
    never: float = 0.0
    former: float = 0.0
    current: float = 0.0
    pack_years: float = 0.0
    quit_before: float = 0.0
    sexes: tuple[str, ...] = ("female", "male")
    ascertainment: str = "screened"
    weights: tuple[float, float, float] | None = None
    cause: str = ""
    cigarettes_per_day: float | None = None

    @classmethod
    def parse(cls, text: str, ascertainment: str = "") -> Design:
        fields = dict(item.split("=", 1) for item in text.split())
        weights = tuple(float(fields.get(g, 0)) for g in GROUPS)
        found = ascertainment or fields.get("asc", "screened")
        if any(weights):
            found = "mix"
        return cls(ages=tuple(int(a) for a in fields["ages"].split(";")), years=int(fields.get("years", 0)),
                   never=float(fields.get("never", 0)), former=float(fields.get("former", 0)),
                   current=float(fields.get("current", 0)), pack_years=float(fields.get("pack_years", 0)),
                   quit_before=float(fields.get("quit_before", 0)),
                   sexes=(fields["sex"],) if "sex" in fields else ("female", "male"), ascertainment=found,
                   weights=(weights[0], weights[1], weights[2]) if any(weights) else None,
                   cause=fields.get("cause", ""),
                   cigarettes_per_day=float(fields["cpd"]) if "cpd" in fields else None)

    def groups(self, age: int) -> Iterator[tuple[float, dict[str, object]]]:
        """(weight, Profile keyword arguments) for each smoking group present at entry age ``age``."""
        if self.never:
            yield self.never, {}
        if self.former:
            yield self.former, {"smoking": "former", "pack_years": self.pack_years,
                                "quit_age": float(age) - self.quit_before}
        if self.current:
            smoking: dict[str, object] = {"smoking": "current", "pack_years": self.pack_years}
            if self.cigarettes_per_day is not None:
                smoking["cigarettes_per_day"] = self.cigarettes_per_day
            yield self.current, smoking

    def as_population(self) -> Design:
        """The same design for population controls (found by sampling, not by disease)."""
        return replace(self, ascertainment="screened", weights=None)

    def never_only(self) -> Design:
        return Design(self.ages, self.years, 1.0, 0.0, 0.0, 0.0, 0.0, self.sexes, self.ascertainment, self.weights,
                      self.cause, None)


@dataclass(frozen=True, slots=True)
class Target:
    """One published figure: a row of ``calibration_targets.csv`` or ``heldout_targets.csv``."""

    target_id: str
    role: str
    description: str
    kind: str
    genotype: str
    reference: str
    statistic: str
    value: float
    ci_low: float
    ci_high: float
    scale: str
    design: Design
    source: str
    population: str = ""
    notes: str = field(default="", compare=False)

    def transform(self, x: float) -> float:
        return math.log(max(x, 1e-9)) if self.scale == "log" else x

    @property
    def se(self) -> float:
        """Standard error on the target's scale, from its 95% CI."""
        return (self.transform(self.ci_high) - self.transform(self.ci_low)) / (2 * Z_95)

    def z(self, model: float) -> float:
        """Distance of a model figure from the published one in standard errors."""
        return (self.transform(model) - self.transform(self.value)) / self.se

    def within(self, model: float) -> bool:
        return self.ci_low <= model <= self.ci_high

    def verdict(self, model: float) -> str:
        """inside (the CI), near (within the CI widened by half its width each side) or outside."""
        if self.within(model):
            return "inside"
        low, high = self.transform(self.ci_low), self.transform(self.ci_high)
        pad = NEAR_WIDENING * (high - low)
        return "near" if low - pad <= self.transform(model) <= high + pad else "outside"


def targets(roles: tuple[str, ...] = ("calibrate", "check")) -> list[Target]:
    """The declared targets with one of ``roles``, in table order (calibration table, then held-out)."""
    columns = ("target_id", "description", "kind", "genotype", "reference", "statistic", "value", "ci_low",
               "ci_high", "scale", "design", "source", "notes")
    out = []
    for table in (CALIBRATION_TABLE, HELDOUT_TABLE):
        for row in read_table(table, columns):
            role = row.text("role") if table == CALIBRATION_TABLE else "heldout"
            kind, scale = row.text("kind"), row.text("scale")
            if role not in ROLES or kind not in KINDS or scale not in ("log", "linear"):
                raise ValueError(f"{table} line {row.line}: bad role, kind or scale")
            if role in roles:
                found = row.text("ascertainment") if table == HELDOUT_TABLE else ""
                out.append(Target(row.text("target_id"), role, row.text("description"), kind, row.text("genotype"),
                                  row.text("reference"), row.text("statistic"), row.required_number("value"),
                                  row.required_number("ci_low"), row.required_number("ci_high"), scale,
                                  Design.parse(row.text("design"), found), row.source(),
                                  row.text("population") if table == HELDOUT_TABLE else "", row.text("notes")))
    return out


# --- the simulated cohort ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stratum:
    """One simulated stratum (entry age x sex x smoking group) with its weight and per-person arrays."""

    weight: float
    age: int
    profile: Profile
    people: dict[str, np.ndarray]
    probabilities: dict[str, np.ndarray]
    n: int


def cohort(genotype: str, design: Design, n: int, seed: int) -> Iterator[Stratum]:
    """Simulate every stratum of ``design`` for ``genotype`` (common random numbers across genotypes)."""
    for age in design.ages:
        for sex_name in design.sexes:
            sex, height = SEXES[sex_name]
            for w, kwargs in design.groups(age):
                profile = Profile(genotype=genotype, sex=sex, age=age, height_cm=height,  # type: ignore[arg-type]
                                  ascertainment=design.ascertainment, ascertainment_weights=design.weights,
                                  liver_unknown_at_entry=True, **kwargs)
                result = simulate(profile, n=n, seed=seed + age + sex, keep_paths=True)
                assert result.people is not None
                yield Stratum(w / len(design.sexes), age, profile, result.people, result.probabilities, n)


def _deaths(st: Stratum, years: int, cause: str = "") -> np.ndarray:
    died = np.nan_to_num(st.people["death_age"], nan=np.inf) <= st.age + years
    if not cause:
        return died
    codes = [1 + CAUSES.index(c) for c in CAUSES if c == cause or (cause == "liver" and c.startswith("liver_"))]
    return died & np.isin(st.people["death_cause"], codes)


def _expected(st: Stratum, years: int, share: float = 1.0) -> float:
    """Deaths expected from the life table (times a cause's population share) over the follow-up."""
    first = st.age - st.profile.start_age
    background = schedule(st.profile).background_hazard[first:first + years] * share
    death = np.nan_to_num(st.people["death_age"], nan=np.inf)
    at = np.arange(st.age, st.age + years)
    return float(((death[:, None] > at[None, :]).astype(float) @ background).sum()) / st.n


def _cause_share(cause: str) -> float:
    total_liver = value("population_death_share_liver")
    cancer = value("population_death_share_liver_cancer")
    return {"respiratory": value("population_death_share_respiratory"), "liver": total_liver,
            "liver_cancer": cancer, "liver_failure": total_liver - cancer}[cause]


def _ratio(numerator: Callable[[Stratum], float], denominator: Callable[[Stratum], float],
           strata: list[Stratum]) -> float:
    num = sum(s.weight * numerator(s) for s in strata)
    den = sum(s.weight * denominator(s) for s in strata)
    return num / den if den else math.nan


def smr(genotype: str, design: Design, n: int, seed: int, cause: str = "") -> float:
    """(Cause-specific) standardised mortality ratio over ``design.years``."""
    strata = list(cohort(genotype, design, n, seed))
    share = _cause_share(cause) if cause else 1.0
    return _ratio(lambda s: float(_deaths(s, design.years, cause).mean()),
                  lambda s: _expected(s, design.years, share), strata)


def mean_decline(genotype: str, design: Design, n: int, seed: int, percent: bool = False) -> float:
    """Mean FEV1 decline over ``design.years`` among survivors (mL/yr, or % predicted per year)."""
    total, weight = 0.0, 0.0
    for st in cohort(genotype, design, n, seed):
        alive = ~(np.nan_to_num(st.people["death_age"], nan=np.inf) <= st.age + design.years)
        start, end = st.people["paths"][0], st.people["paths"][design.years]
        if percent:
            predicted = schedule(st.profile).fev1_predicted[st.age - st.profile.start_age:]
            loss = 100 * (start / predicted[0] - end / predicted[design.years])[alive].mean() / design.years
        else:
            loss = (start - end)[alive].mean() / design.years * 1000
        total, weight = total + st.weight * float(loss), weight + st.weight
    return total / weight


def obstruction_odds_ratio(genotype: str, reference: str, design: Design, n: int, seed: int) -> float:
    """Mantel-Haenszel odds ratio of FEV1/FVC < 0.70 (genotype vs reference) over age x sex x smoking strata."""
    numerator, denominator = 0.0, 0.0
    for a, b in zip(cohort(genotype, design, n, seed), cohort(reference, design, n, seed), strict=True):
        pa, pb = float(a.probabilities["copd_fixed_ratio"][0]), float(b.probabilities["copd_fixed_ratio"][0])
        numerator += a.weight * pa * (1 - pb)
        denominator += a.weight * pb * (1 - pa)
    return numerator / denominator


def evaluate(target: Target, n: int = 4000, seed: int = 0) -> float:
    """The model's figure for ``target`` (decline cohorts use ``n // 2`` people per stratum)."""
    d, g, kind = target.design, target.genotype, target.kind
    if kind in ("register_decline", "decline", "decline_pctpred"):
        return mean_decline(g, d, max(1, n // 2), seed, percent=kind == "decline_pctpred")
    if kind in ("smr", "smr_cause"):
        return smr(g, d, n, seed, d.cause)
    if kind in ("smr_ratio", "cause_hr"):  # the comparison group is a population sample: screened
        return smr(g, d, n, seed, d.cause) / smr(target.reference, d.as_population(), n, seed, d.cause)
    if kind == "smoking_rate_ratio":
        return smr(g, d, n, seed) / smr(g, d.never_only(), n, seed)
    if kind == "obstruction_or":
        return obstruction_odds_ratio(g, target.reference, d, n, seed)
    strata = list(cohort(g, d, n, seed))
    if kind == "death_share":
        return 100 * _ratio(lambda s: float(_deaths(s, d.years, d.cause).mean()),
                            lambda s: float(_deaths(s, d.years).mean()), strata)
    if kind == "mortality_risk":
        return 100 * _ratio(lambda s: float(_deaths(s, d.years).mean()), lambda s: 1.0, strata)
    if kind == "cum_incidence":
        key = f"{d.cause}_age"  # cirrhosis, liver_cancer, lung_transplant or liver_transplant
        return 100 * _ratio(lambda s: float((np.nan_to_num(s.people[key], nan=np.inf) < s.age + d.years).mean()),
                            lambda s: 1.0, strata)
    reference = list(cohort(target.reference, d.as_population(), n, seed))
    return 1000 * (_ratio(lambda s: float(s.people["paths"][0].mean()), lambda s: 1.0, strata)
                   - _ratio(lambda s: float(s.people["paths"][0].mean()), lambda s: 1.0, reference))


# --- the report ----------------------------------------------------------------------


def _table(rows: list[tuple[Target, float]]) -> list[str]:
    lines = ["| id | figure | population (ascertainment) | published (95% CI) | model | verdict | source |",
             "|---|---|---|---|---|---|---|"]
    for t, m in rows:
        who = f"{t.population or t.genotype} ({t.design.ascertainment})"
        lines.append(f"| {t.target_id} | {t.description} | {who} | {t.value:g} ({t.ci_low:g}-{t.ci_high:g}) | "
                     f"{m:.3g} | {t.verdict(m)} | {t.source} |")
    return lines


def counts(rows: list[tuple[Target, float]]) -> dict[str, int]:
    out = {"inside": 0, "near": 0, "outside": 0}
    for t, m in rows:
        out[t.verdict(m)] += 1
    return out


def _plot(rows: list[tuple[Target, float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 0.28 * len(rows) + 1.2))
    for k, (t, m) in enumerate(rows):
        colour = {"inside": "tab:green", "near": "tab:orange", "outside": "tab:red"}[t.verdict(m)]
        lo, hi = t.z(t.ci_low), t.z(t.ci_high)
        ax.plot([lo, hi], [k, k], color="grey")
        ax.plot([t.z(m)], [k], "o", color=colour)
    ax.set_yticks(range(len(rows)), [f"{t.target_id} {t.role}" for t, _ in rows], fontsize=7)
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.5)
    ax.set_xlabel("model minus published, in standard errors (grey: the 95% CI)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(n: int = 4000) -> None:
    calibration = [(t, evaluate(t, n=n)) for t in targets(("calibrate", "check"))]
    heldout = [(t, evaluate(t, n=n)) for t in targets(("heldout",))]
    lines = ["# Progression model vs published figures", "",
             f"Generated by `verification/progression.py {n}` (`make verify`), n {n} per stratum, seed 0. "
             "Verdicts: inside the 95% CI; near = outside but within the CI widened by half its width on each "
             "side (on the figure's scale); outside.", ""]
    for title, rows in (("Calibration (fitted) and checks", calibration), ("Held-out (never fitted)", heldout)):
        c = counts(rows)
        lines += [f"## {title}: {c['inside']} inside, {c['near']} near, {c['outside']} outside of {len(rows)}", ""]
        lines += [*_table(rows), ""]
    text = "\n".join(lines)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "heldout.md").write_text(text, encoding="utf-8")
    _plot(calibration + heldout, RESULTS / "heldout.png")
    print(text)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 4000)
