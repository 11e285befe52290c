"""The audit log's hash chain, on real SQLite and PostgreSQL: tampering is refused or detected."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text
from typer.testing import CliRunner

from aatd.cli import app as cli_app
from aatd.errors import InputError
from aatd.web.db import transaction
from aatd.web.workspace import audit
from web.conftest import World

_SQLITE_TRIGGERS = ("audit_events_no_update", "audit_events_no_delete", "audit_events_no_replace",
                    "audit_events_chain", "audit_events_not_backdated")


def _events(world: World, n: int = 4) -> dict[str, str]:
    """A few audited actions: a patient created and read ``n - 1`` times."""
    doc = world.token("doc@a.org")
    created = world.client.post("/api/v1/patients", json={"label": "P", "sex": "female"}, headers=doc)
    assert created.status_code == 201, created.text
    for _ in range(n - 1):
        assert world.client.get(f"/api/v1/patients/{created.json()['id']}", headers=doc).status_code == 200
    return doc


def _tamper(engine: Engine, *statements: str, params: dict[str, Any] | None = None) -> None:
    """Run ``statements`` as someone who can switch the guards off (file access or the table owner)."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            for name in _SQLITE_TRIGGERS:
                conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        else:
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        for statement in statements:
            conn.execute(text(statement), params or {})


def _report(world: World) -> audit.ChainReport:
    with transaction(world.app.state.sessions) as db:
        return audit.verify(db)


