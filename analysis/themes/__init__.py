"""Themes in free-text answers: offline, reproducible, with quotes, sentiment and campaigns.

    from analysis.themes import ThemeOptions, theme_answers, write_report
    report = theme_answers(answers_df, ThemeOptions(engine="core", max_themes=12))
    write_report(report, "html", "themes.html")

`answers_df` has one row per answer: `response_id, question_id, text[, status]`. Two
engines sit behind the same interface: "core" (NLTK tokens, scikit-learn LSA and word
vectors learnt from the answers) and "semantic" (sentence-transformers embeddings, optional
extra). The same input and options give byte-identical JSON.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from analysis.counts.disclosure import DEFAULT_THRESHOLD

if TYPE_CHECKING:
    from analysis.themes.model import ThemeOptions, ThemeReport, ThemesError
    from analysis.themes.pipeline import theme_answers

__all__ = ["ThemeOptions", "ThemeReport", "ThemesError", "theme_answers", "write_report"]


def __getattr__(name: str) -> Any:
    """Import the heavy parts (pandas, scikit-learn, NLTK) only when first used."""
    if name == "theme_answers":
        from analysis.themes.pipeline import theme_answers

        return theme_answers
    if name in ("ThemeOptions", "ThemeReport", "ThemesError"):
        from analysis.themes import model

        return getattr(model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def write_report(
    report: ThemeReport,
    fmt: str,
    out: Path | str | TextIO = sys.stdout,
    *,
    threshold: int | None = DEFAULT_THRESHOLD,
) -> None:
    """Write `report` as "html", "xlsx" or "json" to a path or text stream (xlsx: path only).

    The HTML report, the one meant for publishing, suppresses theme counts and campaign
    sizes below `threshold` (None: no suppression, marked not for publication). The XLSX
    and JSON files are working files with one row per answer and exact counts; none of the
    three quotes a theme whose count is hidden at `threshold`.
    """
    from analysis.themes.model import ThemesError

    if fmt == "xlsx":
        from analysis.themes.xlsx_report import write_xlsx

        if not isinstance(out, str | Path):
            raise ThemesError("an XLSX report needs a file path")
        write_xlsx(report, out, threshold)
        return
    if fmt == "html":
        from analysis.themes.html_report import to_html

        text = to_html(report, threshold)
    elif fmt == "json":
        from analysis.themes.json_report import to_json

        text = to_json(report, threshold)
    else:
        raise ThemesError(f"format must be html, xlsx or json, not {fmt!r}")
    if isinstance(out, str | Path):
        Path(out).write_text(text, encoding="utf-8")
    else:
        out.write(text)
