"""Large families and large FHIR imports for logged-in users: this tree against an older aatd, side by side.

Run: ``nice -n 10 .venv/bin/python benchmarks/large_families.py [--peer REF] [--sizes 100,250,500,1000]``.

The peer is aatd at git ref ``--peer`` (default ``main``), exported with ``git archive`` into a
temporary directory; every measurement runs in a fresh child process (niceness 10) whose
``PYTHONPATH`` holds either this tree's ``src`` or the peer's, alternately, in the same run, with
the same inputs, so the ratios do not depend on how busy the shared machine is at one moment.

Families (members counted, generated here, seeded):

- **chain**: one line of descent with a partner in each generation (the review's shape: the proband
  at the top, ZZ); ``n / 2`` generations.
- **wide**: two MZ parents and ``n - 2`` children (a ZZ proband among them): one huge sibship.
- **tree**: a realistic multi-generation family grown from a ZZ founder couple, 1-4 children per
  couple, 70% of children with a partner, 20% genotyped (alleles dropped from the founders).

For each family two timings (seconds, best of ``--repeat`` in one process after a warm-up run on
a 3-member family, so start-up and table reading are not counted):

- **API**: ``pedigree_report(doc, plan=True)`` (what ``POST /api/v1/pedigree?plan=true`` computes);
- **page**: ``family_answer(doc, plan=True)`` and ``pedigree_svg`` (what the clinician family
  page computes on its first view, before its cache).

The two trees' answers are compared in the run: the JSON answers must be equal (probabilities to
1e-12) and the SVG drawings identical.

**FHIR import**: ``POST /api/v1/patients/{id}/fhir`` of a Bundle of 5,000 CRP Observations through
the app (TestClient, SQLite in a temporary directory), timed from the request to the answer;
the stored rows and audit events are compared by count.

Results go to ``benchmarks/results/large_families.md``, with the machine's load (``uptime``).
"""

from __future__ import annotations

import argparse
import json
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
RESULTS = HERE / "results" / "large_families.md"

