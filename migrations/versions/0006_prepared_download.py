"""Result downloads prepared by background jobs

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 17:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prepared_download",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=320), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("mimetype", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "status in ('queued', 'running', 'finished', 'failed')",
            name=op.f("ck_prepared_download_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultation.id"],
            name=op.f("fk_prepared_download_consultation_id_consultation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prepared_download")),
    )
    with op.batch_alter_table("prepared_download", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prepared_download_consultation_id"), ["consultation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("prepared_download", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prepared_download_consultation_id"))
    op.drop_table("prepared_download")
