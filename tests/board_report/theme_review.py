"""A faithful copy of the stored theme review's tables, for tests on branches without them.

The tables belong to the theme review (its own migration); the Board report reads them by
table and column name only. Where the migration has already made them, they are used as
they are; otherwise they are created for the test and dropped after it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa

metadata = sa.MetaData()
# Referred to only; the app's migrations make it.
sa.Table("consultation", metadata, sa.Column("id", sa.Integer, primary_key=True))
theme_set = sa.Table(
    "theme_set",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("consultation_id", sa.Integer, sa.ForeignKey("consultation.id"), nullable=False),
    sa.Column("question_id", sa.String(16), nullable=False),
    sa.Column("engine", sa.String(40), nullable=False),
    sa.Column("settings", sa.JSON),
    sa.Column("answers_included", sa.Integer),
    sa.Column("created_at", sa.DateTime(timezone=True)),
    sa.Column("run_at", sa.DateTime(timezone=True)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("version", sa.Integer, nullable=False, default=1),
    sa.UniqueConstraint("consultation_id", "question_id"),
)
theme = sa.Table(
    "theme",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("theme_set_id", sa.Integer, sa.ForeignKey("theme_set.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("key_terms", sa.JSON),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("origin", sa.String(16), nullable=False),
)
theme_answer = sa.Table(
    "theme_answer",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("theme_set_id", sa.Integer, sa.ForeignKey("theme_set.id", ondelete="CASCADE"), nullable=False),
    sa.Column("response_public_id", sa.String(32), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("machine_theme_id", sa.Integer),
    sa.Column("quote_approved", sa.Boolean, nullable=False, default=False),
    sa.Column("flag", sa.String(16)),
    sa.UniqueConstraint("theme_set_id", "response_public_id"),
)
theme_answer_theme = sa.Table(
    "theme_answer_theme",
    metadata,
    sa.Column(
        "theme_answer_id", sa.Integer, sa.ForeignKey("theme_answer.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("theme_id", sa.Integer, sa.ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True),
)
TABLES = (theme_answer_theme, theme_answer, theme, theme_set)


@contextmanager
def theme_review_tables(url: str) -> Iterator[sa.Engine]:
    """The four tables in the database at `url`, emptied (and dropped if made here) after use."""
    engine = sa.create_engine(url)
    existed = sa.inspect(engine).has_table("theme_set")
    if not existed:
        metadata.create_all(engine, tables=TABLES[::-1])
    try:
        yield engine
    finally:
        with engine.begin() as conn:
            for table in TABLES:
                conn.execute(table.delete())
        if not existed:
            metadata.drop_all(engine, tables=TABLES[::-1])
        engine.dispose()


@dataclass(frozen=True)
class StoredAnswer:
    """One answer in a stored set: its response, its themes (by name), the engine's theme."""

    response_id: str
    themes: Sequence[str]
    machine_theme: str | None
    state: str = "reviewed"
    approved: bool = False
    flag: str | None = None


def store_theme_set(
    engine: sa.Engine,
    consultation_id: int,
    question_id: str,
    themes: Sequence[tuple[str, str]],
    answers: Sequence[StoredAnswer],
    status: str = "reviewed",
) -> None:
    """Write a theme set: `themes` as (name, description) in order, then its answers."""
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        set_id = conn.execute(
            theme_set.insert().values(
                consultation_id=consultation_id, question_id=question_id, engine="core", settings={},
                answers_included=len(answers), created_at=now, run_at=now, status=status, version=3,
            ).returning(theme_set.c.id)
        ).scalar_one()  # fmt: skip
        ids = {}
        for position, (name, description) in enumerate(themes):
            ids[name] = conn.execute(
                theme.insert().values(
                    theme_set_id=set_id, name=name, description=description, key_terms=[],
                    position=position, origin="machine",
                ).returning(theme.c.id)
            ).scalar_one()  # fmt: skip
        for answer in answers:
            answer_id = conn.execute(
                theme_answer.insert().values(
                    theme_set_id=set_id, response_public_id=answer.response_id, state=answer.state,
                    machine_theme_id=ids[answer.machine_theme] if answer.machine_theme else None,
                    quote_approved=answer.approved, flag=answer.flag,
                ).returning(theme_answer.c.id)
            ).scalar_one()  # fmt: skip
            for name in answer.themes:
                conn.execute(
                    theme_answer_theme.insert().values(theme_answer_id=answer_id, theme_id=ids[name])
                )
