"""Calibrate the free progression parameters to declared published targets.

Run: ``.venv/bin/python verification/calibrate.py [--n 2000] [--seed 0] [--max-evaluations 300] [--dry-run]``.

* Free parameters and their search bounds: ``verification/calibration_parameters.csv`` (a ``copies``
  column names genotype rows that take the same value, e.g. Null/Null is taken as ZZ).
* Targets: the ``calibrate`` rows of ``src/aatd/data/calibration_targets.csv`` (published value, 95% CI,
  source, and the shape of the simulated cohort).
* Distance: the sum over targets of squared z-scores, z = (model - published) / SE with the SE taken
  from each target's 95% CI (on the log scale for ratios). Every evaluation uses the same seed (common
  random numbers), so the objective is deterministic and the search is reproducible.
* Search: Nelder-Mead on a logistic transform of each parameter into its bounds, started from the
  current table values.

It writes the fitted values into ``src/aatd/data/progression_parameters.csv`` (evidence
"calibrated to targets T1-Tk by verification/calibrate.py") and a before/after report
``verification/results/calibration.md`` in which every target (calibrate, check, context) is
re-evaluated with the verification sample size.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize

from aatd.knowledge import data_directory
from aatd.risk.lung import PARAMETER_TABLE, parameter, parameter_overrides

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from verification.progression import Target, evaluate, targets  # noqa: E402

FREE_TABLE = HERE / "calibration_parameters.csv"
REPORT = HERE / "results" / "calibration.md"
VERIFICATION_N = 4000


@dataclass(frozen=True, slots=True)
class Free:
    """A free parameter with its search bounds and the rows that copy it."""

    name: str
    genotype: str
    lower: float
    upper: float
    copies: tuple[str, ...]
    notes: str

    def to_value(self, x: float) -> float:
        return self.lower + (self.upper - self.lower) / (1.0 + math.exp(-x))

    def to_x(self, value: float) -> float:
        p = min(max((value - self.lower) / (self.upper - self.lower), 1e-6), 1 - 1e-6)
        return math.log(p / (1 - p))


def free_parameters() -> list[Free]:
    with FREE_TABLE.open(newline="", encoding="utf-8") as handle:
        return [Free(r["name"], r["genotype"], float(r["lower"]), float(r["upper"]),
                     tuple(c for c in r["copies"].split(";") if c), r["notes"]) for r in csv.DictReader(handle)]


def overrides(free: list[Free], values: list[float]) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = {}
    for f, v in zip(free, values, strict=True):
        for genotype in (f.genotype, *f.copies):
            out[(f.name, genotype)] = v
    return out


def model_figures(targets: list[Target], values: dict[tuple[str, str], float], n: int,
                  seed: int) -> list[float]:
    with parameter_overrides(values):
        return [evaluate(t, n=n, seed=seed) for t in targets]


def distance(targets: list[Target], figures: list[float]) -> float:
    return float(sum(t.z(m) ** 2 for t, m in zip(targets, figures, strict=True)))


def fit(free: list[Free], targets: list[Target], n: int, seed: int,
        max_evaluations: int) -> tuple[list[float], float, int]:
    start = [parameter(f.name, f.genotype).value for f in free]
    x0 = np.array([f.to_x(v) for f, v in zip(free, start, strict=True)])
    evaluations = 0

    def objective(x: NDArray[np.float64]) -> float:
        nonlocal evaluations
        evaluations += 1
        values = [f.to_value(float(xi)) for f, xi in zip(free, x, strict=True)]
        d = distance(targets, model_figures(targets, overrides(free, values), n, seed))
        if evaluations % 20 == 0:
            print(f"  evaluation {evaluations}: distance {d:.3f} at " + ", ".join(f"{v:.3g}" for v in values),
                  flush=True)
        return d

    simplex = np.vstack([x0] + [x0 + np.eye(len(x0))[i] * 0.5 for i in range(len(x0))])
    result = minimize(objective, x0, method="Nelder-Mead",
                      options={"maxfev": max_evaluations, "initial_simplex": simplex, "xatol": 0.01, "fatol": 0.01})
    values = [f.to_value(float(xi)) for f, xi in zip(free, result.x, strict=True)]
    return values, float(result.fun), evaluations


def _rounded(value: float) -> float:
    """Round to 3 significant figures (the table's precision; the rounding is re-evaluated in the report)."""
    return float(f"{value:.3g}")


def write_parameters(free: list[Free], values: list[float], target_ids: list[str], n: int, seed: int) -> None:
    """Rewrite only the calibrated rows (value, evidence, notes) of the parameter table; other lines stay as is."""
    path = data_directory() / PARAMETER_TABLE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = next(csv.reader([lines[0]]))
    label = f"calibrated to targets {target_ids[0]}-{target_ids[-1]} by verification/calibrate.py"
    fitted = overrides(free, values)
    notes = {(f.name, g): f.notes for f in free for g in (f.genotype, *f.copies)}
    out = [lines[0]]
    for line in lines[1:]:
        row = dict(zip(header, next(csv.reader([line])), strict=True)) if line.strip() else {}
        key = (row.get("name", ""), row.get("genotype", ""))
        if key in fitted:
            row["value"] = f"{fitted[key]:g}"
            row["evidence"] = label
            row["notes"] = (f"CALIBRATED by verification/calibrate.py (seed {seed}, n {n}) to targets "
                            f"{', '.join(target_ids)} of calibration_targets.csv; see verification/results/"
                            f"calibration.md. {notes[key]}")
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerow([row[c] for c in header])
            line = buffer.getvalue()
        out.append(line)
    path.write_text("".join(out), encoding="utf-8")


def report(free: list[Free], before: list[float], after: list[float], all_targets: list[Target],
           fig_before: list[float], fig_after: list[float], fit_distance: tuple[float, float], n: int, seed: int,
           evaluations: int, seconds: float) -> str:
    lines = ["# Calibration of the progression model", "",
             f"Generated by `verification/calibrate.py` (seed {seed}, n {n} per stratum during the search, "
             f"{evaluations} evaluations, {seconds:.0f} s). Targets: `src/aatd/data/calibration_targets.csv`; "
             "free parameters and bounds: `verification/calibration_parameters.csv`. Distance = sum of squared "
             "z-scores over the `calibrate` targets (SE from each 95% CI, log scale for ratios).", "",
             "## Parameters", "", "| parameter | genotype | bounds | before | after |", "|---|---|---|---|---|"]
    for f, b, a in zip(free, before, after, strict=True):
        copies = f" (also {', '.join(f.copies)})" if f.copies else ""
        lines.append(f"| {f.name} | {f.genotype}{copies} | {f.lower:g}-{f.upper:g} | {b:.3g} | {a:.3g} |")
    lines += ["", f"Distance during the search: before {fit_distance[0]:.2f}, after {fit_distance[1]:.2f}.", "",
              f"## Targets (re-evaluated with n {VERIFICATION_N})", "",
              "| id | role | target | published (95% CI) | before | after | z after | inside CI after |",
              "|---|---|---|---|---|---|---|---|"]
    for t, b, a in zip(all_targets, fig_before, fig_after, strict=True):
        lines.append(f"| {t.target_id} | {t.role} | {t.description} ({t.source}) | {t.value:g} "
                     f"({t.ci_low:g}-{t.ci_high:g}) | {b:.2f} | {a:.2f} | {t.z(a):+.2f} | "
                     f"{'yes' if t.within(a) else '**no**'} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="people per stratum during the search")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-evaluations", type=int, default=300)
    parser.add_argument("--dry-run", action="store_true", help="do not write the parameter table or the report")
    args = parser.parse_args()

    free = free_parameters()
    fit_targets = targets(("calibrate",))
    all_targets = targets()
    before = [parameter(f.name, f.genotype).value for f in free]
    t0 = time.perf_counter()
    d_before = distance(fit_targets, model_figures(fit_targets, overrides(free, before), args.n, args.seed))
    print(f"distance before: {d_before:.3f}", flush=True)
    values, d_after, evaluations = fit(free, fit_targets, args.n, args.seed, args.max_evaluations)
    after = [_rounded(v) for v in values]
    d_after = distance(fit_targets, model_figures(fit_targets, overrides(free, after), args.n, args.seed))
    seconds = time.perf_counter() - t0
    fig_before = model_figures(all_targets, overrides(free, before), VERIFICATION_N, args.seed)
    fig_after = model_figures(all_targets, overrides(free, after), VERIFICATION_N, args.seed)
    text = report(free, before, after, all_targets, fig_before, fig_after, (d_before, d_after), args.n, args.seed,
                  evaluations, seconds)
    print(text)
    if not args.dry_run:
        write_parameters(free, after, [t.target_id for t in fit_targets], args.n, args.seed)
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        REPORT.write_text(text, encoding="utf-8")
        print(f"wrote {PARAMETER_TABLE} and {REPORT.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
