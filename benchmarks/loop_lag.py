"""Event-loop lag while worker threads run Python code, for several GIL switch intervals.

Why the health check answers late under load, reduced to its mechanism: the event loop sleeps in
``epoll`` without the global interpreter lock (GIL) and needs it back to answer. While worker
threads run Python code (SQLAlchemy, pydantic, Jinja in ``aatd serve``), CPython makes the loop
wait one switch interval (5 ms by default) before it asks the holder to let go, and then the
GIL may go to another waiting worker first. Here ``--threads`` threads run a pure-Python loop,
with a short pause (a stand-in for a database call) every ``--work-ms``, while the event loop
wakes every 2 ms; the lateness of each wake-up is recorded. Intervals are run alternately,
``--repeats`` times, in one process.

    .venv/bin/python benchmarks/loop_lag.py [--threads 4] [--seconds 3] [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import threading
import time


def _worker(stop: threading.Event, work_s: float, done: list[int]) -> None:
    """Python work in slices of ``work_s`` of wall time (or more, when the GIL is elsewhere) with a
    pause after each; ``done`` counts the slices of 50-number sums, the threads' throughput."""
    n = 0
    while not stop.is_set():
        until = time.perf_counter() + work_s
        while time.perf_counter() < until:
            sum(range(50))
            n += 1
        time.sleep(0.0002)  # a database call: the GIL is released
    done.append(n)


async def _lags(seconds: float) -> list[float]:
    lags = []
    stop = time.perf_counter() + seconds
    while time.perf_counter() < stop:
        started = time.perf_counter()
        await asyncio.sleep(0.002)
        lags.append((time.perf_counter() - started - 0.002) * 1000)
    return lags


def measure(interval_s: float, threads: int, seconds: float, work_s: float) -> tuple[list[float], int]:
    """Wake-up lateness of the event loop in ms, with ``threads`` busy threads at ``interval_s``, and
    the work the threads did meanwhile (sums)."""
    sys.setswitchinterval(interval_s)
    stop = threading.Event()
    done: list[int] = []
    pool = [threading.Thread(target=_worker, args=(stop, work_s, done), daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()
    try:
        lags = asyncio.run(_lags(seconds))
    finally:
        stop.set()
        for t in pool:
            t.join()
    return lags, sum(done)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work-ms", type=float, default=3.0, help="Python work between two pauses, per thread")
    parser.add_argument("--intervals-ms", default="5,1,0.5", help="GIL switch intervals to compare (ms)")
    args = parser.parse_args()
    intervals = [float(x) / 1000 for x in args.intervals_ms.split(",")]
    found: dict[float, list[float]] = {i: [] for i in intervals}
    work = dict.fromkeys(intervals, 0)
    for _ in range(args.repeats):
        for interval in intervals:
            lags, done = measure(interval, args.threads, args.seconds, args.work_ms / 1000)
            found[interval] += lags
            work[interval] += done
    print(f"{args.threads} busy threads, {args.work_ms:g} ms of Python between pauses; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("| switch interval | wake-ups | lag p50 ms | p99 ms | mean ms | threads' work (vs first) |")
    print("|---:|---:|---:|---:|---:|---:|")
    first = work[intervals[0]] or 1
    for interval, lags in found.items():
        lags.sort()
        print(f"| {interval * 1000:g} ms | {len(lags)} | {statistics.median(lags):.2f} | "
              f"{lags[int(0.99 * len(lags))]:.2f} | {statistics.fmean(lags):.2f} | {work[interval] / first:.2f}x |")


if __name__ == "__main__":
    main()
