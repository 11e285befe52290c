"""Event-loop lag while worker threads run Python code, for several GIL switch intervals.

Why the health check answers late under load, reduced to its mechanism: the event loop sleeps in
``epoll`` without the global interpreter lock (GIL) and needs it back to answer. While worker
threads run Python code (SQLAlchemy, pydantic, Jinja in ``aatd serve``), CPython makes the loop
wait one switch interval (5 ms by default) before it asks the holder to let go, and then the
GIL may go to another waiting worker first. Here ``--threads`` threads run a pure-Python loop,
with a short pause (a stand-in for a database call) every ``--work-ms``, while the event loop
wakes every 2 ms; the lateness of each wake-up is recorded. Intervals are run alternately,
``--repeats`` times, in one process.

``--work sqlite`` makes each slice read 1,000 rows from an SQLite table instead (each thread its own
connection), as a patient's results list does. The sqlite3 module lets go of the GIL around every
``sqlite3_step`` (one per row); this shows whether those many short releases starve the loop (a thread
that lets go and takes the GIL straight back restarts the waiting loop's switch interval) or let it in
sooner than pure Python does (eighth wave, docs/hardening.md: sooner).

    .venv/bin/python benchmarks/loop_lag.py [--threads 4] [--seconds 3] [--repeats 3] [--work python|sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROWS = 1000
"""Rows read per slice with ``--work sqlite`` (a patient's results list late in the mixed load)."""


def _python_slice() -> None:
    sum(range(50))


def _sqlite_slice(path: Path) -> Callable[[], None]:
    """A slice that reads ``ROWS`` rows and makes a dict of each, on a connection of the calling thread."""
    connection = sqlite3.connect(path, check_same_thread=False)
    names = ("id", "kind", "value", "unit", "taken_on", "note")

    def read() -> None:
        rows = connection.execute("SELECT id, kind, value, unit, taken_on, note FROM results ORDER BY id").fetchall()
        [dict(zip(names, row, strict=True)) for row in rows]

    return read


def _make_table(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE results (id INTEGER PRIMARY KEY, kind TEXT, value REAL, unit TEXT, "
                           "taken_on TEXT, note TEXT)")
        connection.executemany("INSERT INTO results VALUES (?, 'level', 95.0, 'mg/dL', '2026-01-01', ?)",
                               [(i, f"writer {i % 50} #{i}") for i in range(ROWS)])


def _worker(stop: threading.Event, work_s: float, done: list[int], table: Path | None) -> None:
    """Work in slices of ``work_s`` of wall time (or more, when the GIL is elsewhere) with a pause after
    each; ``done`` counts the units of work (50-number sums, or reads of ``ROWS`` rows from ``table``),
    the threads' throughput."""
    unit = _python_slice if table is None else _sqlite_slice(table)
    n = 0
    while not stop.is_set():
        until = time.perf_counter() + work_s
        while time.perf_counter() < until:
            unit()
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


def measure(interval_s: float, threads: int, seconds: float, work_s: float,
            table: Path | None = None) -> tuple[list[float], int]:
    """Wake-up lateness of the event loop in ms, with ``threads`` busy threads at ``interval_s``, and
    the work the threads did meanwhile (units of :func:`_worker`)."""
    sys.setswitchinterval(interval_s)
    stop = threading.Event()
    done: list[int] = []
    pool = [threading.Thread(target=_worker, args=(stop, work_s, done, table), daemon=True) for _ in range(threads)]
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
    parser.add_argument("--work", choices=("python", "sqlite"), default="python",
                        help="what the threads do: pure Python, or reads of 1,000 rows from SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        table = None
        if args.work == "sqlite":
            table = Path(folder) / "results.sqlite"
            _make_table(table)
        _report(args, table)


def _report(args: argparse.Namespace, table: Path | None) -> None:
    intervals = [float(x) / 1000 for x in args.intervals_ms.split(",")]
    found: dict[float, list[float]] = {i: [] for i in intervals}
    work = dict.fromkeys(intervals, 0)
    for _ in range(args.repeats):
        for interval in intervals:
            lags, done = measure(interval, args.threads, args.seconds, args.work_ms / 1000, table)
            found[interval] += lags
            work[interval] += done
    print(f"{args.threads} busy threads ({args.work}), {args.work_ms:g} ms of work between pauses; load average "
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
