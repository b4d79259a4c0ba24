"""Read responses from the app's database (SQLAlchemy Core and pandas; no Flask, no `consult`).

Tables used, as the app defines them: `consultation(id, slug, questionnaire, …)`,
`response(id, consultation_id, public_id, status, channel, role, organisation_type, region,
updated_on, …)` and `answer(id, response_id, stage, question_id, value)`. A response's
answers are its `answer` rows whose `stage` equals its `status` (`analysis.stored_answers`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from analysis.errors import AnalysisError
from analysis.response_frame import (
    EXPORT_META_COLUMNS,
    LoadedResponses,
    prepare_responses,
    questionnaire_by_slug,
)
from analysis.stored_answers import counted_answers

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

__all__ = ["load_database", "read_responses"]


def load_database(
    url: str,
    *,
    consultation: str | None = None,
    include_drafts: bool = False,
    free_text: bool = False,
) -> LoadedResponses:
    """Read one consultation's responses from the app's database (SQLAlchemy URL).

    `consultation` is the slug; if omitted the database must hold exactly one. See
    `read_responses` for what is read.
    """
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(url)
    except (sa.exc.ArgumentError, ImportError, ValueError) as exc:
        raise AnalysisError(f"{_safe_url(url)}: not a usable database URL ({exc})") from None
    try:
        with engine.connect() as conn:
            return read_responses(
                conn,
                consultation=consultation,
                include_drafts=include_drafts,
                free_text=free_text,
                source=_safe_url(url),
            )
    except sa.exc.SQLAlchemyError as exc:
        raise AnalysisError(f"{_safe_url(url)}: cannot read responses ({str(exc).splitlines()[0]})") from None
    finally:
        engine.dispose()


def read_responses(
    conn: Connection,
    *,
    consultation: str | None = None,
    include_drafts: bool = False,
    free_text: bool = False,
    source: str = "database",
) -> LoadedResponses:
    """Read one consultation's responses on an open SQLAlchemy connection (the web app's own).

    Uses the tables `consultation`, `response` and `answer`; a response's answers are the
    ones that count (`analysis.stored_answers`). `response_id` is `response.public_id`.
    `consultation` is the slug; if omitted the database must hold exactly one. `source`
    names the database in messages and in the result (never with a password).
    """
    import pandas as pd
    import sqlalchemy as sa

    listed = sa.text("SELECT id, slug, questionnaire FROM consultation ORDER BY slug")
    consultations = conn.execute(listed).all()
    chosen = _choose_consultation(consultations, consultation, source)
    questionnaire = questionnaire_by_slug(chosen.questionnaire)
    responses = pd.read_sql_query(
        sa.text(
            "SELECT id, public_id AS response_id, status, channel, role, organisation_type, region, "
            "updated_on FROM response WHERE consultation_id = :cid ORDER BY id"
        ),
        conn,
        params={"cid": chosen.id},
    )
    wanted = [q.id for q in questionnaire.questions if free_text or q.is_single_choice]
    rows = conn.execute(counted_answers(chosen.id)).all()
    answers = pd.DataFrame(rows, columns=["id", "question_id", "value"])

    known = set(questionnaire.question_ids)
    if unknown := sorted(set(answers["question_id"]) - known):
        raise AnalysisError(f"{source}: answers name unknown question {unknown[0]!r}")
    answers = answers[answers["question_id"].isin(wanted)]
    if (twice := answers.duplicated(["id", "question_id"])).any():
        row = answers[twice].iloc[0]
        raise AnalysisError(f"{source}: response {row['id']} has two answers to {row['question_id']}")
    wide = answers.pivot(index="id", columns="question_id", values="value")
    frame = responses.join(wide, on="id")
    for qid in wanted:
        if qid not in frame.columns:
            frame[qid] = None
    frame["updated_on"] = frame["updated_on"].map(_day, na_action="ignore")
    frame = frame[[*EXPORT_META_COLUMNS, *wanted]].replace("", None)
    public_ids = frame["response_id"].astype(str).to_numpy()

    def where(index: int) -> str:
        return f"{source}: response {public_ids[index]}"

    loaded = prepare_responses(
        frame,
        questionnaire,
        source=f"{source} ({chosen.slug})",
        include_drafts=include_drafts,
        where=where,
    )
    return replace(loaded, consultation=str(chosen.slug))


def _day(value: object) -> str:
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text[:10]


def _choose_consultation(rows: Sequence[object], slug: str | None, source: str) -> object:
    if slug is not None:
        for row in rows:
            if row.slug == slug:  # type: ignore[attr-defined]
                return row
        have = ", ".join(r.slug for r in rows) or "none"  # type: ignore[attr-defined]
        raise AnalysisError(f"{source}: no consultation {slug!r} (the database has: {have})")
    if len(rows) == 1:
        return rows[0]
    if not rows:
        raise AnalysisError(f"{source}: the database holds no consultation")
    have = ", ".join(r.slug for r in rows)  # type: ignore[attr-defined]
    raise AnalysisError(f"{source}: several consultations ({have}); choose one with --consultation")


def _safe_url(url: str) -> str:
    """The URL without any password, for messages."""
    try:
        import sqlalchemy as sa

        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # a malformed URL: shown without credentials
        return url.split("@")[-1]
