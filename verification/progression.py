"""Verification of the progression model against published cohorts (not a unit test).

Run: ``.venv/bin/python verification/progression.py``. The published figures, their 95% CIs, sources
and the shape of the simulated cohort for each are declared in ``src/aatd/data/calibration_targets.csv``:

* ``calibrate`` rows are fitted by ``verification/calibrate.py`` and must fall inside their CI;
* ``check`` rows are not fitted and must fall inside their CI;
* ``context`` rows are printed for comparison only (index-heavy series the model is not meant to match).

Each target is simulated like the published study: the same statistic (mean decline of survivors, SMR
against the life table, Mantel-Haenszel odds ratio across age x sex x smoking strata), ages and smoking
mix. ``tests/test_progression.py`` asserts that the ``calibrate`` and ``check`` rows fall inside their CI.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from aatd.knowledge import read_table
from aatd.risk.liver import liver_risk
from aatd.risk.lung import Profile, schedule, simulate

TARGET_TABLE = "calibration_targets.csv"
ROLES = ("calibrate", "check", "context")
KINDS = ("register_decline", "smr", "smr_ratio", "obstruction_or")
SEXES = ((0, 165.0), (1, 178.0))
REGISTER_AGES = (40, 50, 60)
Z_95 = 1.959964


@dataclass(frozen=True, slots=True)
class Design:
    """Shape of a simulated cohort: entry ages, follow-up, smoking mix (weights) and smoking history."""

    ages: tuple[int, ...]
    years: int = 0
    never: float = 0.0
    former: float = 0.0
    current: float = 0.0
    pack_years: float = 0.0
    quit_before: float = 0.0

    @classmethod
    def parse(cls, text: str) -> Design:
        fields = dict(item.split("=", 1) for item in text.split())
        return cls(ages=tuple(int(a) for a in fields["ages"].split(";")), years=int(fields.get("years", 0)),
                   never=float(fields.get("never", 0)), former=float(fields.get("former", 0)),
                   current=float(fields.get("current", 0)), pack_years=float(fields.get("pack_years", 0)),
                   quit_before=float(fields.get("quit_before", 0)))

    def groups(self, age: int) -> Iterator[tuple[float, dict[str, object]]]:
        """(weight, Profile keyword arguments) for each smoking group present at entry age ``age``."""
        if self.never:
            yield self.never, {}
        if self.former:
            yield self.former, {"smoking": "former", "pack_years": self.pack_years,
                                "quit_age": float(age) - self.quit_before}
        if self.current:
            yield self.current, {"smoking": "current", "pack_years": self.pack_years}


@dataclass(frozen=True, slots=True)
class Target:
    """One row of ``calibration_targets.csv``."""

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


def targets(roles: tuple[str, ...] = ROLES) -> list[Target]:
    """The declared targets with one of ``roles``, in table order."""
    columns = ("target_id", "role", "description", "kind", "genotype", "reference", "statistic", "value", "ci_low",
               "ci_high", "scale", "design", "source", "notes")
    out = []
    for row in read_table(TARGET_TABLE, columns):
        role, kind, scale = row.text("role"), row.text("kind"), row.text("scale")
        if role not in ROLES or kind not in KINDS or scale not in ("log", "linear"):
            raise ValueError(f"{TARGET_TABLE} line {row.line}: bad role, kind or scale")
        if role in roles:
            out.append(Target(row.text("target_id"), role, row.text("description"), kind, row.text("genotype"),
                              row.text("reference"), row.text("statistic"), row.required_number("value"),
                              row.required_number("ci_low"), row.required_number("ci_high"), scale,
                              Design.parse(row.text("design")), row.source()))
    return out


# --- the simulated statistics ------------------------------------------------------


def mean_decline(genotype: str, design: Design, n: int = 1500, seed: int = 0) -> float:
    """Mean FEV1 decline (mL/yr) over ``design.years`` among survivors, averaged over entry ages, sexes, groups."""
    total, weight = 0.0, 0.0
    for age in design.ages:
        for sex, height in SEXES:
            for w, kwargs in design.groups(age):
                profile = Profile(genotype=genotype, sex=sex, age=age, height_cm=height, **kwargs)  # type: ignore[arg-type]
                result = simulate(profile, n=n, seed=seed + age + sex, keep_paths=True)
                assert result.paths is not None and result.death_age is not None
                alive = ~(result.death_age <= age + design.years)
                loss = (result.paths[0] - result.paths[design.years])[alive].mean() / design.years * 1000
                total, weight = total + w * float(loss), weight + w
    return total / weight


def register_decline(smoking: str, genotype: str = "ZZ", n: int = 1500, years: int = 5, seed: int = 0) -> float:
    """Mean decline of a register-like cohort (entry 40/50/60; smokers 20 pack-years; quit 10 years before)."""
    mix = {"never": 1.0} if smoking == "never" else {smoking: 1.0, "pack_years": 20.0, "quit_before": 10.0}
    return mean_decline(genotype, Design(ages=REGISTER_AGES, years=years, **mix), n=n, seed=seed)


def smr(genotype: str, design: Design, n: int = 4000, seed: int = 0) -> float:
    """Standardised mortality ratio over ``design.years``: simulated deaths / deaths expected from the life table."""
    observed, expected = 0.0, 0.0
    for age in design.ages:
        for sex, height in SEXES:
            for w, kwargs in design.groups(age):
                profile = Profile(genotype=genotype, sex=sex, age=age, height_cm=height, **kwargs)  # type: ignore[arg-type]
                result = simulate(profile, n=n, seed=seed + age + sex, keep_paths=True)
                assert result.death_age is not None
                first = age - profile.start_age
                background = schedule(profile).background_hazard[first:first + design.years]
                at = np.arange(age, age + design.years)
                death = np.where(np.isnan(result.death_age), np.inf, result.death_age)
                alive = death[:, None] > at[None, :]
                expected += w * float((alive * background[None, :]).sum()) / n
                observed += w * float(np.mean(death <= age + design.years))
    return observed / expected


def obstruction_odds_ratio(genotype: str, reference: str, design: Design, n: int = 4000, seed: int = 0) -> float:
    """Mantel-Haenszel odds ratio of FEV1/FVC < 0.70 (genotype vs reference) over age x sex x smoking strata."""
    numerator, denominator = 0.0, 0.0
    for age in design.ages:
        for sex, height in SEXES:
            for w, kwargs in design.groups(age):
                p = {}
                for g in (genotype, reference):
                    profile = Profile(genotype=g, sex=sex, age=age, height_cm=height, **kwargs)  # type: ignore[arg-type]
                    p[g] = float(simulate(profile, n=n, seed=seed + age + sex).probabilities["copd_fixed_ratio"][0])
                numerator += w * p[genotype] * (1 - p[reference])
                denominator += w * p[reference] * (1 - p[genotype])
    return numerator / denominator


def death_rate_ratio(genotype: str, reference: str = "MM", n: int = 4000, seed: int = 0) -> float:
    """Tanash 2017-like comparison: SMR of never-smoking ``genotype`` / SMR of never-smoking ``reference``."""
    design = Design(ages=REGISTER_AGES, years=12, never=1.0)
    return smr(genotype, design, n, seed) / smr(reference, design, n, seed)


def evaluate(target: Target, n: int = 4000, seed: int = 0) -> float:
    """The model's figure for ``target`` (decline cohorts use ``n // 2`` people per stratum: paths are kept)."""
    if target.kind == "register_decline":
        return mean_decline(target.genotype, target.design, n=max(1, n // 2), seed=seed)
    if target.kind == "smr":
        return smr(target.genotype, target.design, n, seed)
    if target.kind == "smr_ratio":
        return smr(target.genotype, target.design, n, seed) / smr(target.reference, target.design, n, seed)
    return obstruction_odds_ratio(target.genotype, target.reference, target.design, n, seed)


def _row(label: str, model: float, published: str, citation: str) -> None:
    print(f"{label:<70} model {model:8.2f}   published {published:<22} {citation}")


def main(n: int = 4000) -> None:
    print("Progression model vs published figures (cohorts shaped like the studies: calibration_targets.csv)")
    for t in targets():
        model = evaluate(t, n=n)
        flag = "inside CI" if t.within(model) else "OUTSIDE CI"
        _row(f"[{t.target_id} {t.role}] {t.description}"[:70], model,
             f"{t.value:g} ({t.ci_low:g}-{t.ci_high:g})", f"{t.source}: {flag}")
    print("Context without a CI (index-heavy or older series):")
    _row("ZZ current smokers FEV1 decline, mL/yr", register_decline("current"), "132 (n=43)",
         "Seersholm 1995 Danish (index-heavy)")
    _row("ZZ never-smokers FEV1 decline, mL/yr", register_decline("never"), "86 (n=18)", "Seersholm 1995")
    _row("MZ current smokers FEV1 decline, mL/yr", register_decline("current", "MZ"), "n/a (MZ 25 vs MM 21 all)",
         "Dahl 2002, PMID 11848724")
    _row("MM never-smokers FEV1 decline, mL/yr", register_decline("never", "MM"), "21 (MM, all)", "Dahl 2002")
    zz = liver_risk("ZZ", 1, 40, 70).cirrhosis[-1]
    _row("ZZ men: cirrhosis by 70 from 40, %", 100 * zz, "7.9% (adult AATD, any)", "Clark 2012 (prevalence)")
    _row("ZZ men: cirrhosis by 70 from 40, %", 100 * zz, "42% (13/31 autopsies)", "Elzouki 1996, PMID 8930564")


if __name__ == "__main__":
    main()
