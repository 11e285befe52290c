"""Where the time of a large CDS Hooks call goes: a prefetch of 5,000 Observations (about 1.7 MB of JSON).

Phases, each the best of ``--repeat`` runs, in this process: the strict parse and check of the body
(``StrictInput``: on a worker thread of its own for bodies over 64 KB since the tenth wave), the plain
``json.loads`` FastAPI does again for the route, the service itself (``call_service``), and the whole call
through the app in process (``TestClient``, anonymous, ``AATD_ENV=local``).

    python benchmarks/cds_prefetch.py [--observations 5000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def best_ms(work: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from aatd.interop.cds_hooks import call_service
    from aatd.web import middleware
    from aatd.web.app import create_app
    from aatd.web.cds_auth import CdsSettings, ReplayCache
    from web.conftest import make_settings
    from web.test_cds_hooks import genotype, level, request, searchset

    observations = [level(55 + i % 50) for i in range(args.observations - 1)] + [genotype("PI*SZ")]
    body = json.dumps(request(prefetch={"results": searchset(*observations), "lung": None})).encode()
    doc = json.loads(body)
    rows = {"strict parse and check (StrictInput)": best_ms(lambda: middleware._problem(body), args.repeat),
            "json.loads again (FastAPI)": best_ms(lambda: json.loads(body), args.repeat),
            "the service (call_service)": best_ms(lambda: call_service("aatd-interpret", doc), args.repeat)}
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(make_settings(Path(tmp), f"sqlite:///{tmp}/aatd.sqlite3"))
        app.state.cds_settings = CdsSettings(env="local")
        app.state.cds_replays = ReplayCache()
        with TestClient(app) as client:
            def whole() -> None:
                answer = client.post("/cds-services/aatd-interpret", content=body,
                                     headers={"content-type": "application/json"})
                assert answer.status_code == 200, answer.text[:200]

            rows["whole call through the app"] = best_ms(whole, args.repeat)
        app.state.engine.dispose()
    print(f"{args.observations:,} Observations, {len(body) / 1e6:.1f} MB of JSON; best of {args.repeat}:")
    print("| phase | ms |\n|---|---:|")
    for name, ms in rows.items():
        print(f"| {name} | {ms:.0f} |")


if __name__ == "__main__":
    main()
