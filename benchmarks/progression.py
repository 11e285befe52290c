"""Benchmark: one million simulated lifetimes of the risk model v2 vs the per-person Python loop.

Run: ``taskset -c 0 .venv/bin/python benchmarks/progression.py [N] [LOOP_N] [--repeats R] [--peer-kernel FILE]``;
writes benchmarks/results/progression.md. The profile exercises everything the model does: two-level uncertainty
(20 parameter batches), an unknown ascertainment (mixed groups), smoking with a quit scenario, liver cofactors
(multi-state liver), competing causes of death. The loop (:func:`aatd.risk.lung.simulate_reference`) implements
the same model one person at a time; it runs on a subsample (its time is extrapolated linearly to N) and the
benchmark first checks that it agrees with the vectorised engine and the compiled kernel on those people.

Times are CPU seconds of this process (the machine is shared: wall-clock time depends on the other jobs).
``--peer-kernel`` times another version of ``aatd/risk/_kernel.py`` (for example ``main``'s) through the same
plumbing, alternating with this tree's kernel run by run, so both see the same machine load; it must take the
same arguments. numba's compilation is not in the timed runs: it is measured once, in a child process with an
empty cache, and reported apart.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import numpy as np

import aatd.risk
from aatd.risk.lung import Profile, draw, run, run_compiled, schedule, simulate, simulate_reference

PROFILE = Profile(genotype="ZZ", sex=0, age=20, height_cm=165.0, smoking="current", pack_years=2.0,
                  cigarettes_per_day=20.0, smoking_start_age=18.0, dust=True, quit_age=50.0, ascertainment="unknown",
                  alcohol="heavy", diabetes=True)
BATCHES = 20


def agreement(loop_n: int) -> str:
    """Compare the reference loop, the vectorised engine and the compiled kernel on ``loop_n`` people."""
    draws = draw(loop_n, np.random.default_rng(0), BATCHES)
    acc = run(PROFILE, draws, keep_paths=True)
    paths, death_age, cause = simulate_reference(PROFILE, draws)
    assert acc.people is not None
    same_paths = float(np.max(np.abs(acc.people["paths"] - paths)))
    same_deaths = bool(np.array_equal(acc.people["death_age"], death_age, equal_nan=True)
                       and np.array_equal(acc.people["death_cause"], cause))
    kernel = run_compiled(PROFILE, draws)
    same_counts = all(np.array_equal(kernel.counts[k], v) for k, v in acc.counts.items())
    if same_paths > 1e-9 or not same_deaths or not same_counts:
        raise SystemExit(f"engines disagree (max FEV1 difference {same_paths:g} L, deaths identical: {same_deaths}, "
                         f"compiled counts identical: {same_counts})")
    return (f"agree on {loop_n:,} people (max FEV1 difference {same_paths:.1e} L; identical ages and causes of "
            "death; the compiled kernel's outcome counts identical)")


def load_peer(path: Path) -> ModuleType:
    """Import another kernel file under its own name, from a temporary copy (numba caches beside the file)."""
    copy = Path(tempfile.mkdtemp(prefix="aatd-peer-kernel-")) / "aatd_peer_kernel.py"
    shutil.copyfile(path, copy)
    spec = importlib.util.spec_from_file_location("aatd_peer_kernel", copy)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["aatd_peer_kernel"] = module
    spec.loader.exec_module(module)
    return module


@contextmanager
def kernel(module: ModuleType | None) -> Iterator[None]:
    """Make :func:`aatd.risk.lung.run_compiled` use ``module`` as its kernel (``None``: this tree's)."""
    if module is None:
        yield
        return
    own = sys.modules["aatd.risk._kernel"]
    sys.modules["aatd.risk._kernel"] = module
    aatd.risk._kernel = module  # run_compiled imports it from the package
    try:
        yield
    finally:
        sys.modules["aatd.risk._kernel"] = own
        aatd.risk._kernel = own


def cpu_seconds(work: Callable[[], object]) -> float:
    start = time.process_time()
    work()
    return time.process_time() - start


def compile_seconds() -> tuple[float, float]:
    """CPU seconds of the first compiled simulation in a fresh process: with an empty numba cache (import numba,
    compile, write the cache), then again in another fresh process that loads what the first one cached."""
    code = ("import time; from aatd.risk.lung import Profile, simulate; "
            "p = Profile(genotype='ZZ', sex=0, age=20, height_cm=165.0); t = time.process_time(); "
            "simulate(p, n=1000, seed=1, engine='compiled'); print(time.process_time() - t)")
    times = []
    with tempfile.TemporaryDirectory(prefix="aatd-numba-cache-") as cache:
        for _ in range(2):
            out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                                 env={**os.environ, "NUMBA_CACHE_DIR": cache})
            times.append(float(out.stdout.strip().splitlines()[-1]))
    return times[0], times[1]


