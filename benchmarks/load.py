"""Load test of the web API on loopback: throughput and p50/p99 latency with 50 concurrent clients.

Starts ``aatd serve`` on a free loopback port with a throwaway data directory, then runs
locust headless (in this process, no web UI) against one endpoint at a time for a bounded
time: the trivial ``/api/v1/health`` as the baseline, then the engine endpoints present in
this build (``interpret``, ``pedigree``, ``should-test``). Writes benchmarks/results/load.md.

    .venv/bin/python benchmarks/load.py [--seconds 20] [--users 50]

``--mixed`` runs the mixed scenarios of ``benchmarks/mixed_load.py`` instead (writers, readers and
anonymous heavy requests at once, on SQLite and PostgreSQL) and writes them to the "Mixed load"
section of benchmarks/results/load.md; ``--source DIR --label NAME`` serves another checkout.

    .venv/bin/python benchmarks/load.py --mixed [--seconds 20] [--source DIR --label before]
    .venv/bin/python benchmarks/load.py --mixed --seconds 15 --rounds 4 --versus DIR --versus-label before
"""

from __future__ import annotations

import sys

if "--mixed" not in sys.argv:  # locust needs gevent's patched sockets; the mixed run uses real threads
    from gevent import monkey

    monkey.patch_all()

import argparse
import os
import platform
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import gevent
from locust import FastHttpUser, constant, task
from locust.env import Environment

RESULTS = Path(__file__).with_name("results") / "load.md"
PEDIGREE = {"country": "Ireland", "members": [
    {"id": "f", "sex": "male", "genotype": "MZ"}, {"id": "m", "sex": "female", "phenotype": "MS"},
    {"id": "p", "sex": "female", "father": "f", "mother": "m", "genotype": "SZ"},
    {"id": "s", "sex": "male", "father": "f", "mother": "m", "level": {"value": 80, "unit": "mg/dL"}},
    {"id": "c", "sex": "female", "father": "f", "mother": "m"}]}
ENDPOINTS: dict[str, tuple[str, str, Any]] = {
    "health (baseline)": ("GET", "/api/v1/health", None),
    "interpret": ("POST", "/api/v1/interpret", {"genotype": "MZ", "level": "95", "unit": "mg/dL", "crp": "3"}),
    "pedigree": ("POST", "/api/v1/pedigree", PEDIGREE),
    "should-test": ("POST", "/api/v1/should-test", {"findings": ["copd"], "age": 50}),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(data_dir: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AATD_")} | {"AATD_DATA_DIR": data_dir}
    process = subprocess.Popen([sys.executable, "-m", "aatd", "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            with urllib.request.urlopen(f"{base}/api/v1/health", timeout=1):
                return process, base
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("aatd serve did not start")


def _available(base: str) -> set[str]:
    import json

    with urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=5) as response:
        return set(json.load(response)["paths"])


def _run(base: str, method: str, path: str, body: Any, users: int, seconds: float) -> dict[str, float]:
    class Client(FastHttpUser):
        host = base
        wait_time = constant(0)

        @task
        def call(self) -> None:
            with self.client.request(method, path, json=body, name=path, catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"status {response.status_code}")

    env = Environment(user_classes=[Client])
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=users)
    gevent.sleep(2)  # warm-up, then measure
    env.stats.reset_all()
    started = time.perf_counter()
    gevent.sleep(seconds)
    elapsed = time.perf_counter() - started
    stats = env.stats.get(path, method)
    result = {"requests": stats.num_requests, "failures": stats.num_failures, "rps": stats.num_requests / elapsed,
              "p50": stats.get_response_time_percentile(0.5), "p99": stats.get_response_time_percentile(0.99)}
    runner.quit()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measured time per endpoint")
    parser.add_argument("--users", type=int, default=50, help="concurrent clients")
    parser.add_argument("--mixed", action="store_true", help="run the mixed scenarios (see mixed_load.py)")
    parser.add_argument("--source", help="with --mixed: serve this checkout instead (for before/after)")
    parser.add_argument("--label", help="with --mixed: name of the code measured")
    parser.add_argument("--rounds", type=int, default=1, metavar="N",
                        help="with --mixed: N runs on each database, alternating, then the p99 of all their samples")
    parser.add_argument("--versus", metavar="DIR",
                        help="with --mixed: also serve this checkout in every round, alternately (the peer)")
    parser.add_argument("--versus-label", help="with --mixed --versus: name of the peer's code")
    parser.add_argument("--sqlite-only", action="store_true", help="with --mixed: skip PostgreSQL")
    parser.add_argument("--postgresql-only", action="store_true", help="with --mixed: skip SQLite")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        help="with --mixed: set this variable for the server (e.g. AATD_WORKER_THREADS=2); repeatable")
    parser.add_argument("--serve-arg", action="append", default=[], metavar="ARG",
                        help="with --mixed: pass ARG to this code's `aatd serve` (e.g. --serve-arg=--one-process)")
    parser.add_argument("--versus-serve-arg", action="append", default=[], metavar="ARG",
                        help="with --mixed --versus: pass ARG to the peer's `aatd serve`")
    parser.add_argument("--client-nice", type=int, default=0, metavar="N",
                        help="with --mixed: run the load clients' threads at niceness N (default 0, as before: the "
                             "clients compete with the server for the same cores; the health poller stays at 0)")
    args = parser.parse_args()
    if args.mixed:
        _mixed(args)
        return
    with tempfile.TemporaryDirectory(prefix="aatd-load-") as data_dir:
        process, base = _start_server(data_dir)
        try:
            present = _available(base)
            rows = []
            for name, (method, path, body) in ENDPOINTS.items():
                if path not in present:
                    rows.append(f"| {name} | `{method} {path}` | not in this build | | | | |")
                    continue
                r = _run(base, method, path, body, args.users, args.seconds)
                rows.append(f"| {name} | `{method} {path}` | {r['requests']:.0f} | {r['failures']:.0f} | "
                            f"{r['rps']:.0f} | {r['p50']:.0f} | {r['p99']:.0f} |")
                print(rows[-1], flush=True)
        finally:
            process.terminate()
            process.wait(timeout=20)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n".join([
        "# Web API load test",
        "",
        f"`benchmarks/load.py --seconds {args.seconds:g} --users {args.users}`: locust (headless, in process) against "
        "`aatd serve` (one uvicorn worker, SQLite) on 127.0.0.1; each endpoint measured alone for the given time "
        "after a 2 s warm-up. Latencies in milliseconds, from the client side.",
        "",
        f"Machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs "
        "(shared with other work while measured).",
        "",
        "| endpoint | request | requests | failures | requests/s | p50 ms | p99 ms |",
        "|---|---|---:|---:|---:|---:|---:|",
        *rows,
        "",
    ]), encoding="utf-8")
    print(f"wrote {RESULTS}")


