"""Themes by group prepared by a background job, stored with a digest of what they came from

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 17:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "theme_group_tables",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("theme_set_id", sa.Integer(), nullable=False),
        sa.Column("inputs", sa.String(length=64), nullable=True),
        sa.Column("tables", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("steps_done", sa.Integer(), nullable=False),
        sa.Column("steps_total", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=320), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status in ('queued', 'running', 'finished', 'failed')",
            name=op.f("ck_theme_group_tables_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultation.id"],
            name=op.f("fk_theme_group_tables_consultation_id_consultation"),
        ),
        sa.ForeignKeyConstraint(
            ["theme_set_id"],
            ["theme_set.id"],
            name=op.f("fk_theme_group_tables_theme_set_id_theme_set"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_group_tables")),
    )
    with op.batch_alter_table("theme_group_tables", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_theme_group_tables_consultation_id"), ["consultation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_theme_group_tables_theme_set_id"), ["theme_set_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("theme_group_tables", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_theme_group_tables_theme_set_id"))
        batch_op.drop_index(batch_op.f("ix_theme_group_tables_consultation_id"))
    op.drop_table("theme_group_tables")