def _admin_verify(world: World) -> dict[str, Any]:
    response = world.client.get("/api/v1/audit/verify", headers=world.token("admin@a.org"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_chain__intact_after_use_and_matches_the_stored_rows(world: World) -> None:
    _events(world)
    report = _report(world)
    with world.app.state.engine.connect() as conn:
        count, top = conn.execute(text("SELECT COUNT(*), MAX(seq) FROM audit_events")).one()
        first_prev = conn.execute(text("SELECT prev_hash FROM audit_events WHERE seq = 1")).scalar()
    assert report.ok and report.events == count == top and count >= 5
    assert first_prev == audit.GENESIS
    body = _admin_verify(world)
    assert body["ok"] is True and body["problem"] is None and body["head_seq"] >= count


def test_chain__hash_is_sha256_of_the_documented_canonical_json(sqlite_world: World) -> None:
    world = sqlite_world
    _events(world, 1)
    with world.app.state.engine.connect() as conn:
        row = conn.execute(text("SELECT seq, actor, action, entity, hash, prev_hash FROM audit_events "
                                "ORDER BY seq DESC LIMIT 1")).one()
    with transaction(world.app.state.sessions) as db:
        event = db.scalar(audit.select_event(row.seq))
        assert event is not None
        payload = audit.canonical(event.seq, event.at, event.organisation_id, event.user_id, event.actor,
                                  event.action, event.entity, event.entity_id, event.detail, event.prev_hash)
    # Sorted keys, no spaces, UTF-8: an independent reader can recompute it with any SHA-256.
    assert payload.startswith(b'{"action":"create","actor":"doc@a.org","at":"') and b", " not in payload
    assert hashlib.sha256(payload).hexdigest() == row.hash


def test_chain__edited_event_is_named(world: World) -> None:
    _events(world)
    _tamper(world.app.state.engine, "UPDATE audit_events SET actor = 'someone else' WHERE seq = 3")
    report = _report(world)
    assert not report.ok and report.first_bad_seq == 3 and "edited" in (report.problem or "")
    assert report.events == 2
    assert _admin_verify(world)["first_bad_seq"] == 3


def test_chain__edited_detail_or_date_is_named(sqlite_world: World) -> None:
    world = sqlite_world
    _events(world)
    _tamper(world.app.state.engine, "UPDATE audit_events SET at = :at WHERE seq = 4",
            params={"at": dt.datetime(2001, 1, 1, tzinfo=dt.UTC)})
    report = _report(world)
    assert not report.ok and report.first_bad_seq == 4


def test_chain__deleted_event_is_named(world: World) -> None:
    _events(world)
    _tamper(world.app.state.engine, "DELETE FROM audit_events WHERE seq = 2")
    report = _report(world)
    assert not report.ok and report.first_bad_seq == 2 and "missing" in (report.problem or "")


def test_chain__inserted_event_is_named(world: World) -> None:
    """A forged event slipped in at 3 (later events renumbered) breaks the link of the event after it."""
    _events(world)
    with transaction(world.app.state.sessions) as db:
        before = db.scalar(audit.select_event(2))
        assert before is not None
        at, prev = before.at, before.hash
    forged_hash = hashlib.sha256(audit.canonical(3, at, None, None, "forger", "read", "patient", 1, {}, prev))
    _tamper(world.app.state.engine,
            "UPDATE audit_events SET seq = seq + 100000 WHERE seq >= 3",
            "UPDATE audit_events SET seq = seq - 99999 WHERE seq >= 100000",
            "INSERT INTO audit_events (seq, at, organisation_id, user_id, actor, action, entity, entity_id, detail, "
            "prev_hash, hash) VALUES (3, :at, NULL, NULL, 'forger', 'read', 'patient', 1, '{}', :prev, :hash)",
            params={"at": at, "prev": prev, "hash": forged_hash.hexdigest()})
    report = _report(world)
    assert not report.ok and report.first_bad_seq == 4 and "link" in (report.problem or "")


def test_chain__appended_event_with_a_wrong_link_is_named(world: World) -> None:
    _events(world)
    with world.app.state.engine.connect() as conn:
        top = conn.execute(text("SELECT MAX(seq) FROM audit_events")).scalar()
    _tamper(world.app.state.engine,
            "INSERT INTO audit_events (seq, at, organisation_id, user_id, actor, action, entity, entity_id, detail, "
            "prev_hash, hash) VALUES (:seq, :at, NULL, NULL, 'forger', 'read', 'patient', 1, '{}', :h, :h)",
            params={"seq": top + 1, "at": dt.datetime.now(dt.UTC), "h": "f" * 64})
    report = _report(world)
    assert not report.ok and report.first_bad_seq == top + 1


def test_chain__anchor_catches_a_rewritten_chain(sqlite_world: World) -> None:
    world = sqlite_world
    _events(world)
    good = _report(world)
    with transaction(world.app.state.sessions) as db:
        assert audit.verify(db, {good.head_seq: good.head_hash}).ok
        assert not audit.verify(db, {good.head_seq: "0" * 64}).ok
        assert not audit.verify(db, {good.head_seq + 5: good.head_hash}).ok


def _refused(conn: Connection, statement: str, params: dict[str, Any] | None = None) -> str:
    with pytest.raises(Exception) as caught, conn.begin():
        conn.execute(text(statement), params or {})
    return str(caught.value)


def test_database__refuses_rewrites_out_of_sequence_and_backdated_inserts(world: World) -> None:
    _events(world)
    engine = world.app.state.engine
    with engine.connect() as conn:
        head = conn.execute(text("SELECT seq, hash, id FROM audit_events ORDER BY seq DESC LIMIT 1")).one()
        conn.rollback()
        insert = ("INSERT INTO audit_events (seq, at, organisation_id, user_id, actor, action, entity, entity_id, "
                  "detail, prev_hash, hash) VALUES (:seq, :at, NULL, NULL, 'forger', 'read', 'patient', 1, '{}', "
                  ":prev, :prev)")
        now = dt.datetime.now(dt.UTC)
        assert "append-only" in _refused(conn, "UPDATE audit_events SET actor = 'x'")
        assert "append-only" in _refused(conn, "DELETE FROM audit_events WHERE seq = 1")
        assert "extend the chain" in _refused(conn, insert, {"seq": 2, "at": now, "prev": head.hash})
        assert "extend the chain" in _refused(conn, insert, {"seq": head.seq + 1, "at": now, "prev": "e" * 64})
        assert "backdated" in _refused(conn, insert, {"seq": head.seq + 1, "prev": head.hash,
                                                      "at": dt.datetime(2001, 1, 1, tzinfo=dt.UTC)})
        if engine.dialect.name == "sqlite":
            replace = insert.replace("INSERT INTO audit_events (", "REPLACE INTO audit_events (id, ").replace(
                "VALUES (", "VALUES (1, ")
            assert "append-only" in _refused(conn, replace, {"seq": head.seq + 1, "at": now, "prev": head.hash})
            assert "append-only" in _refused(conn, replace.replace("REPLACE INTO", "INSERT OR REPLACE INTO"),
                                             {"seq": head.seq + 1, "at": now, "prev": head.hash})
        else:
            assert "append-only" in _refused(conn, "TRUNCATE audit_events")
    assert _report(world).ok


def test_cli__verify_exit_status_names_the_first_bad_event(sqlite_world: World) -> None:
    world = sqlite_world
    _events(world)
    url = world.app.state.settings.database_url
    ok = CliRunner().invoke(cli_app, ["audit", "verify", "--database", url])
    assert ok.exit_code == 0 and "audit log intact" in ok.stdout
    head = ok.stdout.strip().rsplit("head ", 1)[1]
    assert CliRunner().invoke(cli_app, ["audit", "verify", "--database", url, "--anchor", head]).exit_code == 0
    _tamper(world.app.state.engine, "UPDATE audit_events SET detail = '{\"x\": 1}' WHERE seq = 2")
    bad = CliRunner().invoke(cli_app, ["audit", "verify", "--database", url])
    assert bad.exit_code == 1 and "broken at event 2" in bad.stderr and "edited" in bad.stderr
    garbled = CliRunner().invoke(cli_app, ["audit", "verify", "--database", url, "--anchor", "x"])
    assert isinstance(garbled.exception, InputError) and "anchor" in str(garbled.exception)


def test_failed_api_login__recorded_and_shown_to_the_target_organisation(world: World) -> None:
    wrong = world.client.post("/api/v1/auth/token", json={"email": "doc@a.org", "password": "not the password"})
    assert wrong.status_code == 401
    unknown = world.client.post("/api/v1/auth/token", json={"email": "nobody@a.org", "password": "x"})
    assert unknown.status_code == 401
    events = world.client.get("/api/v1/audit", headers=world.token("admin@a.org")).json()
    failed = [e for e in events if e["action"] == "login_failed"]
    assert [e["actor"] for e in failed] == ["doc@a.org"] and failed[0]["detail"]["via"] == "token"
    other = world.client.get("/api/v1/audit", headers=world.token("admin@a.org")).json()
    assert all(e["actor"] != "nobody@a.org" for e in other)
    assert _report(world).ok


def test_list_reads__audited_with_count_and_ids(sqlite_world: World) -> None:
    world = sqlite_world
    doc = _events(world, 1)
    listed = world.client.get("/api/v1/patients", params={"q": "P"}, headers=doc).json()
    world.client.get("/api/v1/families", headers=doc)
    events = world.client.get("/api/v1/audit", headers=world.token("admin@a.org")).json()
    lists = {e["entity"]: e for e in events if e["action"] == "list"}
    assert lists["patient"]["detail"]["ids"] == [p["id"] for p in listed]
    assert lists["patient"]["detail"]["search"] == "P" and "family" in lists


def test_concurrent_appends__one_unbroken_chain(world: World) -> None:
    """Parallel audited requests never fork the chain (appends are serialised by the database)."""
    from concurrent.futures import ThreadPoolExecutor

    doc = _events(world, 1)
    pid = world.client.get("/api/v1/patients", headers=doc).json()[0]["id"]

    def read(_: int) -> int:
        return world.client.get(f"/api/v1/patients/{pid}", headers=doc).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(read, range(40)))
    assert codes == [200] * 40
    report = _report(world)
    assert report.ok and report.events >= 40


def test_migration_0004__chains_existing_events_and_keys_existing_organisations(database_url: str) -> None:
    """An installation at revision 0002, with events, tokens and two organisations equal but for case."""
    from alembic import command

    from aatd.web.db import alembic_config, make_engine, migrate, session_factory

    engine = make_engine(database_url)
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0002")
    day = {"t": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)}
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organisations (name, created_at) VALUES ('Clinic', :t), ('CLINIC', :t)"), day)
        conn.execute(text("INSERT INTO users (organisation_id, email, password_hash, role, active, created_at) "
                          "VALUES (1, 'a@a.org', 'x', 'admin', true, :t)"), day)
        conn.execute(text("INSERT INTO api_tokens (user_id, name, token_hash, created_at) "
                          "VALUES (1, 'api', 'h', :t)"), day)
        for i in range(5):
            conn.execute(text("INSERT INTO audit_events (at, organisation_id, user_id, actor, action, entity, "
                              "entity_id, detail) VALUES (:at, 1, 1, 'a@a.org', 'read', 'patient', :i, :d)"),
                         {"at": dt.datetime(2026, 1, 1, 0, 0, i, tzinfo=dt.UTC), "i": i, "d": f'{{"n": {i}}}'})
    migrate(engine)
    factory = session_factory(engine)
    with transaction(factory) as db:
        report = audit.verify(db)
        assert report.ok and report.events == 5
        audit.record(db, None, "read", "patient", 9, actor="after-upgrade")
    with transaction(factory) as db:
        assert audit.verify(db).ok and audit.verify(db).events == 6
    with engine.connect() as conn:
        keys = sorted(conn.execute(text("SELECT name_key FROM organisations")).scalars())
        assert keys == ["clinic", "clinic#2"]
        assert conn.execute(text("SELECT expires_at FROM api_tokens")).scalar() is not None
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'x'"))
    engine.dispose()