MIXED_START, MIXED_END = "<!-- mixed load: start -->", "<!-- mixed load: end -->"


def _mixed(args: argparse.Namespace) -> None:
    """Run the mixed scenarios and add their rows to the "Mixed load" section of the results file."""
    sys.path.insert(0, str(Path(__file__).parent))
    import mixed_load

    rows = mixed_load.main(args)
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Web API load test\n"
    if MIXED_START in old:
        head, rest = old.split(MIXED_START, 1)
        kept = [line for line in rest.split(MIXED_END, 1)[0].splitlines() if line.startswith("| ")
                and not line.startswith("| code") and not line.startswith("|---")
                and not any(line.startswith(f"| {r.split(' | ')[0][2:]} |") for r in rows)]
        tail = rest.split(MIXED_END, 1)[1] if MIXED_END in rest else ""
    else:
        head, kept, tail = old.rstrip("\n") + "\n\n", [], ""
    section = [
        MIXED_START, "## Mixed load", "",
        f"`benchmarks/load.py --mixed --seconds {args.seconds:g}` (and `--source DIR --label NAME` for another "
        "checkout): for each database a fresh `aatd serve` (one uvicorn worker), then at once for the given time: "
        f"{mixed_load.API_WRITERS} API and {mixed_load.FORM_WRITERS} form writers on one patient (every tenth API "
        f"write retried with the same Idempotency-Key), {mixed_load.READERS} readers of that patient, "
        f"{mixed_load.ANONYMOUS} anonymous clients posting a 100-member pedigree with `?plan=true`, one posting a "
        "20,000-character genotype to `/public/my-result`, and the health check every 50 ms (also for the same time "
        "with the server idle, just before: the idle p50/p99); beside it, every 50 ms, the app probe: "
        f"`GET {mixed_load.APP_PROBE}`, a 404 answered on the app's own event loop (with `aatd serve` in two "
        "processes the health check is answered by the front process, so this shows what the health check showed "
        "in one process). The clients run in the benchmark's own process on the "
        "server's cores; with `--client-nice N` their threads run at niceness N (the health poller at 0), which is "
        "nearer to clients on other machines; rows say which. With `--rounds N` each database is run N times, "
        "alternately (with `--versus DIR`, that checkout too, in every round), and a pooled row gives the "
        "percentiles of all their samples together. "
        "CPU s: used during the load by the clients and by "
        "the server with its engine processes. Lost = acknowledged "
        "but not stored; duplicated = stored more than once. 429/503 to anonymous clients are the compute budget.",
        "", f"Machine: {platform.platform()}, {os.cpu_count()} CPUs shared with other work (load average "
        f"{os.getloadavg()[0]:.0f} at the end).", "",
        "| code, database | clients | requests | answers by status |", "|---|---|---:|---|",
        *kept, *rows, MIXED_END]
    RESULTS.write_text(head + "\n".join(section) + tail, encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
