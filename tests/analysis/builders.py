"""Build small exports and databases, by hand, for the analysis tests."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

from questions import load_questionnaire

QUESTIONNAIRE = load_questionnaire("taking-stock")
META = ["response_id", "status", "channel", "role", "organisation_type", "region", "updated_on"]
COLUMNS = [*META, *QUESTIONNAIRE.question_ids]


def response(n: int, **values: str) -> dict[str, str]:
    """One export row: defaults for the metadata, empty answers, then `values`."""
    row = {c: "" for c in COLUMNS}
    row.update(
        response_id=f"r{n:04d}",
        status="submitted",
        channel="web",
        role="Leader",
        organisation_type="District",
        region="North East",
        updated_on="2015-02-01",
    )
    row.update(values)
    return row


def write_export(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns or COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def hand_counted_rows() -> list[dict[str, str]]:
    """12 submitted responses and 3 drafts whose counts are worked out in test_counts.py."""
    rows = []
    for n in range(1, 6):
        rows.append(response(n, q8="Yes", q13="Yes", q14="Yes"))
    for n in (6, 7):
        rows.append(response(n, q8="No", q13="Yes"))  # q14 asked, not answered
    for n in (8, 9, 10):
        rows.append(response(n, role="Chief executive", q8="Yes", q13="No"))  # q14 not asked
    rows.append(response(11, role="Chief executive"))  # answered nothing
    rows.append(response(12, role="", q8="Don't know", q13="Yes", q14="No"))
    for n in (13, 14, 15):
        rows.append(response(n, status="draft", q8="No", q13="Yes", q14="Yes"))
    return rows


SCHEMA = """
CREATE TABLE consultation (id INTEGER PRIMARY KEY, slug TEXT, title TEXT, questionnaire TEXT,
    opens_on DATE, closes_on DATE);
CREATE TABLE response (id INTEGER PRIMARY KEY, consultation_id INTEGER, public_id TEXT, status TEXT,
    channel TEXT, role TEXT, organisation_type TEXT, region TEXT, updated_on DATE, version INTEGER);
CREATE TABLE answer (id INTEGER PRIMARY KEY, response_id INTEGER, stage TEXT, question_id TEXT, value TEXT);
"""


def write_database(
    path: Path, rows: list[dict[str, str]], slugs: tuple[str, ...] = ("taking-stock-2015",)
) -> str:
    """A SQLite database in the app's schema holding `rows` in the first consultation.

    Each submitted response also carries a stale draft-stage answer "No" to q8, and each
    draft a submitted-stage one, which must be ignored.
    """
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    for i, slug in enumerate(slugs, start=1):
        conn.execute(
            "INSERT INTO consultation VALUES (?, ?, ?, 'taking-stock', '2015-01-12', '2015-03-06')",
            (i, slug, f"Consultation {slug}"),
        )
    for rid, row in enumerate(rows, start=1):
        conn.execute(
            "INSERT INTO response VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, 1)",
            (
                rid,
                row["response_id"],
                row["status"],
                row["channel"],
                row["role"] or None,
                row["organisation_type"] or None,
                row["region"] or None,
                row["updated_on"],
            ),
        )
        for qid in QUESTIONNAIRE.question_ids:
            if row[qid]:
                conn.execute(
                    "INSERT INTO answer (response_id, stage, question_id, value) VALUES (?, ?, ?, ?)",
                    (rid, row["status"], qid, row[qid]),
                )
        other = "draft" if row["status"] == "submitted" else "submitted"
        conn.execute(
            "INSERT INTO answer (response_id, stage, question_id, value) VALUES (?, ?, 'q8', 'No')",
            (rid, other),
        )
    conn.commit()
    conn.close()
    return f"sqlite:///{path}"
