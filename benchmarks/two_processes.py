"""What the hop between the two processes of ``aatd serve`` costs a request: one client, one request at a time.

For each route, ``aatd serve`` (front process + app process) and ``aatd serve --one-process`` are started
alternately on a fresh SQLite data directory, and one client sends the same requests one after another:
the median and p90 time to the whole answer, and the server's CPU time per request (all its processes,
engines included, from /proc). The peer is the same code in one process, measured in the same run.

    python benchmarks/two_processes.py [--requests 400] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
import mixed_load

ROUTES = {
    "health check": ("GET", "/api/v1/health", None),
    "404 (app router)": ("GET", "/api/v1/no-such-route", None),
    "genotype (engine in a worker thread)": ("GET", "/api/v1/genotype?genotype=PI*SZ", None),
    "patient read (database)": ("GET", "PATIENT", None),
    "result write (database, audited)": ("POST", "RESULTS", {"kind": "crp", "taken_on": "2024-01-01", "value": 2}),
}
MODES = {"two processes": [], "one process": ["--one-process"]}


def _measure(base: str, pid: int, requests: int) -> dict[str, tuple[float, float, float]]:
    """Per route: median ms, p90 ms, server CPU ms per request."""
    out = {}
    with httpx.Client(base_url=base, timeout=60) as client:
        token = client.post("/api/v1/auth/token", json={"email": "a@a.org", "password": mixed_load.PASSWORD}
                            ).json()["token"]
        client.headers["authorization"] = f"Bearer {token}"
        patient = client.post("/api/v1/patients", json={"label": "Hop", "sex": "female"}).json()["id"]
        for name, (method, path, body) in ROUTES.items():
            path = {"PATIENT": f"/api/v1/patients/{patient}",
                    "RESULTS": f"/api/v1/patients/{patient}/results"}.get(path, path)
            for _ in range(20):  # warm
                client.request(method, path, json=body)
            times = []
            cpu = mixed_load.cpu_seconds(pid)
            for _ in range(requests):
                started = time.perf_counter()
                client.request(method, path, json=body)
                times.append((time.perf_counter() - started) * 1000)
            cpu = (mixed_load.cpu_seconds(pid) - cpu) * 1000 / requests
            times.sort()
            out[name] = (statistics.median(times), times[int(0.9 * len(times))], cpu)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, dict[str, list[tuple[float, float, float]]]] = {m: {r: [] for r in ROUTES} for m in MODES}
    for _ in range(args.rounds):
        for mode, serve_args in MODES.items():
            with mixed_load.server(None, None, None, serve_args) as (base, _env, pid):
                for route, figures in _measure(base, pid, args.requests).items():
                    results[mode][route].append(figures)
    print("| route | two processes: median / p90 ms, CPU ms per request | one process | ratio of medians |")
    print("|---|---|---|---:|")
    for route in ROUTES:
        cells = []
        medians = []
        for mode in MODES:
            runs = results[mode][route]
            median = statistics.median(r[0] for r in runs)
            medians.append(median)
            cells.append(f"{median:.2f} / {statistics.median(r[1] for r in runs):.2f}, "
                         f"{statistics.median(r[2] for r in runs):.2f}")
        print(f"| {route} | {cells[0]} | {cells[1]} | {medians[0] / medians[1]:.2f} |")


if __name__ == "__main__":
    main()
