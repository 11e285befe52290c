"""Cost of the hash-chained audit log: appends and verification, side by side with a plain append.

Each transaction writes one audit event, as an audited request does. The peer is the same
transaction inserting the same fields into an unchained table (the audit log before issue 11),
so the ratio is the chain's overhead (lock, head read, SHA-256, database checks). Then
``audit.verify`` re-reads and re-hashes the whole log.

    python benchmarks/audit_chain.py [EVENTS] [--database URL]

Writes benchmarks/results/audit_chain.md.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, text

from aatd.web.db import make_engine, migrate, session_factory, transaction
from aatd.web.workspace import audit

HERE = Path(__file__).resolve().parent


def _chained(engine: Engine, n: int) -> float:
    factory = session_factory(engine)
    start = time.perf_counter()
    for i in range(n):
        with transaction(factory) as db:
            audit.record(db, None, "read", "patient", i, actor="bench@example.org", detail={"i": i})
    return time.perf_counter() - start


def _plain(engine: Engine, n: int) -> float:
    key = "INTEGER PRIMARY KEY" if engine.dialect.name == "sqlite" else "SERIAL PRIMARY KEY"
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE plain_events (id {key}, at TIMESTAMP, actor VARCHAR(320), "
                          "action VARCHAR(40), entity VARCHAR(40), entity_id INTEGER, detail TEXT)"))
    start = time.perf_counter()
    for i in range(n):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO plain_events (at, actor, action, entity, entity_id, detail) "
                              "VALUES (CURRENT_TIMESTAMP, 'bench@example.org', 'read', 'patient', :i, :d)"),
                         {"i": i, "d": f'{{"i": {i}}}'})
    return time.perf_counter() - start


def _verify(engine: Engine) -> tuple[float, int]:
    start = time.perf_counter()
    with transaction(session_factory(engine)) as db:
        report = audit.verify(db)
    assert report.ok, report.problem
    return time.perf_counter() - start, report.events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("events", nargs="?", type=int, default=2000)
    parser.add_argument("--database", default=None, help="an empty database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(args.database or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        migrate(engine)
        chained = _chained(engine, args.events)
        plain = _plain(engine, args.events)
        verify_s, events = _verify(engine)
        backend = engine.dialect.name
        engine.dispose()
    lines = [
        f"# Audit chain ({backend}, {args.events} transactions of one event each)", "",
        "| measure | aatd (chained) | plain insert (peer) | ratio |", "|---|---|---|---|",
        f"| append, ms per transaction | {1000 * chained / args.events:.2f} | {1000 * plain / args.events:.2f} "
        f"| {chained / plain:.2f} |",
        f"| verify whole log, events per second | {events / verify_s:,.0f} | | |", "",
        "Command: `python benchmarks/audit_chain.py " + " ".join(
            [str(args.events)] + (["--database", "URL"] if args.database else [])) + "`",
    ]
    out = HERE / "results" / f"audit_chain_{backend}.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