CHILD = r'''
import json, os, random, sys, time, warnings
warnings.simplefilter("ignore")
os.nice(int(os.environ.get("BENCH_NICE", "0")))
job = json.loads(sys.argv[1])


def chain(n):
    ms = [{"id": "g0", "sex": "male", "genotype": "ZZ"}, {"id": "w0", "sex": "female"}]
    for i in range(1, n // 2):
        ms += [{"id": f"g{i}", "sex": "male", "father": f"g{i-1}", "mother": f"w{i-1}"},
               {"id": f"w{i}", "sex": "female"}]
    return {"country": "USA", "members": ms}


def wide(n):
    ms = [{"id": "f", "sex": "male", "genotype": "MZ"}, {"id": "m", "sex": "female", "genotype": "MZ"}]
    for i in range(n - 2):
        ms.append({"id": f"c{i}", "sex": ["male", "female"][i % 2], "father": "f", "mother": "m",
                   **({"genotype": "ZZ", "proband": True} if i == 0 else {})})
    return {"country": "USA", "members": ms}


def tree(n, seed=1):
    rng = random.Random(seed)
    ms = [{"id": "a0", "sex": "male", "genotype": "ZZ", "proband": True}, {"id": "a1", "sex": "female"}]
    alleles = {"a0": "ZZ", "a1": "MM"}
    generation, k = [("a0", "a1")], 2
    while len(ms) < n:
        nxt = []
        for f, m in generation:
            for _ in range(rng.randint(1, 4)):
                if len(ms) >= n:
                    break
                sex, child = rng.choice(["male", "female"]), f"p{k}"
                k += 1
                alleles[child] = rng.choice(alleles[f]) + rng.choice(alleles[m])
                row = {"id": child, "sex": sex, "father": f, "mother": m}
                if rng.random() < 0.2:
                    row["genotype"] = alleles[child]
                ms.append(row)
                if len(ms) < n and rng.random() < 0.7:
                    partner = f"p{k}"
                    k += 1
                    alleles[partner] = rng.choice("M" * 17 + "SZ") + rng.choice("M" * 18 + "SZ")
                    ms.append({"id": partner, "sex": "female" if sex == "male" else "male"})
                    nxt.append((child, partner) if sex == "male" else (partner, child))
        generation = nxt or generation
    return {"country": "USA", "members": ms}


def family_job():
    from aatd.family.answers import family_answer, pedigree_report
    from aatd.family.drawing import pedigree_svg
    doc = {"chain": chain, "wide": wide, "tree": tree}[job["shape"]](job["n"])
    small = {"country": "USA", "members": doc["members"][:2]}
    pedigree_report(small, plan=True)
    result, _ = family_answer(small, plan=True)
    pedigree_svg(result.pedigree, result, title="w")
    api, page = [], []
    for _ in range(job["repeat"]):
        t = time.perf_counter()
        answer = pedigree_report(doc, plan=True)
        api.append(time.perf_counter() - t)
        t = time.perf_counter()
        result, _ = family_answer(doc, plan=True)
        svg = pedigree_svg(result.pedigree, result, title="family")
        page.append(time.perf_counter() - t)
    answer.pop("provenance", None)
    with open(job["out"], "w") as fh:
        json.dump({"answer": answer, "svg": svg}, fh)
    return {"api": min(api), "page": min(page), "members": len(doc["members"])}


def fhir_job():
    import tempfile
    from pathlib import Path
    from fastapi.testclient import TestClient
    from sqlalchemy import func, select
    from aatd.web.app import create_app
    from aatd.web.db import transaction
    from aatd.web.models import AuditEvent, Result
    from aatd.web.settings import Settings
    from aatd.web.workspace import accounts
    tmp = Path(tempfile.mkdtemp())
    app = create_app(Settings(data_dir=tmp, database_url=f"sqlite:///{tmp / 'a.sqlite3'}",
                              secret_key="bench-" + "k" * 40))
    password = "correct horse battery staple"
    with transaction(app.state.sessions) as db:
        accounts.create_user(db, accounts.organisation(db, "Clinic", create=True), "doc@a.org", password, "clinician")
    obs = [{"resource": {"resourceType": "Observation", "id": f"c{i}", "status": "final",
                         "code": {"coding": [{"system": "http://loinc.org", "code": "1988-5"}]},
                         "effectiveDateTime": f"20{10 + i % 14:02d}-0{1 + i % 9}-1{i % 10}",
                         "valueQuantity": {"value": 1 + i % 50, "unit": "mg/L"}}} for i in range(job["n"])]
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": obs}
    with TestClient(app) as client:
        token = client.post("/api/v1/auth/token", json={"email": "doc@a.org", "password": password}).json()["token"]
        h = {"Authorization": f"Bearer {token}"}
        pid = client.post("/api/v1/patients", json={"label": "Ann", "sex": "female"}, headers=h).json()["id"]
        client.post(f"/api/v1/patients/{pid}/fhir", json={"resourceType": "Bundle", "type": "collection",
                                                         "entry": obs[:2]}, headers=h)
        t = time.perf_counter()
        r = client.post(f"/api/v1/patients/{pid}/fhir", json=bundle, headers=h)
        seconds = time.perf_counter() - t
        assert r.status_code == 201, r.text
    with transaction(app.state.sessions) as db:
        results = db.scalar(select(func.count()).select_from(Result))
        events = db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == "result"))
    app.state.engine.dispose()
    return {"fhir": seconds, "results": results, "events": events}


if __name__ == "__main__":
    out = family_job() if job["kind"] == "family" else fhir_job()
    print("RESULT " + json.dumps(out))
'''


