"""Cost of the API's list of a patient's results, side by side with the same list built from ORM objects.

``GET /api/v1/patients/{id}/results`` reads the results as column values
(``Workspace.result_values``) and validates them into the answer in one call. The peer is the way
it was built before: ORM objects (``Workspace.results``), one ``ResultOut.model_validate`` each.
Both are timed from the query to the JSON bytes (the same bytes, checked), with the interpreter's
CPU time of this thread, and the number of objects the cyclic garbage collector has to track while
the list is built (what makes young-generation collections, which hold the interpreter lock, more
frequent under load).

    python benchmarks/results_list.py [--results 1000 5000] [--repeat 15] [--database URL]

Writes benchmarks/results/results_list_<database>.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from aatd.web.api.results import RESULT_LIST
from aatd.web.db import make_engine, migrate, session_factory, transaction
from aatd.web.models import Family, Organisation, Patient, Result, User
from aatd.web.schemas import ResultOut
from aatd.web.workspace.repository import Workspace

HERE = Path(__file__).resolve().parent
KINDS: list[dict[str, Any]] = [{"kind": "crp", "value": 2.0, "unit": "mg/L"},
                              {"kind": "level", "value": 95.0, "unit": "mg/dL", "method": "nephelometry"},
                              {"kind": "genotype", "text": "PI*MZ", "note": "family screening"},
                              {"kind": "spirometry", "fev1_l": 2.1, "fvc_l": 3.4}]


def _seed(engine: Engine, n: int) -> tuple[int, int]:
    """An organisation, a user and a patient with ``n`` results; returns (user id, patient id)."""
    with transaction(session_factory(engine)) as db:
        org = Organisation(name="Bench", name_key="bench")
        db.add(org)
        db.flush()
        user = User(organisation_id=org.id, email="bench@example.org", password_hash="-", role="clinician")
        family = Family(organisation_id=org.id, name="Bench")
        db.add_all([user, family])
        db.flush()
        patient = Patient(organisation_id=org.id, family_id=family.id, label="Bench", sex="female")
        db.add(patient)
        db.flush()
        start = dt.date(2000, 1, 1)
        db.add_all(Result(organisation_id=org.id, patient_id=patient.id, taken_on=start + dt.timedelta(days=i),
                          **KINDS[i % len(KINDS)]) for i in range(n))
        return user.id, patient.id


def _as_values(ws: Workspace, patient: Patient) -> list[ResultOut]:
    return RESULT_LIST.validate_python(ws.result_values(patient, include_retracted=True))


def _as_orm_objects(ws: Workspace, patient: Patient) -> list[ResultOut]:
    return [ResultOut.model_validate(r) for r in ws.results(patient, include_retracted=True)]


def _measure(engine: Engine, ids: tuple[int, int], build: Callable[[Workspace, Patient], list[ResultOut]],
             repeat: int) -> dict[str, Any]:
    """Median CPU ms of ``build`` and the JSON dump over ``repeat`` runs, the JSON, and how many more objects
    the collector tracks while the answer is written than before the query (collection off meanwhile)."""
    times, tracked, out = [], 0, b""
    for _ in range(repeat):
        with transaction(session_factory(engine)) as db:
            ws = Workspace(db, db.get_one(User, ids[0]))
            patient = ws.patient(ids[1], audit_read=False)
            gc.collect()
            gc.disable()
            before = gc.get_count()[0]
            started = time.thread_time()
            answer = build(ws, patient)
            tracked = gc.get_count()[0] - before
            out = RESULT_LIST.dump_json(answer)
            times.append(1000 * (time.thread_time() - started))
            del answer
            gc.enable()
    return {"ms": statistics.median(times), "tracked": tracked, "out": out}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, nargs="+", default=[1000, 5000], help="results of the patient")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database", default=None, help="an empty database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    rows, backend = [], "sqlite"
    for n in args.results:
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(args.database or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
            migrate(engine)
            backend = engine.dialect.name
            ids = _seed(engine, n)
            values = _measure(engine, ids, _as_values, args.repeat)
            orm = _measure(engine, ids, _as_orm_objects, args.repeat)
            engine.dispose()
        if values["out"] != orm["out"]:
            raise SystemExit(f"the two ways gave different JSON for {n} results")
        rows.append(f"| {n:,} | {values['ms']:.1f} | {orm['ms']:.1f} | {orm['ms'] / values['ms']:.1f} "
                    f"| {values['tracked']:,} | {orm['tracked']:,} |")
        print(rows[-1], flush=True)
    lines = [
        f"# A patient's results as the API lists them ({backend})", "",
        "CPU ms of this thread from the query to the JSON bytes (median of "
        f"{args.repeat}), and objects the garbage collector tracks while the JSON is written (more than before "
        "the query): what brings the next young-generation collection, with the interpreter lock held, nearer.", "",
        "| results | column values (aatd) ms | ORM objects (peer) ms | ratio | tracked objects (aatd) "
        "| tracked objects (peer) |",
        "|---:|---:|---:|---:|---:|---:|",
        *rows, "",
        "Same JSON bytes from both (checked). Command: `python benchmarks/results_list.py --results "
        + " ".join(str(n) for n in args.results) + (" --database URL" if args.database else "") + "`",
    ]
    out = HERE / "results" / f"results_list_{backend}.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
