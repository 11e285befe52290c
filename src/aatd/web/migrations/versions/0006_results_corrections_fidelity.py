"""corrections and fidelity: retracted results with a reason, a family's explicit allele
frequencies, and the patient's height and smoking for the risk page

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("families", schema=None) as batch_op:
        batch_op.add_column(sa.Column("allele_frequencies", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("residual_allele", sa.Boolean(), nullable=True))
    with op.batch_alter_table("results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retracted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("retraction_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("height_cm", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("smoking", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("pack_years", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("quit_age", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        for column in ("quit_age", "pack_years", "smoking", "height_cm"):
            batch_op.drop_column(column)
    with op.batch_alter_table("results", schema=None) as batch_op:
        for column in ("updated_at", "retraction_reason", "retracted_at"):
            batch_op.drop_column(column)
    with op.batch_alter_table("families", schema=None) as batch_op:
        for column in ("residual_allele", "allele_frequencies"):
            batch_op.drop_column(column)
