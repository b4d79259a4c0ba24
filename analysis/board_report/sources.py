"""What a Board report is made from: the responses and, from a database, what else it holds.

`read_report_source` loads the responses with the shared loader (`analysis.loading`, free
text included). From a database URL it also reads, with SQLAlchemy Core by table and column
name (no Flask, no `consult`):

- the consultation's dates and title (`consultation`);
- the invitation list's role, organisation type and region for invited people, and the
  submitted invited responses by the same attributes, for response rates (`invitation`,
  `response`; never a name, email or organisation, and never a join between the two);
- the stored theme review, where the tables exist (`theme_set`, `theme`, `theme_answer`,
  `theme_answer_theme`): each free-text question's themes as the analysts left them.

An export CSV has none of these; the report says so where it matters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis.errors import AnalysisError
from analysis.loading import LoadedResponses, load_responses
from questions import DEFAULT_QUESTIONNAIRE

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ConsultationFacts", "ReportSource", "StoredThemeSet", "read_report_source"]


@dataclass(frozen=True)
class ConsultationFacts:
    """The consultation as the database records it."""

    slug: str
    title: str
    opens_on: dt.date | None
    closes_on: dt.date | None
    # When the contact list was deleted after closing (the invitations with it), if it was.
    purged_on: dt.date | None = None


@dataclass(frozen=True)
class StoredThemeSet:
    """One question's stored theme review.

    `themes`: columns theme_id, name, description, position, origin, in display order.
    `answers`: columns theme_answer_id, response_id, state, machine_theme_id,
    quote_approved (bool), flag (None or text), one row per answer in the set.
    `links`: columns theme_answer_id, theme_id (an answer in several themes has several).
    """

    question_id: str
    engine: str
    status: str
    run_at: object
    answers_included: int
    themes: pd.DataFrame
    answers: pd.DataFrame
    links: pd.DataFrame

    @property
    def reviewed(self) -> bool:
        return self.status == "reviewed"

    def changed_by_analysts(self) -> int:
        """Reviewed answers whose themes differ from the one the engine gave them."""
        if self.answers.empty:
            return 0
        themes_of: dict[int, set[int]] = {}
        for answer_id, theme_id in zip(self.links["theme_answer_id"], self.links["theme_id"], strict=True):
            themes_of.setdefault(int(answer_id), set()).add(int(theme_id))
        changed = 0
        for row in self.answers[self.answers["state"] == "reviewed"].itertuples(index=False):
            machine = set() if _missing(row.machine_theme_id) else {int(row.machine_theme_id)}
            changed += themes_of.get(int(row.theme_answer_id), set()) != machine
        return changed


@dataclass(frozen=True)
class ReportSource:
    """Everything a report is built from.

    `invitations`: None for an export; otherwise columns role, organisation_type, region,
    one row per person invited (kind "invited"). `invited_responses`: the same columns, one
    row per submitted response that came through an invitation link.
    """

    loaded: LoadedResponses
    from_database: bool
    consultation: ConsultationFacts | None = None
    invitations: pd.DataFrame | None = None
    invited_responses: pd.DataFrame | None = None
    theme_sets: dict[str, StoredThemeSet] = field(default_factory=dict)
    theme_review_stored: bool = False


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def read_report_source(
    source: str | Path,
    *,
    questionnaire: str = DEFAULT_QUESTIONNAIRE,
    consultation: str | None = None,
) -> ReportSource:
    """Load INPUT (an export CSV path or a database URL) for a Board report."""
    loaded = load_responses(source, questionnaire=questionnaire, consultation=consultation, free_text=True)
    text = str(source)
    if "://" not in text:
        return ReportSource(loaded=loaded, from_database=False)
    return _with_database_facts(loaded, text, consultation)


def _with_database_facts(loaded: LoadedResponses, url: str, slug: str | None) -> ReportSource:
    import sqlalchemy as sa

    from analysis.database_source import _safe_url

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            columns = {c["name"] for c in inspector.get_columns("consultation")}
            purged = "purged_on" if "purged_on" in columns else "NULL AS purged_on"
            rows = conn.execute(
                sa.text(
                    f"SELECT id, slug, title, opens_on, closes_on, {purged} FROM consultation ORDER BY slug"
                )
            ).all()
            # The loader has already refused a missing slug or an ambiguous database.
            chosen = next(r for r in rows if slug is None or r.slug == slug)
            facts = ConsultationFacts(
                chosen.slug,
                chosen.title,
                _date(chosen.opens_on),
                _date(chosen.closes_on),
                _date(chosen.purged_on),
            )
            if not inspector.has_table("invitation"):
                # A database holding responses only (no invitation list at all).
                invitations = invited_responses = None
            else:
                invitations, invited_responses = _invitation_rows(conn, chosen.id)
            stored = inspector.has_table("theme_set")
            theme_sets = _theme_sets(conn, chosen.id) if stored else {}
    except sa.exc.SQLAlchemyError as exc:
        raise AnalysisError(
            f"{_safe_url(url)}: cannot read the report's data ({str(exc).splitlines()[0]})"
        ) from None
    finally:
        engine.dispose()
    return ReportSource(
        loaded=loaded,
        from_database=True,
        consultation=facts,
        invitations=invitations,
        invited_responses=invited_responses,
        theme_sets=theme_sets,
        theme_review_stored=stored,
    )


def _invitation_rows(conn: Any, consultation_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Invited people and their submitted responses, by role, type and region (no names)."""
    import pandas as pd
    import sqlalchemy as sa

    invitations = pd.read_sql_query(
        sa.text(
            "SELECT role, organisation_type, region FROM invitation "
            "WHERE consultation_id = :cid AND kind = 'invited'"
        ),
        conn,
        params={"cid": consultation_id},
    )
    invited_responses = pd.read_sql_query(
        sa.text(
            "SELECT role, organisation_type, region FROM response "
            "WHERE consultation_id = :cid AND origin = 'invited' AND status = 'submitted'"
        ),
        conn,
        params={"cid": consultation_id},
    )
    return invitations, invited_responses


