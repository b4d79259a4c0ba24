"""Prepared downloads share the theme runs' job shape: progress steps and a start time

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 14:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("prepared_download", schema=None) as batch_op:
        batch_op.add_column(sa.Column("steps_done", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("steps_total", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("prepared_download", schema=None) as batch_op:
        batch_op.drop_column("started_at")
        batch_op.drop_column("steps_total")
        batch_op.drop_column("steps_done")