def time_kernels(n: int, repeats: int, peer: ModuleType | None) -> dict[str, list[float]]:
    """CPU seconds of ``repeats`` compiled simulations of ``n`` people per kernel, alternating run by run."""
    kernels: dict[str, ModuleType | None] = {"this tree": None}
    if peer is not None:
        kernels["peer"] = peer
    for module in kernels.values():  # warm: compile or load each kernel before timing
        with kernel(module):
            simulate(PROFILE, n=1000, seed=1, batches=BATCHES, engine="compiled")
    runs: dict[str, list[float]] = {name: [] for name in kernels}
    for r in range(repeats):
        order = list(kernels) if r % 2 == 0 else list(reversed(kernels))  # alternate who goes first
        for name in order:
            with kernel(kernels[name]):
                runs[name].append(cpu_seconds(
                    lambda: simulate(PROFILE, n=n, seed=0, batches=BATCHES, engine="compiled")))
    return runs


def summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return ordered[0], float(np.median(ordered))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("loop_n", nargs="?", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--peer-kernel", type=Path, help="another _kernel.py to time alongside (e.g. main's)")
    args = parser.parse_args()
    n, loop_n, repeats = args.n, args.loop_n, args.repeats
    numpy_n = min(n, 100_000)
    load_before = os.getloadavg()[0]
    schedule(PROFILE)  # warm the per-profile cache and the table loading
    peer = load_peer(args.peer_kernel) if args.peer_kernel else None
    wall = time.perf_counter()
    runs = time_kernels(n, repeats, peer)
    wall = time.perf_counter() - wall
    fast, median = summary(runs["this tree"])
    vectorised = cpu_seconds(lambda: simulate(PROFILE, n=numpy_n, seed=0, batches=BATCHES)) * n / numpy_n
    draws = draw(loop_n, np.random.default_rng(0), BATCHES)
    loop = cpu_seconds(lambda: simulate_reference(PROFILE, draws)) * n / loop_n
    checked = agreement(loop_n)
    compile_cold, compile_warm = compile_seconds()
    load_after = os.getloadavg()[0]
    peer_note = f" --peer-kernel {args.peer_kernel}" if peer is not None else ""
    lines = [
        "# Progression benchmark (risk model v2)",
        "",
        f"Command: `taskset -c 0 .venv/bin/python benchmarks/progression.py {n} {loop_n} --repeats {repeats}"
        f"{peer_note}`  ",
        f"Machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, one core "
        "(run it under `taskset -c 0`). Times are CPU seconds of this process; the machine is shared: load average "
        f"{load_before:.1f} before and {load_after:.1f} after on {os.cpu_count()} cores; the timed compiled runs "
        f"took {wall:.1f} s of wall-clock time in all.",
        "",
        "Profile: ZZ woman from age 20 to 90 (71 yearly steps), 20 cigarettes a day from 18 until 50, dust, heavy "
        f"alcohol, diabetes, ascertainment unknown, {BATCHES} parameter batches; FEV1, COPD, liver states and cause "
        "of death for every lifetime.",
        "",
        "| engine | people | CPU time (s) |",
        "|---|---|---|",
        f"| compiled kernel (`simulate(..., engine=\"compiled\")`, numba, 5 mL histograms), best / median of "
        f"{repeats} | {n:,} | {fast:.2f} / {median:.2f} |",
    ]
    if peer is not None:
        peer_fast, peer_median = summary(runs["peer"])
        lines.append(f"| peer kernel (`{args.peer_kernel}`, same plumbing, runs alternating with the above), best / "
                     f"median of {repeats} | {n:,} | {peer_fast:.2f} / {peer_median:.2f} |")
    lines += [
        f"| vectorised numpy (`simulate`), {numpy_n:,} timed, extrapolated | {n:,} | {vectorised:.1f} |",
        f"| per-person Python loop (`simulate_reference`), {loop_n:,} timed, extrapolated | {n:,} | {loop:.0f} |",
        "",
        f"Compiled vs loop: {loop / median:.0f}x; compiled vs numpy: {vectorised / median:.1f}x (medians). The "
        f"three {checked}. Aim: under 1 s on one core.",
        "",
        f"Every run (CPU s), this tree: {', '.join(f'{t:.3f}' for t in runs['this tree'])}.",
    ]
    if peer is not None:
        lines += [f"Every run (CPU s), peer: {', '.join(f'{t:.3f}' for t in runs['peer'])}. Median ratio this tree / "
                  f"peer: {median / summary(runs['peer'])[1]:.2f}."]
    lines += [
        "",
        f"Not in the timed runs: numba compiles the kernel once per machine and caches it on disk. The first "
        f"simulation in a fresh process took {compile_cold:.1f} CPU s with an empty cache (importing numba and "
        f"compiling) and {compile_warm:.2f} CPU s in the next fresh process, which loads the cache.",
        "",
    ]
    out = Path(__file__).parent / "results" / "progression.md"
    out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
