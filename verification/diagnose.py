"""Diagnose the held-out misses: each figure under structural variants of the model (not a unit test).

Run: ``.venv/bin/python verification/diagnose.py [N] [VARIANT ...]``. For each variant (a set of parameter
values, liver or progression, applied on top of the current tables) it prints the model's figure for every
held-out target that is not inside its CI in the current model, next to the published value, and the
inside / near / outside tally of all held-out figures. Nothing is fitted and nothing is written: this is how
the causes in ``docs/progression.md`` ("Every miss, and why") were checked before a change was made.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from verification.progression import counts, evaluate, targets  # noqa: E402

from aatd.risk import lung  # noqa: E402
from aatd.risk.liver import liver_parameters  # noqa: E402
from aatd.risk.parameters import parameter_overrides  # noqa: E402

Values = Mapping[tuple[str, str], float]

# name -> (liver parameter values, progression parameter values[, factor on the "other" and smoking hazards])
VARIANTS: dict[str, tuple[Values, Values] | tuple[Values, Values, float]] = {
    "current": ({}, {}),
    "no decompensation at diagnosis (wave 3b)": ({("decompensated_at_diagnosis", "all"): 0.0}, {}),
    "decompensated at diagnosis 68% (Halland, any complication)": (
        {("decompensated_at_diagnosis", "all"): 0.68}, {}),
    "no liver transplants": ({}, {("liver_transplant_hazard", "all"): 0.0}),
    "no lung transplants": ({}, {("lung_transplant_hazard", "all"): 0.0}),
    "30-65% band rate x0.5": ({}, {("mortality_hazard_fev1_30_65", "all"): 0.0121}),
    "30-65% band rate x1.5": ({}, {("mortality_hazard_fev1_30_65", "all"): 0.0363}),
    "index-case excess 0": ({}, {("ascertainment_excess_index", "ZZ"): 0.0}),
    "decline exponent 1 (loss proportional to FEV1)": ({}, {("decline_level_exponent", "all"): 1.0}),
    "other-cause hazard x0.85": ({}, {}, 0.85),
    "smokers' deaths left in 'other' (wave 4a)": ({}, {("population_death_share_smoking_attributable", "all"): 0.0}),
}


@contextmanager
def liver_overrides(values: Values) -> Iterator[None]:
    """Temporarily replace liver parameter values (and drop the cached schedules that read them)."""
    table = liver_parameters()
    saved = {key: table[key] for key in values}
    try:
        for key, v in values.items():
            table[key] = replace(table[key], value=v)
        lung._schedule_cached.cache_clear()
        yield
    finally:
        table.update(saved)
        lung._schedule_cached.cache_clear()


@contextmanager
def other_hazard_factor(factor: float) -> Iterator[None]:
    """Temporarily multiply every schedule's "other" (and so smoking-related) hazard by ``factor``."""
    original = lung._schedule_cached

    @cache
    def scaled(profile: lung.Profile, key: tuple[tuple[tuple[str, str], float], ...]) -> lung.Schedule:
        s = original(profile, key)
        return replace(s, other_hazard=s.other_hazard * factor, smoking_hazard=s.smoking_hazard * factor)

    lung._schedule_cached = scaled
    try:
        yield
    finally:
        lung._schedule_cached = original


def main(n: int = 4000, names: tuple[str, ...] = ()) -> None:
    heldout = targets(("heldout",))
    results: dict[str, list[float]] = {}
    for name in names or tuple(VARIANTS):
        liver, progression, *factor = VARIANTS[name]
        with liver_overrides(liver), parameter_overrides(progression), other_hazard_factor(
                factor[0] if factor else 1.0):
            results[name] = [evaluate(t, n=n) for t in heldout]
        rows = list(zip(heldout, results[name], strict=True))
        c = counts(rows)
        print(f"{name}: {c['inside']} inside, {c['near']} near, {c['outside']} outside", flush=True)
    print("\n| figure | published (CI) | " + " | ".join(results) + " |")
    print("|---|---|" + "---|" * len(results))
    for k, t in enumerate(heldout):
        figures = [results[name][k] for name in results]
        if all(t.within(m) for m in figures):
            continue
        cells = [f"{m:.3g}" + ("" if t.within(m) else f" ({t.verdict(m)})") for m in figures]
        print(f"| {t.target_id} | {t.value:g} ({t.ci_low:g}-{t.ci_high:g}) | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 4000, tuple(sys.argv[2:]))
