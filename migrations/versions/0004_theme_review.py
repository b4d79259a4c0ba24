"""Theme sets the analysts review, and theme runs as background jobs

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-04 16:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "theme_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=16), nullable=False),
        sa.Column("engine", sa.String(length=40), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("answers_included", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("status in ('draft', 'reviewed')", name=op.f("ck_theme_set_status_known")),
        sa.ForeignKeyConstraint(
            ["consultation_id"], ["consultation.id"], name=op.f("fk_theme_set_consultation_id_consultation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_set")),
        sa.UniqueConstraint("consultation_id", "question_id", name="uq_theme_set_consultation_question"),
    )
    op.create_table(
        "theme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("theme_set_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("key_terms", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.CheckConstraint("origin in ('machine', 'analyst')", name=op.f("ck_theme_origin_known")),
        sa.ForeignKeyConstraint(
            ["theme_set_id"], ["theme_set.id"], name=op.f("fk_theme_theme_set_id_theme_set"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme")),
    )
    with op.batch_alter_table("theme", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_theme_theme_set_id"), ["theme_set_id"], unique=False)

    op.create_table(
        "theme_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("theme_set_id", sa.Integer(), nullable=False),
        sa.Column("response_public_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("machine_theme_id", sa.Integer(), nullable=True),
        sa.Column("quote_approved", sa.Boolean(), nullable=False),
        sa.Column("flag", sa.String(length=16), nullable=True),
        sa.CheckConstraint(
            "state in ('machine', 'suggested', 'reviewed')", name=op.f("ck_theme_answer_state_known")
        ),
        sa.CheckConstraint(
            "flag is null or flag in ('identifying', 'abusive')", name=op.f("ck_theme_answer_flag_known")
        ),
        sa.CheckConstraint(
            "not (quote_approved and flag is not null)", name=op.f("ck_theme_answer_flagged_never_quoted")
        ),
        sa.ForeignKeyConstraint(
            ["theme_set_id"],
            ["theme_set.id"],
            name=op.f("fk_theme_answer_theme_set_id_theme_set"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_answer")),
        sa.UniqueConstraint("theme_set_id", "response_public_id", name="uq_theme_answer_set_response"),
    )
    op.create_table(
        "theme_answer_theme",
        sa.Column("theme_answer_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["theme_answer_id"],
            ["theme_answer.id"],
            name=op.f("fk_theme_answer_theme_theme_answer_id_theme_answer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["theme.id"], name=op.f("fk_theme_answer_theme_theme_id_theme"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("theme_answer_id", "theme_id", name=op.f("pk_theme_answer_theme")),
    )
    with op.batch_alter_table("theme_answer_theme", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_theme_answer_theme_theme_id"), ["theme_id"], unique=False)

    op.create_table(
        "theme_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("question_ids", sa.JSON(), nullable=False),
        sa.Column("engine", sa.String(length=40), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("report_format", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("steps_done", sa.Integer(), nullable=False),
        sa.Column("steps_total", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=320), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("report", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint(
            "status in ('queued', 'running', 'finished', 'failed')", name=op.f("ck_theme_run_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"], ["consultation.id"], name=op.f("fk_theme_run_consultation_id_consultation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_run")),
    )
    with op.batch_alter_table("theme_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_theme_run_consultation_id"), ["consultation_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("theme_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_theme_run_consultation_id"))
    op.drop_table("theme_run")
    with op.batch_alter_table("theme_answer_theme", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_theme_answer_theme_theme_id"))
    op.drop_table("theme_answer_theme")
    op.drop_table("theme_answer")
    with op.batch_alter_table("theme", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_theme_theme_set_id"))
    op.drop_table("theme")
    op.drop_table("theme_set")
