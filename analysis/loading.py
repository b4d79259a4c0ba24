"""Load responses from the anonymised export (CSV) or the app's database, checked against the questionnaire.

Both sources end in `prepare_responses` (`analysis.response_frame`), which validates every
value against the questionnaire in `questions/` and returns a `LoadedResponses`: the
responses to count and, separately, what was left out. The database is read by
`analysis.database_source`; this module reads the export and chooses between the two.

pandas and SQLAlchemy are imported inside the functions so that importing this module
(and `consult-analysis --help`) stays instant.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.database_source import load_database
from analysis.errors import AnalysisError
from analysis.response_frame import (
    CHANNELS,
    EXPORT_META_COLUMNS,
    SEGMENT_COLUMNS,
    STATUSES,
    LoadedResponses,
    map_categories,
    prepare_responses,
    questionnaire_by_slug,
)
from analysis.spreadsheet_safety import FORMULA_TRIGGERS
from questions import DEFAULT_QUESTIONNAIRE, Questionnaire

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CHANNELS",
    "EXPORT_META_COLUMNS",
    "SEGMENT_COLUMNS",
    "STATUSES",
    "LoadedResponses",
    "load_database",
    "load_export",
    "load_responses",
    "prepare_responses",
    "questionnaire_by_slug",
]


def load_responses(
    source: str | Path,
    *,
    questionnaire: str = DEFAULT_QUESTIONNAIRE,
    consultation: str | None = None,
    include_drafts: bool = False,
    free_text: bool = False,
) -> LoadedResponses:
    """Load from an export CSV path or a database URL (anything containing "://")."""
    text = str(source)
    if "://" in text:
        return load_database(
            text, consultation=consultation, include_drafts=include_drafts, free_text=free_text
        )
    return load_export(
        text, questionnaire_by_slug(questionnaire), include_drafts=include_drafts, free_text=free_text
    )


def _undo_export_prefix(value: str) -> str:
    """Remove the apostrophe the exporter put before a formula-like cell, and only that."""
    if value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def load_export(
    path: str | Path,
    questionnaire: Questionnaire,
    *,
    include_drafts: bool = False,
    free_text: bool = False,
) -> LoadedResponses:
    """Read the anonymised export CSV (columns `response_id … updated_on, q1 … qN`).

    Free-text columns are read only when `free_text` is true (counts do not need them).
    """
    import pandas as pd

    file = Path(path)
    try:
        with file.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), None)
    except FileNotFoundError:
        raise AnalysisError(f"{file}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AnalysisError(f"{file}: cannot be read as UTF-8 CSV ({exc})") from None
    if not header:
        raise AnalysisError(f"{file}: the file is empty (no header row)")
    expected = [*EXPORT_META_COLUMNS, *questionnaire.question_ids]
    _check_header(header, expected, str(file))

    wanted = [c for c in expected if free_text or c not in _free_text_ids(questionnaire)]
    dtypes = {c: "category" for c in wanted}
    dtypes["response_id"] = "str"
    for qid in _free_text_ids(questionnaire):
        dtypes[qid] = "str"
    try:
        frame = pd.read_csv(
            file,
            usecols=wanted,
            dtype={c: dtypes[c] for c in wanted},
            keep_default_na=False,
            na_values=[""],
            encoding="utf-8-sig",
        )
    except (ValueError, pd.errors.ParserError) as exc:
        raise AnalysisError(f"{file}: not a readable CSV export ({str(exc).splitlines()[0]})") from None
    frame = frame[wanted]
    for column in wanted:
        series = frame[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            frame[column] = map_categories(series, _undo_export_prefix)
        elif _any_starts_with_apostrophe(series):
            frame[column] = series.map(_undo_export_prefix, na_action="ignore")

    def where(index: int) -> str:
        return f"{file}: row {index + 1} (line {index + 2})"

    return prepare_responses(
        frame, questionnaire, source=str(file), include_drafts=include_drafts, where=where
    )


def _any_starts_with_apostrophe(series: pd.Series) -> bool:
    """Whether any text in `series` starts with an apostrophe (one C-speed scan, not one per row)."""
    values = series.dropna().astype(str)
    return "\n'" in "\n" + "\n".join(values.tolist())


def _check_header(header: Sequence[str], expected: Sequence[str], source: str) -> None:
    if unknown := [c for c in header if c not in expected]:
        raise AnalysisError(f"{source}: unknown column {unknown[0]!r} (expected {', '.join(expected)})")
    if missing := [c for c in expected if c not in header]:
        raise AnalysisError(f"{source}: missing column {missing[0]!r}")
    if len(set(header)) != len(header):
        twice = next(c for c in header if list(header).count(c) > 1)
        raise AnalysisError(f"{source}: column {twice!r} appears twice")


def _free_text_ids(questionnaire: Questionnaire) -> set[str]:
    return {q.id for q in questionnaire.questions if not q.is_single_choice}
