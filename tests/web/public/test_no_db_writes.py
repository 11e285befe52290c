"""No request to a public page writes to the database (or even talks to it)."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from .support import build_app
from .test_pages import FAMILY_OF_FOUR, PAGES

FORMS: list[tuple[str, dict[str, Any]]] = [
    ("/public/should-i-be-tested", {"submitted": "1", "finding": ["copd", "sibling_with_aatd"], "age": "50"}),
    ("/public/should-i-be-tested", {"submitted": "1", "age": "not a number"}),
    ("/public/should-i-be-tested.pdf", {"submitted": "1", "finding": ["copd"], "pack_years": "20"}),
    ("/public/my-result", {"submitted": "1", "level": "40", "unit": "mg/dL", "kind": "genotype", "result": "ZZ"}),
    ("/public/my-result", {"submitted": "1", "level": "x"}),
    ("/public/our-family", {"punnett": "1", "p1": "MZ", "p2": "SZ"}),
    ("/public/our-family", FAMILY_OF_FOUR),
    ("/public/our-family", FAMILY_OF_FOUR | {"m2_father": "Nobody"}),
    ("/public/my-lungs", {"submitted": "1", "genotype": "ZZ", "sex": "female", "age": "35", "height_cm": "165",
                          "smoking": "current", "pack_years": "10"}),
    ("/public/ask", {"q": "can my children get it"}),
    ("/public/ask", {"q": "emfysema"}),
    ("/public/ask", {"q": "i want to die"}),
    ("/public/ask", {"q": "quiero morirme", "lang": "es"}),
    ("/public/ask", {"q": "what does MZ mean", "asker": "child"}),
    ("/public/my-result", {"submitted": "1", "level": "120", "unit": "mg/dL", "result": "ZZ", "crp": "30"}),
    ("/public/my-result.pdf", {"submitted": "1", "level": "120", "unit": "mg/dL", "result": "ZZ", "crp": "30"}),
    ("/public/our-family", {"punnett": "1", "p1": "ZZ", "p2": "", "p2_country": "Ireland"}),
    ("/public/our-family.pdf", {"punnett": "1", "p1": "MZ", "p2": "MZ"}),
    ("/public/our-family", FAMILY_OF_FOUR | {"add_row": "1"}),
    ("/public/my-lungs", {"submitted": "1", "genotype": "ZZ", "sex": "male", "age": "50", "height_ft": "5",
                          "height_in": "10", "smoking": "never", "fev1": "2.0", "weight": "180", "weight_unit": "lb"}),
    ("/public/my-lungs.pdf", {"submitted": "1", "genotype": "ZZ", "sex": "female", "age": "35", "height_cm": "165",
                              "smoking": "never"}),
    ("/public/should-i-be-tested", {"submitted": "1", "symptoms": "1", "finding": "sibling_with_aatd"}),
]


def _database_digest(data_dir: Path) -> str:
    """A digest of every row of every table, read through a read-only connection."""
    path = data_dir / "aatd.sqlite3"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        dump = "\n".join(conn.iterdump())
    conn.close()
    return hashlib.sha256(dump.encode("utf-8")).hexdigest()


def _every_public_request(c: TestClient) -> int:
    statuses = []
    for path in [*PAGES, "/public/learn/lungs", "/public/ask/what-is-emphysema", "/public/static/public.css",
                 "/public/find-care", "/public/ask/find-specialist"]:
        statuses.append(c.get(path).status_code)
        statuses.append(c.get(path, params={"lang": "es"}).status_code)
    for path, data in FORMS:
        statuses.append(c.post(path, data=data).status_code)
        statuses.append(c.get(path, params=data).status_code)
    assert 500 not in statuses
    return len(statuses)


def test_public_pages__never_write_to_the_database(tmp_path: Path) -> None:
    app = build_app(tmp_path)
    statements: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    event.listen(app.state.engine, "before_cursor_execute", record)
    before = _database_digest(tmp_path)
    with TestClient(app) as c:
        count = _every_public_request(c)
    writes = [s for s in statements if s.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE",
                                                                                  "REPLACE", "CREATE", "DROP"}]
    assert count > 30
    assert writes == []
    assert statements == []  # the public routes do not open a database session at all
    assert _database_digest(tmp_path) == before