def same_answer(a: Any, b: Any) -> bool:
    """JSON answers equal, floats to 1e-12."""
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_answer(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_answer(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--peer", default="main", help="git ref of the older aatd (default main)")
    parser.add_argument("--sizes", default="100,250,500,1000")
    parser.add_argument("--shapes", default="chain,wide,tree")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--fhir", type=int, default=5000, help="CRP observations in the import (0: skip)")
    args = parser.parse_args()
    ours = ROOT / "src"
    load_before = uptime()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        peer = export_peer(args.peer, Path(tmp))
        for shape in args.shapes.split(","):
            for n in (int(x) for x in args.sizes.split(",")):
                outs = {name: Path(tmp) / f"{name}-{shape}-{n}.json" for name in ("new", "old")}
                base = {"kind": "family", "shape": shape, "n": n, "repeat": args.repeat}
                new = run_child(CHILD, ours, base | {"out": str(outs["new"])})
                old = run_child(CHILD, peer, base | {"out": str(outs["old"]), "repeat": 1 if n >= 500 else args.repeat})
                a, b = (json.loads(outs[k].read_text()) for k in ("new", "old"))
                row = {"shape": shape, "n": new["members"], "new_api": new["api"], "old_api": old["api"],
                       "new_page": new["page"], "old_page": old["page"],
                       "same_answer": same_answer(a["answer"], b["answer"]), "same_svg": a["svg"] == b["svg"]}
                rows.append(row)
                print(row, flush=True)
        fhir = None
        if args.fhir:
            new_f = run_child(CHILD, ours, {"kind": "fhir", "n": args.fhir})
            old_f = run_child(CHILD, peer, {"kind": "fhir", "n": args.fhir})
            fhir = {"n": args.fhir, "new": new_f, "old": old_f}
            print(fhir, flush=True)
    write(rows, fhir, args, load_before, uptime())


def write(rows: list[dict[str, Any]], fhir: dict[str, Any] | None, args: argparse.Namespace, before: str,
          after: str) -> None:
    lines = ["# Large families and FHIR imports: this tree against the older aatd, same run", "",
             f"Command: `nice -n 10 .venv/bin/python benchmarks/large_families.py --peer {args.peer} "
             f"--sizes {args.sizes} --shapes {args.shapes} --repeat {args.repeat} --fhir {args.fhir}`", "",
             f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
             f"{platform.python_version()}; children at niceness {NICENESS}. Load before: `{before}`; "
             f"after: `{after}` (a shared machine: read the ratios, not the seconds).", "",
             "Seconds (best of the repeats; the older code once from 500 members). *API*: "
             "`pedigree_report(plan=True)`; *page*: `family_answer(plan=True)` + `pedigree_svg` (the family page's "
             "first view). Answers: the two JSON answers equal (probabilities to 1e-12) and the SVGs identical.", "",
             "| family | members | API before | API now | API speed-up | page before | page now | page speed-up "
             "| same answer | same SVG |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for r in rows:
        lines.append(f"| {r['shape']} | {r['n']} | {r['old_api']:.2f} | {r['new_api']:.2f} | "
                     f"{r['old_api'] / r['new_api']:.1f}x | {r['old_page']:.2f} | {r['new_page']:.2f} | "
                     f"{r['old_page'] / r['new_page']:.1f}x | {'yes' if r['same_answer'] else 'NO'} | "
                     f"{'yes' if r['same_svg'] else 'NO'} |")
    if fhir is not None:
        new, old = fhir["new"], fhir["old"]
        lines += ["", f"FHIR import of {fhir['n']:,} CRP Observations (`POST /api/v1/patients/{{id}}/fhir`, SQLite, "
                  "TestClient, after a 2-observation warm-up import):", "",
                  "| | seconds | results stored | result audit events |", "|---|---:|---:|---:|",
                  f"| before | {old['fhir']:.2f} | {old['results']} | {old['events']} |",
                  f"| now | {new['fhir']:.2f} | {new['results']} | {new['events']} |",
                  f"| speed-up | {old['fhir'] / new['fhir']:.1f}x | | |"]
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
