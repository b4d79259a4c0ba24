"""Read responses from the app's database (SQLAlchemy Core and pandas; no Flask, no `consult`).

Tables used, as the app defines them: `consultation(id, slug, questionnaire, …)`,
`response(id, consultation_id, public_id, status, channel, role, organisation_type, region,
updated_on, …)` and `answer(id, response_id, stage, question_id, value)`. A response's
answers are its `answer` rows whose `stage` equals its `status`.
"""

from __future__ import annotations

from collections.abc import Sequence

from analysis.errors import AnalysisError
from analysis.loading import EXPORT_META_COLUMNS, LoadedResponses, prepare_responses, questionnaire_by_slug

__all__ = ["load_database"]


def load_database(
    url: str,
    *,
    consultation: str | None = None,
    include_drafts: bool = False,
    free_text: bool = False,
) -> LoadedResponses:
    """Read one consultation's responses from the app's database (SQLAlchemy URL).

    Uses the tables `consultation`, `response` and `answer`; a response's answers are its
    `answer` rows whose `stage` equals its `status`. `response_id` is `response.public_id`.
    `consultation` is the slug; if omitted the database must hold exactly one.
    """
    import pandas as pd
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(url)
    except (sa.exc.ArgumentError, ImportError, ValueError) as exc:
        raise AnalysisError(f"{_safe_url(url)}: not a usable database URL ({exc})") from None
    try:
        with engine.connect() as conn:
            consultations = conn.execute(
                sa.text("SELECT id, slug, questionnaire FROM consultation ORDER BY slug")
            ).all()
            chosen = _choose_consultation(consultations, consultation, url)
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
            answers = pd.read_sql_query(
                sa.text(
                    "SELECT a.response_id AS id, a.question_id, a.value FROM answer a "
                    "JOIN response r ON r.id = a.response_id "
                    "WHERE r.consultation_id = :cid AND a.stage = r.status"
                ),
                conn,
                params={"cid": chosen.id},
            )
    except sa.exc.SQLAlchemyError as exc:
        raise AnalysisError(f"{_safe_url(url)}: cannot read responses ({str(exc).splitlines()[0]})") from None
    finally:
        engine.dispose()

    known = set(questionnaire.question_ids)
    if unknown := sorted(set(answers["question_id"]) - known):
        raise AnalysisError(f"{_safe_url(url)}: answers name unknown question {unknown[0]!r}")
    answers = answers[answers["question_id"].isin(wanted)]
    if (twice := answers.duplicated(["id", "question_id"])).any():
        row = answers[twice].iloc[0]
        raise AnalysisError(f"{_safe_url(url)}: response {row['id']} has two answers to {row['question_id']}")
    wide = answers.pivot(index="id", columns="question_id", values="value")
    frame = responses.join(wide, on="id")
    for qid in wanted:
        if qid not in frame.columns:
            frame[qid] = None
    frame["updated_on"] = frame["updated_on"].map(_day, na_action="ignore")
    frame = frame[[*EXPORT_META_COLUMNS, *wanted]].replace("", None)
    public_ids = frame["response_id"].astype(str).to_numpy()

    def where(index: int) -> str:
        return f"{_safe_url(url)}: response {public_ids[index]}"

    return prepare_responses(
        frame,
        questionnaire,
        source=f"{_safe_url(url)} ({chosen.slug})",
        include_drafts=include_drafts,
        where=where,
    )


def _day(value: object) -> str:
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text[:10]


def _choose_consultation(rows: Sequence[object], slug: str | None, url: str) -> object:
    if slug is not None:
        for row in rows:
            if row.slug == slug:  # type: ignore[attr-defined]
                return row
        have = ", ".join(r.slug for r in rows) or "none"  # type: ignore[attr-defined]
        raise AnalysisError(f"{_safe_url(url)}: no consultation {slug!r} (the database has: {have})")
    if len(rows) == 1:
        return rows[0]
    if not rows:
        raise AnalysisError(f"{_safe_url(url)}: the database holds no consultation")
    have = ", ".join(r.slug for r in rows)  # type: ignore[attr-defined]
    raise AnalysisError(f"{_safe_url(url)}: several consultations ({have}); choose one with --consultation")


def _safe_url(url: str) -> str:
    """The URL without any password, for messages."""
    try:
        import sqlalchemy as sa

        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # a malformed URL: shown without credentials
        return url.split("@")[-1]
