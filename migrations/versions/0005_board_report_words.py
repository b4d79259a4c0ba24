"""The officer's words for the Board report, one row per consultation

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 16:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "board_report_words",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=400), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("recommendations", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("background", sa.Text(), nullable=False),
        sa.Column("financial_implications", sa.Text(), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("contact_position", sa.String(length=200), nullable=False),
        sa.Column("contact_phone", sa.String(length=200), nullable=False),
        sa.Column("contact_email", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=320), nullable=True),
        sa.ForeignKeyConstraint(
            ["consultation_id"], ["consultation.id"], name=op.f("fk_board_report_words_consultation_id_consultation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_report_words")),
        sa.UniqueConstraint("consultation_id", name=op.f("uq_board_report_words_consultation_id")),
    )


def downgrade() -> None:
    op.drop_table("board_report_words")
