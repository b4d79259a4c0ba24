"""Write counts as CSV, XLSX and JSON, safe to open in a spreadsheet.

Every text cell goes through `neutralise_formula`; XLSX cells are written as strings or
numbers explicitly, never as formulas. Suppressed cells are empty in the tidy CSV/JSON
(with `suppressed` true) and "[c]" in the per-question sheets meant for people. Output made
with suppression turned off carries "not for publication" in every file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from analysis.counts.counting import NOT_ANSWERED, OTHER_SEGMENT, TIDY_COLUMNS, CountsResult
from analysis.percentages import percent_text
from analysis.spreadsheet_safety import neutralise_formula

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "NOT_FOR_PUBLICATION",
    "SUPPRESSED_MARK",
    "crosstab_for_people",
    "csv_header_and_rows",
    "methods_summary",
    "to_json",
    "write_csv",
    "write_json",
    "write_xlsx",
]

SUPPRESSED_MARK = "[c]"
NOT_FOR_PUBLICATION = "not for publication"


def _safe_table(result: CountsResult) -> pd.DataFrame:
    table = result.table.copy()
    for column in ("question_id", "question", "segment_by", "segment", "option"):
        table[column] = table[column].map(neutralise_formula)
    if not result.for_publication:
        table["publication"] = NOT_FOR_PUBLICATION
    return table


def csv_header_and_rows(result: CountsResult) -> tuple[list[str], list[list[object]]]:
    """The tidy table as a header and rows of cells for `analysis.csv_output` (missing = None)."""
    table = _safe_table(result)
    cells = table.astype(object).where(table.notna(), None)
    return [str(c) for c in table.columns], cells.to_numpy().tolist()


def write_csv(result: CountsResult, out: str | Path | IO[str]) -> None:
    """The tidy table as UTF-8 CSV (suppressed counts empty, `suppressed` true)."""
    from analysis.csv_output import write_csv_rows

    header, rows = csv_header_and_rows(result)
    if isinstance(out, str | Path):
        with open(out, "w", encoding="utf-8", newline="") as fh:
            write_csv_rows(fh, header, rows)
    else:
        write_csv_rows(out, header, rows)


def methods_summary(result: CountsResult) -> dict[str, Any]:
    """Facts a reader needs: threshold, what was suppressed and excluded, and why, and how
    much information the suppression cost (cells hidden, share of cells of 10 or more)."""
    reasons = result.excluded["reason"].value_counts()
    cells = result.detail.attrs.get("cells") or {}
    large = cells.get("large", 0)
    return {
        "questionnaire": result.questionnaire.slug,
        "title": result.questionnaire.title,
        "source": result.source,
        "responses_counted": result.responses,
        "drafts_included": result.include_drafts,
        "drafts_excluded": int(reasons.get("draft (not submitted)", 0)),
        "answers_cleared_not_shown": int(len(result.excluded) - reasons.get("draft (not submitted)", 0)),
        "for_publication": result.for_publication,
        "threshold": result.threshold,
        "zeros_suppressed": False,
        "percent_of": "answered",
        "rounding": "half up, one decimal place",
        "cells_published_or_hidden": int(cells.get("total", 0)),
        "cells_suppressed_primary": int(cells.get("primary", 0)),
        "cells_suppressed_secondary": int(cells.get("secondary", 0)),
        "cells_10_or_more": int(large),
        "cells_10_or_more_hidden": int(cells.get("large_hidden", 0)),
        "share_of_cells_10_or_more_hidden": round(cells.get("large_hidden", 0) / large, 4) if large else 0.0,
        "breakdowns": list(result.by),
        "merged_segments": {
            by: f"{OTHER_SEGMENT[by]}: every {by.replace('_', ' ')} with fewer than {result.threshold} "
            "respondents, grouped (with the next smallest where the group was itself too small)"
            for by, names in (result.merged or {}).items()
            if names
        },
        "guarantee": guarantee(result),
    }


def guarantee(result: CountsResult) -> str:
    """What the disclosure control promises, in one paragraph (true of this output)."""
    if not result.for_publication:
        return "None: disclosure control was turned off. Not for publication."
    t = result.threshold
    return (
        f"No count, “not answered”, base or number answered from 1 to {t - 1} is published, and no "
        f"segment with fewer than {t} respondents is shown on its own. Figures are hidden over all the "
        "tables of this output together (every question, the overall table and every breakdown, and the "
        "link between a follow-up question’s base and its parent’s answers), so that anyone holding all "
        "of them and solving linear programmes cannot narrow any hidden figure to a range shorter than "
        f"{t / 2:g}. Zeros are published, except where from 1 to {t - 1} were asked."
    )


def to_json(result: CountsResult) -> dict[str, Any]:
    """The tidy table and methods facts as a JSON-ready dict (suppressed values null)."""
    table = result.table
    rows = []
    for record in table.to_dict(orient="records"):
        rows.append(
            {
                key: (None if value is None or value != value or str(value) == "<NA>" else value)
                for key, value in ((k, _plain(v)) for k, v in record.items())
            }
        )
    return {"methods": methods_summary(result), "columns": list(TIDY_COLUMNS), "rows": rows}


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return value


def write_json(result: CountsResult, out: str | Path | IO[str]) -> None:
    """`to_json` written as UTF-8 JSON."""
    text = json.dumps(to_json(result), ensure_ascii=False, indent=1)
    if isinstance(out, str | Path):
        Path(out).write_text(text + "\n", encoding="utf-8")
    else:
        out.write(text + "\n")


def crosstab_for_people(result: CountsResult, question_id: str, segment_by: str) -> pd.DataFrame:
    """One question and breakdown as rows = segments, columns = options, cells "n (p%)" or "[c]".

    Columns: `Segment, Asked, Answered`, then each option, then "Not answered". Built from
    the published table only, so nothing hidden can show.
    """
    import pandas as pd

    out: dict[str, list[Any]] = {"Segment": [], "Asked": [], "Answered": []}
    for segment, group in _published(result, question_id, segment_by):
        out["Segment"].append(segment)
        first = group.iloc[0]
        out["Asked"].append(_number_text(first["asked"]))
        out["Answered"].append(_number_text(first["answered"]))
        for cell in group.itertuples(index=False):
            out.setdefault(cell.option, []).append(_cell_text(cell))
    return pd.DataFrame(out)


def _published(result: CountsResult, question_id: str, segment_by: str) -> Any:
    table = result.table
    rows = table[(table["question_id"] == question_id) & (table["segment_by"] == segment_by)]
    return rows.groupby("segment", sort=False)


def _missing(value: Any) -> bool:
    import pandas as pd

    return value is None or bool(pd.isna(value))


def _number_text(value: Any) -> str:
    return SUPPRESSED_MARK if _missing(value) else f"{int(value):,}"


def _cell_text(cell: Any) -> str:
    if cell.suppressed or _missing(cell.count):
        return SUPPRESSED_MARK
    count = f"{int(cell.count):,}"
    if cell.option == NOT_ANSWERED or _missing(cell.percent):
        return count
    return f"{count} ({percent_text(int(cell.count), int(cell.answered), 1)}%)"


def _sheet_name(question_id: str) -> str:
    return question_id.upper()


def write_xlsx(result: CountsResult, out: str | Path | IO[bytes]) -> None:
    """Workbook: "Notes", one sheet per question (overall and each breakdown), and "Tidy"."""
    import xlsxwriter

    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    workbook = xlsxwriter.Workbook(out, {**options, "in_memory": True})
    bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})

    def put(sheet: Any, row: int, col: int, value: Any, fmt: Any = None) -> None:
        if value is None or (isinstance(value, float) and value != value) or str(value) == "<NA>":
            sheet.write_blank(row, col, None, fmt)
        elif isinstance(value, bool):
            sheet.write_boolean(row, col, value, fmt)
        elif isinstance(value, int | float) or hasattr(value, "item"):
            sheet.write_number(row, col, _plain(value), fmt)
        else:
            sheet.write_string(row, col, str(neutralise_formula(str(value))), fmt)

    notes = workbook.add_worksheet("Notes")
    notes.set_column(0, 0, 34)
    notes.set_column(1, 1, 90)
    facts = methods_summary(result)
    lines: list[tuple[str, Any]] = [("Consultation", facts["title"])]
    if not result.for_publication:
        lines.insert(0, ("NOT FOR PUBLICATION", "Disclosure control was turned off: small counts are shown."))
    lines += [(key.replace("_", " ").capitalize(), value) for key, value in facts.items() if key != "title"]
    lines += [
        (
            "[c]",
            "Suppressed to protect respondents: from 1 to the threshold less one, or hidden so that no "
            "suppressed figure can be worked out or narrowed from everything published.",
        ),
        (
            "Percentages",
            "Of those asked who answered (column answered), rounded half up to one decimal place.",
        ),
    ]
    for r, (label, value) in enumerate(lines):
        put(notes, r, 0, label, bold)
        if isinstance(value, dict):
            value = "; ".join(value.values()) or "none"
        put(notes, r, 1, ", ".join(value) if isinstance(value, list) else value, wrap)

    whole = workbook.add_format({"num_format": "#,##0"})
    share = workbook.add_format({"num_format": '0.0"%"'})
    hidden = workbook.add_format({"align": "right"})

    def figure(sheet: Any, row: int, col: int, value: Any, fmt: Any) -> None:
        if _missing(value):
            sheet.write_string(row, col, SUPPRESSED_MARK, hidden)
        else:
            sheet.write_number(row, col, float(value) if fmt is share else int(value), fmt)

    for question in result.questionnaire.questions:
        if question.id not in set(result.table["question_id"]):
            continue
        sheet = workbook.add_worksheet(_sheet_name(question.id))
        sheet.set_column(0, 0, 36)
        sheet.set_column(1, 2 + 2 * len(question.options) + 1, 14)
        put(sheet, 0, 0, f"{question.id.upper()}. {question.text}", bold)
        put(sheet, 1, 0, "Numbers, and per cent of those asked who answered; [c] = suppressed.", wrap)
        r = 3
        for segment_by in ("all", *result.by):
            title = "All respondents" if segment_by == "all" else f"By {segment_by.replace('_', ' ')}"
            put(sheet, r, 0, title, bold)
            r += 1
            head = ["Segment", "Asked", "Answered"]
            for option in question.options:
                head += [f"{option}: number", f"{option}: per cent"]
            head.append(NOT_ANSWERED)
            for c, name in enumerate(head):
                put(sheet, r, c, name, bold)
            for segment, group in _published(result, question.id, segment_by):
                r += 1
                first = group.iloc[0]
                put(sheet, r, 0, segment, wrap)
                figure(sheet, r, 1, first["asked"], whole)
                figure(sheet, r, 2, first["answered"], whole)
                c = 3
                for cell in group.itertuples(index=False):
                    figure(sheet, r, c, cell.count, whole)
                    if cell.option == NOT_ANSWERED:
                        continue
                    if _missing(cell.percent) and not _missing(cell.count):
                        sheet.write_blank(r, c + 1, None)
                    else:
                        figure(sheet, r, c + 1, cell.percent, share)
                    c += 2
            r += 2

    tidy = workbook.add_worksheet("Tidy")
    table = result.table
    columns = [*table.columns, *(["publication"] if not result.for_publication else [])]
    for c, name in enumerate(columns):
        put(tidy, 0, c, name, bold)
    for r, record in enumerate(table.itertuples(index=False), start=1):
        for c, value in enumerate(record):
            put(tidy, r, c, value)
        if not result.for_publication:
            put(tidy, r, len(table.columns), NOT_FOR_PUBLICATION)
    workbook.close()