def _date(value: object) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _theme_sets(conn: Any, consultation_id: int) -> dict[str, StoredThemeSet]:
    """Every stored theme set of the consultation, by question id."""
    import pandas as pd
    import sqlalchemy as sa

    params = {"cid": consultation_id}
    sets = conn.execute(
        sa.text(
            "SELECT id, question_id, engine, status, run_at, answers_included FROM theme_set "
            "WHERE consultation_id = :cid"
        ),
        params,
    ).all()
    themes = pd.read_sql_query(
        sa.text(
            "SELECT t.id AS theme_id, t.theme_set_id, t.name, t.description, t.position, t.origin "
            "FROM theme t JOIN theme_set s ON s.id = t.theme_set_id WHERE s.consultation_id = :cid "
            "ORDER BY t.theme_set_id, t.position, t.id"
        ),
        conn,
        params=params,
    )
    answers = pd.read_sql_query(
        sa.text(
            "SELECT a.id AS theme_answer_id, a.theme_set_id, a.response_public_id AS response_id, a.state, "
            "a.machine_theme_id, a.quote_approved, a.flag FROM theme_answer a "
            "JOIN theme_set s ON s.id = a.theme_set_id WHERE s.consultation_id = :cid ORDER BY a.id"
        ),
        conn,
        params=params,
    )
    links = pd.read_sql_query(
        sa.text(
            "SELECT l.theme_answer_id, l.theme_id FROM theme_answer_theme l "
            "JOIN theme_answer a ON a.id = l.theme_answer_id "
            "JOIN theme_set s ON s.id = a.theme_set_id WHERE s.consultation_id = :cid "
            "ORDER BY l.theme_answer_id, l.theme_id"
        ),
        conn,
        params=params,
    )
    answers["quote_approved"] = answers["quote_approved"].fillna(False).astype(bool)
    answers["response_id"] = answers["response_id"].astype(str)
    out = {}
    for row in sets:
        mine = answers[answers["theme_set_id"] == row.id].drop(columns="theme_set_id")
        out[str(row.question_id)] = StoredThemeSet(
            question_id=str(row.question_id),
            engine=str(row.engine),
            status=str(row.status),
            run_at=row.run_at,
            answers_included=int(row.answers_included or 0),
            themes=themes[themes["theme_set_id"] == row.id]
            .drop(columns="theme_set_id")
            .reset_index(drop=True),
            answers=mine.reset_index(drop=True),
            links=links[links["theme_answer_id"].isin(mine["theme_answer_id"])].reset_index(drop=True),
        )
    return out