def test_chain__one_commit_of_many_events_is_chained_and_hashed_as_documented_and_an_edit_is_named(
        world: World) -> None:
    """One transaction queuing 300 events (as a FHIR import does) appends them as one bulk insert: each row's hash
    is the SHA-256 of the documented canonical form (recomputed here from the stored row, independently of the
    append), each links to the one before, and an edit in the middle of the batch is named by verify."""
    with transaction(world.app.state.sessions) as db:
        for i in range(300):
            audit.record(db, None, "create", "result", i, actor="doc@a.org", detail={"kind": "crp", "n": i})
    with transaction(world.app.state.sessions) as db:
        events = list(db.scalars(text("SELECT seq FROM audit_events ORDER BY seq")))
        rows = [db.scalar(audit.select_event(seq)) for seq in events[-300:]]
        previous = db.scalar(audit.select_event(events[-301])) if len(events) > 300 else None
        link = previous.hash if previous is not None else audit.GENESIS
        for row in rows:
            assert row is not None and row.prev_hash == link
            payload = audit.canonical(row.seq, row.at, row.organisation_id, row.user_id, row.actor, row.action,
                                      row.entity, row.entity_id, row.detail, row.prev_hash)
            assert hashlib.sha256(payload).hexdigest() == row.hash
            link = row.hash
        middle = rows[150].seq if rows[150] is not None else 0
    assert _report(world).ok
    _tamper(world.app.state.engine, f"UPDATE audit_events SET entity_id = 7 WHERE seq = {middle}")
    report = _report(world)
    assert not report.ok and report.first_bad_seq == middle
