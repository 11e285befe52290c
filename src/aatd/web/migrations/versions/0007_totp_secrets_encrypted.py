"""two-step login secrets encrypted at rest: users.totp_secret (plain base32) becomes
users.totp_secret_encrypted (a Fernet token under the first key of AATD_TOTP_KEYS)

Revision ID: 0007
Revises: 0006

The keys come from the settings through :func:`aatd.web.db.migrate`. A database with no
enrolled secrets needs no key. The downgrade decrypts them again (for a rollback of aatd).
Columns are added and dropped in place (SQLite 3.35+ drops a column without copying the
table; SQLite cannot copy ``users`` while other tables refer to it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from aatd.web.security import TOTP_KEY_HELP, TOTP_KEYS_VARIABLE, TotpVault

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_USERS = sa.table("users", sa.column("id", sa.Integer), sa.column("totp_secret", sa.String),
                  sa.column("totp_secret_encrypted", sa.String))


def _vault(enrolled: int) -> TotpVault:
    config = op.get_context().config
    keys = tuple(config.attributes.get("totp_keys", ())) if config is not None else ()
    if not keys:
        from aatd.errors import InputError

        raise InputError(TOTP_KEYS_VARIABLE, None,
                         f"keys for the {enrolled} stored two-step login secrets (run the migration through "
                         f"aatd with the server's settings): {TOTP_KEY_HELP}")
    return TotpVault(keys)


def _convert(source: str, target: str, *, encrypt: bool) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_USERS.c.id, _USERS.c[source]).where(_USERS.c[source].is_not(None))
                        .order_by(_USERS.c.id)).all()
    if not rows:
        return
    vault = _vault(len(rows))
    for user_id, value in rows:
        stored = vault.seal(value) if encrypt else vault.open(value)
        bind.execute(_USERS.update().where(_USERS.c.id == user_id).values({target: stored}))


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret_encrypted", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    _convert("totp_secret", "totp_secret_encrypted", encrypt=True)
    op.drop_column("users", "totp_secret")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
    _convert("totp_secret_encrypted", "totp_secret", encrypt=False)
    op.drop_column("users", "totp_secret_encrypted")
    op.drop_column("users", "totp_last_step")
