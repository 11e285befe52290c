"""pedigree editor: twins and adoption on patients, and the journal of editor changes (undo)

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mz_twin_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("dz_twin_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("adopted", sa.String(length=3), nullable=True))
        batch_op.create_foreign_key("fk_patients_mz_twin_id", "patients", ["mz_twin_id"], ["id"])
        batch_op.create_foreign_key("fk_patients_dz_twin_id", "patients", ["dz_twin_id"], ["id"])
    op.create_table("family_edits",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("organisation_id", sa.Integer(), nullable=False),
                    sa.Column("family_id", sa.Integer(), nullable=False),
                    sa.Column("user_id", sa.Integer(), nullable=True),
                    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
                    sa.Column("summary", sa.String(length=300), nullable=False),
                    sa.Column("before", sa.JSON(), nullable=False),
                    sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
                    sa.ForeignKeyConstraint(["family_id"], ["families.id"]),
                    sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
                    sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
                    sa.PrimaryKeyConstraint("id"))
    with op.batch_alter_table("family_edits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_family_edits_family_id"), ["family_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_family_edits_organisation_id"), ["organisation_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("family_edits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_family_edits_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_family_edits_family_id"))
    op.drop_table("family_edits")
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_constraint("fk_patients_dz_twin_id", type_="foreignkey")
        batch_op.drop_constraint("fk_patients_mz_twin_id", type_="foreignkey")
        batch_op.drop_column("adopted")
        batch_op.drop_column("dz_twin_id")
        batch_op.drop_column("mz_twin_id")
