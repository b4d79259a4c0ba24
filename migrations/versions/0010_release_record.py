"""The release record: every output published, and the groups of responses each covered

Revision ID: 0010
Revises: 0011
Create Date: 2026-12-07 12:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "release_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("parent", sa.Integer(), nullable=True),
        sa.Column("made_by", sa.Integer(), nullable=False),
        sa.Column("step", sa.Float(), nullable=False),
        sa.Column("versions", sa.LargeBinary(), nullable=False),
        sa.Column("counts", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"], ["consultation.id"], name=op.f("fk_release_group_consultation_id_consultation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_group")),
        sa.UniqueConstraint("consultation_id", "number", name="uq_release_group_consultation_number"),
    )
    with op.batch_alter_table("release_group", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_release_group_consultation_id"), ["consultation_id"], unique=False)
    op.create_table(
        "release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("made_by", sa.String(length=320), nullable=True),
        sa.Column("output", sa.String(length=32), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.Column("layout", sa.String(length=32), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("figures", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"], ["consultation.id"], name=op.f("fk_release_consultation_id_consultation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release")),
        sa.UniqueConstraint("consultation_id", "number", name="uq_release_consultation_number"),
    )
    with op.batch_alter_table("release", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_release_consultation_id"), ["consultation_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("release", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_release_consultation_id"))
    op.drop_table("release")
    with op.batch_alter_table("release_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_release_group_consultation_id"))
    op.drop_table("release_group")
