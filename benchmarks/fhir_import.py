"""The FHIR import of 5,000 Observations and the audit chain's append at commit: this tree against ``main``.

``POST /api/v1/patients/{id}/fhir`` of a Bundle of 5,000 CRP Observations stores 5,000 results and chains 5,000
``create`` events when its transaction commits (``aatd.web.workspace.audit._append``): the ninth wave found most
of the 2.5 s left there (docs/large-families.md). Two timings, each in a fresh interpreter per tree, the trees
alternating in the same run (``git archive`` of ``--peer``, default ``main``, as ``benchmarks/large_families.py``):

- **append**: one transaction that queues 5,000 audit events (``audit.record``) and commits, timed around the
  commit (the chain lock, the head read, 5,000 SHA-256 hashes and the insert);
- **phases**: the import's steps in-process, without HTTP: read the Bundle (``read_results``), store the rows
  (``Workspace.add_results``), commit (where the audit append runs);
- **import**: the whole request through the app (TestClient, SQLite in a temporary directory), after a warm-up
  import of 2 Observations.

After each run the whole log is checked with ``audit.verify`` (every event chained, each hash recomputed), and the
stored results and events are counted, so a faster tree that chained less would show. Results (best of
``--rounds``; the machine's load before and after) go to ``benchmarks/results/fhir_import.md``.

    nice -n 10 .venv/bin/python benchmarks/fhir_import.py [--peer main] [--n 5000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from peer import NICENESS, export_peer, run_child, uptime

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "fhir_import.md"

CHILD = r'''
import json, os, sys, tempfile, time, warnings
from pathlib import Path
warnings.simplefilter("ignore")
os.nice(int(os.environ.get("BENCH_NICE", "0")))
job = json.loads(sys.argv[1])


def app_with_user():
    from aatd.web.app import create_app
    from aatd.web.db import transaction
    from aatd.web.settings import Settings
    from aatd.web.workspace import accounts
    tmp = Path(tempfile.mkdtemp())
    app = create_app(Settings(data_dir=tmp, database_url=f"sqlite:///{tmp / 'a.sqlite3'}",
                              secret_key="bench-" + "k" * 40))
    with transaction(app.state.sessions) as db:
        accounts.create_user(db, accounts.organisation(db, "Clinic", create=True), "doc@a.org", PASSWORD, "clinician")
    return app


PASSWORD = "correct horse battery staple"


def checked(app):
    from sqlalchemy import func, select
    from aatd.web.db import transaction
    from aatd.web.models import AuditEvent, Result
    from aatd.web.workspace import audit
    with transaction(app.state.sessions) as db:
        report = audit.verify(db)
        results = db.scalar(select(func.count()).select_from(Result))
        events = db.scalar(select(func.count()).select_from(AuditEvent))
    return {"verified": report.ok, "results": results, "events": events}


def append_job(app):
    from aatd.web.db import transaction
    from aatd.web.workspace import audit
    with transaction(app.state.sessions) as db:  # warm-up: the chain's first event
        audit.record(db, None, "read", "patient", 0, actor="bench@example.org", detail={"i": 0})
    db_cm = transaction(app.state.sessions)
    db = db_cm.__enter__()
    for i in range(job["n"]):
        audit.record(db, None, "create", "result", i, actor="doc@a.org", detail={"patient_id": 1, "kind": "crp"})
    t = time.perf_counter()
    db_cm.__exit__(None, None, None)
    return time.perf_counter() - t


def phases_job(app):
    """The import's steps in-process, without HTTP: read the Bundle, store the rows, commit (the audit append)."""
    import inspect
    from aatd.interop.fhir_in import read_results
    from aatd.web.db import transaction
    from aatd.web.models import User
    from aatd.web.workspace.repository import Workspace
    with transaction(app.state.sessions) as db:
        user = db.scalars(__import__("sqlalchemy").select(User)).first()
        pid = Workspace(db, user).create_patient({"label": "Ann", "sex": "female"}).id
    keep = {"keep_status": True} if "keep_status" in inspect.signature(Workspace.add_results).parameters else {}
    t0 = time.perf_counter()
    cm = transaction(app.state.sessions)
    db = cm.__enter__()
    ws = Workspace(db, db.scalars(__import__("sqlalchemy").select(User)).first())
    read = read_results({"resourceType": "Bundle", "type": "collection", "entry": observations()})
    t1 = time.perf_counter()
    rows = [{k: v for k, v in r.items() if k != "source"} | {"taken_on": r["taken_on"][:10], "note": "FHIR x"}
            for r in read.results]
    ws.add_results(pid, rows, **keep)
    t2 = time.perf_counter()
    cm.__exit__(None, None, None)
    t3 = time.perf_counter()
    return {"read": t1 - t0, "store": t2 - t1, "commit": t3 - t2, "total": t3 - t0}


