"""Versions per theme and per answer in a theme review, with the audit entry of the last change

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-07 11:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLES = ("theme", "theme_answer")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
            batch_op.add_column(sa.Column("last_change_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_last_change_id_audit_event"),
                "audit_event",
                ["last_change_id"],
                ["id"],
                ondelete="SET NULL",
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_last_change_id_audit_event"), type_="foreignkey")
            batch_op.drop_column("last_change_id")
            batch_op.drop_column("version")
