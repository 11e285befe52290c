"""Verification of the progression model against published cohorts (not a unit test).

Run: ``.venv/bin/python verification/progression.py``. Each check simulates a cohort shaped
like the published one and prints the model figure beside the published figure and its
citation. ``tests/test_progression.py`` asserts the key ones fall inside the published 95% CI.
"""

from __future__ import annotations

import numpy as np

from aatd.liver import liver_risk
from aatd.simulation import Profile, simulate

SEXES = ((0, 165.0), (1, 178.0))
REGISTER_AGES = (40, 50, 60)


def register_decline(smoking: str, genotype: str = "ZZ", n: int = 1500, years: int = 5, seed: int = 0) -> float:
    """Mean FEV1 decline (mL/yr) over ``years`` among survivors of a register-like cohort.

    Ages 40/50/60 at entry, both sexes; smokers 20 pack-years, ex-smokers quit 10 years before entry.
    """
    declines: list[float] = []
    for age in REGISTER_AGES:
        for sex, height in SEXES:
            kwargs: dict[str, object] = {}
            if smoking == "current":
                kwargs = {"smoking": "current", "pack_years": 20.0}
            elif smoking == "former":
                kwargs = {"smoking": "former", "pack_years": 20.0, "quit_age": float(age - 10)}
            profile = Profile(genotype=genotype, sex=sex, age=age, height_cm=height, **kwargs)  # type: ignore[arg-type]
            result = simulate(profile, n=n, seed=seed + age + sex, keep_paths=True)
            assert result.paths is not None and result.death_age is not None
            alive = ~(result.death_age <= age + years)
            declines.append(float(((result.paths[0] - result.paths[years])[alive]).mean() / years * 1000))
    return float(np.mean(declines))


def death_rate_ratio(genotype: str, reference: str = "MM", age: int = 45, years: int = 12, n: int = 20000,
                     smoking: str = "never", seed: int = 0) -> float:
    """Ratio of the probability of dying within ``years`` (genotype vs reference), both sexes pooled."""
    risks = {}
    for g in (genotype, reference):
        deaths = []
        for sex, height in SEXES:
            kwargs: dict[str, object] = {"smoking": "current", "pack_years": 20.0} if smoking == "current" else {}
            result = simulate(Profile(genotype=g, sex=sex, age=age, height_cm=height, **kwargs),  # type: ignore[arg-type]
                              n=n, seed=seed + sex)
            deaths.append(float(result.probabilities["death"][years]))
        risks[g] = float(np.mean(deaths))
    return risks[genotype] / risks[reference]


def copd_odds_ratio(genotype: str, age: int = 57, n: int = 20000, seed: int = 0) -> float:
    """Odds ratio of FEV1/FVC < 0.70 vs MM at ``age``, half never-smokers and half 20 pack-year smokers."""
    prob = {}
    for g in (genotype, "MM"):
        values = []
        for sex, height in SEXES:
            for kwargs in ({}, {"smoking": "former", "pack_years": 20.0, "quit_age": 45.0}):
                result = simulate(Profile(genotype=g, sex=sex, age=age, height_cm=height, **kwargs),  # type: ignore[arg-type]
                                  n=n, seed=seed + sex)
                values.append(float(result.probabilities["copd_fixed_ratio"][0]))
        prob[g] = float(np.mean(values))
    return (prob[genotype] / (1 - prob[genotype])) / (prob["MM"] / (1 - prob["MM"]))


def _row(label: str, model: float, published: str, citation: str) -> None:
    print(f"{label:<58} model {model:8.2f}   published {published:<22} {citation}")


def main() -> None:
    print("Progression model vs published figures (model cohorts shaped like the studies; see docs/progression.md)")
    _row("ZZ never-smokers FEV1 decline, mL/yr", register_decline("never"), "32 (25-38)",
         "Hiller 2019, Swedish register, PMID 31213789")
    _row("ZZ ex-smokers FEV1 decline, mL/yr", register_decline("former"), "42 (36-48)", "Hiller 2019")
    _row("ZZ current smokers FEV1 decline, mL/yr", register_decline("current"), "70 (56-83)", "Hiller 2019")
    _row("ZZ current smokers FEV1 decline, mL/yr", register_decline("current"), "132 (n=43)",
         "Seersholm 1995 Danish (index-heavy)")
    _row("ZZ never-smokers FEV1 decline, mL/yr", register_decline("never"), "86 (n=18)", "Seersholm 1995")
    _row("MZ current smokers FEV1 decline, mL/yr", register_decline("current", "MZ"), "n/a (MZ 25 vs MM 21 all)",
         "Dahl 2002, PMID 11848724")
    _row("MM never-smokers FEV1 decline, mL/yr", register_decline("never", "MM"), "21 (MM, all)", "Dahl 2002")
    _row("ZZ never-smokers vs MM never: 12-y death ratio from 45", death_rate_ratio("ZZ"), "HR 1.2 (0.6-2.2)",
         "Tanash 2017 ERJ (screened never-smokers)")
    _row("ZZ smokers vs MM never: 12-y death ratio from 45", death_rate_ratio("ZZ", smoking="current"),
         "SMR 4.8 (4.2-5.5)", "Tanash 2010, PMC2867977 (register, index-heavy)")
    _row("ZZ vs MM odds ratio FEV1/FVC < 0.70 at 57", copd_odds_ratio("ZZ"), "OR 4.5 (3.0-6.9)",
         "Nakanishi 2020, UK Biobank")
    _row("MZ vs MM odds ratio FEV1/FVC < 0.70 at 57", copd_odds_ratio("MZ"), "OR 2.31 (1.60-3.35)",
         "Hersh 2004 meta-analysis (1.61 smoking-adjusted)")
    zz = liver_risk("ZZ", 1, 40, 70).cirrhosis[-1]
    _row("ZZ men: cirrhosis by 70 from 40, %", 100 * zz, "7.9% (adult AATD, any)", "Clark 2012 (prevalence)")
    _row("ZZ men: cirrhosis by 70 from 40, %", 100 * zz, "42% (13/31 autopsies)", "Elzouki 1996, PMID 8930564")


if __name__ == "__main__":
    main()
