"""Benchmark: one million simulated lifetimes (vectorised numpy) vs a per-person Python loop.

Run: ``.venv/bin/python benchmarks/progression.py [N] [LOOP_N]``; writes benchmarks/results/progression.md.
The loop (:func:`aatd.risk.lung.simulate_reference`) implements the same model one person at a time;
it runs on a subsample and its time is extrapolated linearly to N.
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import numpy as np

from aatd.risk.lung import Profile, draw, schedule, simulate, simulate_reference

PROFILE = Profile(genotype="ZZ", sex=0, age=20, height_cm=165.0, smoking="current", pack_years=20.0, dust=True)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    loop_n = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000
    schedule(PROFILE)  # warm the per-profile cache and table loading
    start = time.perf_counter()
    simulate(PROFILE, n=n, seed=0)
    fast = time.perf_counter() - start
    draws = draw(loop_n, np.random.default_rng(0))
    start = time.perf_counter()
    simulate_reference(PROFILE, draws)
    loop = (time.perf_counter() - start) * n / loop_n
    lines = [
        "# Progression benchmark",
        "",
        f"Command: `.venv/bin/python benchmarks/progression.py {n} {loop_n}`  ",
        f"Machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, one core.",
        "",
        f"Profile: ZZ woman from age 20 to 90 (71 yearly steps), current smoker, dust; {n:,} lifetimes.",
        "",
        "| engine | people | time (s) |",
        "|---|---|---|",
        f"| vectorised numpy (`simulate`, exact quantiles and all outcomes) | {n:,} | {fast:.2f} |",
        f"| per-person Python loop (`simulate_reference`), {loop_n:,} timed, extrapolated | {n:,} | {loop:.0f} |",
        "",
        f"Speed-up: {loop / fast:.0f}x. Aim: under 10 s on one core.",
        "",
    ]
    out = Path(__file__).parent / "results" / "progression.md"
    out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
