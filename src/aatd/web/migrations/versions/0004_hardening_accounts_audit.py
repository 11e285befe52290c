"""hardening: hash-chained audit log, login throttle table, token scopes and expiry, case-blind organisation names

Revision ID: 0004
Revises: 0002

The audit log becomes tamper-evident: existing events are numbered and chained in id order,
then the database refuses UPDATE, DELETE, REPLACE, TRUNCATE (PostgreSQL), inserts that do not
extend the chain and backdated inserts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import sqlalchemy as sa
from alembic import op

from aatd.web.workspace.audit import GENESIS, canonical

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# How far (in seconds) before the database clock a new event may be dated.
BACKDATE_TOLERANCE_S = 300

_SQLITE_GUARDS = (
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    # REPLACE deletes the old row without firing delete triggers (unless recursive_triggers is on).
    "CREATE TRIGGER audit_events_no_replace BEFORE INSERT ON audit_events "
    "WHEN EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.id) "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: event ids are never reused'); END",
    "CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events "
    "WHEN NEW.seq IS NOT COALESCE((SELECT MAX(seq) FROM audit_events), 0) + 1 "
    "OR NEW.prev_hash IS NOT COALESCE((SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1), "
    f"'{GENESIS}') "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: an event must extend the chain'); END",
    "CREATE TRIGGER audit_events_not_backdated BEFORE INSERT ON audit_events "
    "WHEN julianday(NEW.at) IS NULL "
    "OR julianday(NEW.at) < (SELECT julianday(at) FROM audit_events ORDER BY seq DESC LIMIT 1) "
    f"OR julianday(NEW.at) < julianday('now') - {BACKDATE_TOLERANCE_S}.0 / 86400 "
    "BEGIN SELECT RAISE(ABORT, 'the audit log refuses backdated events'); END",
)
_SQLITE_DROP = ("audit_events_no_update", "audit_events_no_delete", "audit_events_no_replace",
                "audit_events_chain", "audit_events_not_backdated")

_POSTGRES_GUARDS = (
    "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
    f"""CREATE FUNCTION audit_events_chain_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE last_seq integer; last_hash varchar; last_at timestamptz;
BEGIN
  SELECT seq, hash, at INTO last_seq, last_hash, last_at FROM audit_events ORDER BY seq DESC LIMIT 1;
  IF NEW.seq IS DISTINCT FROM COALESCE(last_seq, 0) + 1
     OR NEW.prev_hash IS DISTINCT FROM COALESCE(last_hash, '{GENESIS}') THEN
    RAISE EXCEPTION 'the audit log is append-only: an event must extend the chain';
  END IF;
  IF NEW.at IS NULL OR NEW.at < last_at
     OR NEW.at < clock_timestamp() - interval '{BACKDATE_TOLERANCE_S} seconds' THEN
    RAISE EXCEPTION 'the audit log refuses backdated events';
  END IF;
  RETURN NEW;
END $$""",
    "CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_chain_check()",
)


def _dialect() -> str:
    return str(op.get_bind().dialect.name)


def _drop_guards() -> None:
    if _dialect() == "sqlite":
        for name in _SQLITE_DROP:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif _dialect() == "postgresql":
        for name in ("audit_events_no_change", "audit_events_no_truncate", "audit_events_chain"):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_chain_check()")


def _create_guards() -> None:
    statements = (_SQLITE_GUARDS if _dialect() == "sqlite" else _POSTGRES_GUARDS if _dialect() == "postgresql"
                  else ())
    for statement in statements:
        op.execute(statement)


def _chain_existing_events() -> None:
    """Number and hash the events already stored, in id order."""
    bind = op.get_bind()
    events = sa.table("audit_events", sa.column("id", sa.Integer), sa.column("at", sa.DateTime(timezone=True)),
                      sa.column("organisation_id", sa.Integer), sa.column("user_id", sa.Integer),
                      sa.column("actor", sa.String), sa.column("action", sa.String), sa.column("entity", sa.String),
                      sa.column("entity_id", sa.Integer), sa.column("detail", sa.JSON),
                      sa.column("seq", sa.Integer), sa.column("prev_hash", sa.String), sa.column("hash", sa.String))
    prev = GENESIS
    rows = bind.execute(sa.select(events).order_by(events.c.id)).mappings().all()
    for seq, row in enumerate(rows, start=1):
        digest = hashlib.sha256(canonical(seq, row["at"], row["organisation_id"], row["user_id"], row["actor"],
                                          row["action"], row["entity"], row["entity_id"], row["detail"] or {},
                                          prev)).hexdigest()
        bind.execute(events.update().where(events.c.id == row["id"])
                     .values(seq=seq, prev_hash=prev, hash=digest))
        prev = digest


def _organisation_keys() -> None:
    """Fill ``name_key``; names equal but for case get the id appended so the unique key holds."""
    bind = op.get_bind()
    orgs = sa.table("organisations", sa.column("id", sa.Integer), sa.column("name", sa.String),
                    sa.column("name_key", sa.String))
    seen: set[str] = set()
    for row in bind.execute(sa.select(orgs.c.id, orgs.c.name).order_by(orgs.c.id)).all():
        key = str(row.name).strip().casefold()[:200]
        if key in seen:
            key = f"{key[:180]}#{row.id}"
        seen.add(key)
        bind.execute(orgs.update().where(orgs.c.id == row.id).values(name_key=key))


def _expire_old_tokens() -> None:
    """Tokens issued before expiry existed end 90 days after this migration."""
    tokens = sa.table("api_tokens", sa.column("expires_at", sa.DateTime(timezone=True)))
    ends: Any = dt.datetime.now(dt.UTC) + dt.timedelta(days=90)
    op.get_bind().execute(tokens.update().where(tokens.c.expires_at.is_(None)).values(expires_at=ends))


def upgrade() -> None:
    # Added in place (no table copy: SQLite cannot drop a table other tables refer to), then filled.
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(length=200), nullable=False, server_default=""))
    _organisation_keys()
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organisations_name_key"), ["name_key"], unique=True)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope", sa.String(length=10), nullable=False, server_default="write"))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    _expire_old_tokens()

    op.create_table("login_attempts",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("account", sa.String(length=320), nullable=False),
                    sa.Column("address", sa.String(length=64), nullable=False),
                    sa.Column("ok", sa.Boolean(), nullable=False),
                    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint("id"))
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_attempts_account"), ["account"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_attempts_address"), ["address"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_attempts_at"), ["at"], unique=False)

    _drop_guards()
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _chain_existing_events()
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint("uq_audit_events_seq", ["seq"])
    _create_guards()


def downgrade() -> None:
    _drop_guards()
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint("uq_audit_events_seq", type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
    if _dialect() == "sqlite":
        for statement in _SQLITE_GUARDS[:2]:
            op.execute(statement)
    elif _dialect() == "postgresql":
        op.execute(_POSTGRES_GUARDS[0])
    op.drop_table("login_attempts")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
        batch_op.drop_column("scope")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_secret")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisations_name_key"))
        batch_op.drop_column("name_key")