def observations():
    return [{"resource": {"resourceType": "Observation", "id": f"c{i}", "status": "final",
                          "code": {"coding": [{"system": "http://loinc.org", "code": "1988-5"}]},
                          "effectiveDateTime": f"20{10 + i % 14:02d}-0{1 + i % 9}-1{i % 10}",
                          "valueQuantity": {"value": 1 + i % 50, "unit": "mg/L"}}} for i in range(job["n"])]


def import_job(app):
    from fastapi.testclient import TestClient
    obs = observations()
    with TestClient(app) as client:
        token = client.post("/api/v1/auth/token", json={"email": "doc@a.org", "password": PASSWORD}).json()["token"]
        h = {"Authorization": f"Bearer {token}"}
        pid = client.post("/api/v1/patients", json={"label": "Ann", "sex": "female"}, headers=h).json()["id"]
        client.post(f"/api/v1/patients/{pid}/fhir", json={"resourceType": "Bundle", "type": "collection",
                                                         "entry": obs[:2]}, headers=h)
        t = time.perf_counter()
        r = client.post(f"/api/v1/patients/{pid}/fhir", json={"resourceType": "Bundle", "type": "collection",
                                                             "entry": obs}, headers=h)
        seconds = time.perf_counter() - t
        assert r.status_code == 201, r.text
    return seconds


if __name__ == "__main__":
    app = app_with_user()
    if job["kind"] == "phases":
        steps = phases_job(app)
        out = {"seconds": steps["total"], "steps": steps} | checked(app)
    else:
        seconds = append_job(app) if job["kind"] == "append" else import_job(app)
        out = {"seconds": seconds} | checked(app)
    app.state.engine.dispose()
    print("RESULT " + json.dumps(out))
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--peer", default="main", help="git ref of the older aatd (default main)")
    parser.add_argument("--n", type=int, default=5000, help="Observations imported, events appended")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    before = uptime()
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"now": ROOT / "src", "before": export_peer(args.peer, Path(tmp))}
        for _ in range(args.rounds):
            for kind in ("append", "phases", "import"):
                for name, src in trees.items():
                    out = run_child(CHILD, src, {"kind": kind, "n": args.n})
                    runs.setdefault((kind, name), []).append(out)
                    print(kind, name, out, flush=True)
    write(runs, args, before, uptime())


def write(runs: dict[tuple[str, str], list[dict[str, Any]]], args: argparse.Namespace, before: str,
          after: str) -> None:
    lines = ["# FHIR import and audit append: this tree against the older aatd, same run", "",
             f"Command: `nice -n 10 .venv/bin/python benchmarks/fhir_import.py --peer {args.peer} --n {args.n} "
             f"--rounds {args.rounds}`", "",
             f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
             f"{platform.python_version()}; children at niceness {NICENESS}. Load before: `{before}`; "
             f"after: `{after}` (a shared machine: read the ratios, not the seconds).", "",
             "Seconds, best of the rounds (the trees alternate). *append*: committing a transaction that queued "
             f"{args.n:,} audit events; *phases*: the import's steps in-process (read the Bundle, store the rows, "
             "commit with the audit append), without HTTP; *import*: `POST /api/v1/patients/{id}/fhir` of "
             f"{args.n:,} CRP Observations (SQLite). *verified*: `audit.verify` recomputed every hash of the log "
             "after each run.", "",
             "| task | before (s) | now (s) | speed-up | results stored (before / now) | events (before / now) "
             "| verified |", "|---|---:|---:|---:|---|---|---|"]
    for kind in ("append", "phases", "import"):
        old, new = runs[(kind, "before")], runs[(kind, "now")]
        best_old, best_new = min(r["seconds"] for r in old), min(r["seconds"] for r in new)
        verified = all(r["verified"] for r in old + new)
        lines.append(f"| {kind} | {best_old:.3f} | {best_new:.3f} | {best_old / best_new:.2f}x | "
                     f"{old[-1]['results']} / {new[-1]['results']} | {old[-1]['events']} / {new[-1]['events']} | "
                     f"{'yes' if verified else 'NO'} |")
    lines += ["", "The import's steps (best of the rounds, seconds):", "", "| step | before | now | speed-up |",
              "|---|---:|---:|---:|"]
    for step in ("read", "store", "commit"):
        old_s = min(r["steps"][step] for r in runs[("phases", "before")])
        new_s = min(r["steps"][step] for r in runs[("phases", "now")])
        lines.append(f"| {step} | {old_s:.3f} | {new_s:.3f} | {old_s / new_s:.2f}x |")
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
