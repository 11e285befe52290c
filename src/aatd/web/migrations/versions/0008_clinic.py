"""spirometry marked post-bronchodilator: the guidelines judge airflow obstruction (and augmentation's FEV1
bounds) on post-bronchodilator spirometry, so a stored spirometry says whether it was (null: not said)

Revision ID: 0008_clinic
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_clinic"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("post_bronchodilator", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("results", schema=None) as batch_op:
        batch_op.drop_column("post_bronchodilator")
