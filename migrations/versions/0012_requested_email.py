"""Emails asked for on the site (sign-in links, respondents' own links), waiting to be sent

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-07 14:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "requested_email",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("mailbox", sa.String(length=320), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=True),
        sa.Column("languages", sa.String(length=32), nullable=False),
        sa.Column("link_root", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind in ('sign-in-link', 'self-service')", name=op.f("ck_requested_email_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultation.id"],
            name=op.f("fk_requested_email_consultation_id_consultation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requested_email")),
        sa.UniqueConstraint("kind", "mailbox", name="uq_requested_email_kind_mailbox"),
    )


def downgrade() -> None:
    op.drop_table("requested_email")
