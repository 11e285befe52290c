"""family country: the population whose allele frequencies the family's founders are drawn from

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("families", schema=None) as batch_op:
        batch_op.add_column(sa.Column("country", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("families", schema=None) as batch_op:
        batch_op.drop_column("country")
