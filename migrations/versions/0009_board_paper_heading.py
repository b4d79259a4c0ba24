"""The Board paper's heading among the officer's words: Board, meeting date, item, what it is for

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-07 11:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("board_report_words", schema=None) as batch_op:
        batch_op.add_column(sa.Column("board", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("meeting_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("item", sa.String(length=20), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("report_for", sa.String(length=64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("board_report_words", schema=None) as batch_op:
        batch_op.drop_column("report_for")
        batch_op.drop_column("item")
        batch_op.drop_column("meeting_date")
        batch_op.drop_column("board")
