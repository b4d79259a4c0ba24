"""Every CSV file the project writes goes through here: one dialect, every cell Excel-safe.

The dialect is RFC 4180's, which is also what Excel writes: comma-separated, fields quoted
where they need it, CR LF at the end of each row. Text cells go through
`neutralise_formula`; numbers stay numbers. A file meant to be opened by double-clicking it
(a download) starts with a UTF-8 byte order mark, without which Excel reads it as the
computer's legacy code page and garbles any accented letter.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import IO

from analysis.spreadsheet_safety import neutralise_formula

__all__ = ["BYTE_ORDER_MARK", "LINE_TERMINATOR", "csv_text", "write_csv_rows"]

LINE_TERMINATOR = "\r\n"
BYTE_ORDER_MARK = "\ufeff"


def write_csv_rows(out: IO[str], header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write `header` and then `rows` to `out` (opened with newline=""); return the number of rows.

    None is written as an empty cell, text made safe to open in a spreadsheet.
    """
    writer = csv.writer(out, lineterminator=LINE_TERMINATOR)
    writer.writerow([neutralise_formula(name) for name in header])
    count = 0
    for row in rows:
        writer.writerow([neutralise_formula(cell) for cell in row])
        count += 1
    return count


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]], *, byte_order_mark: bool = True) -> str:
    """The whole CSV file as text, for a download (with the byte order mark unless told not to)."""
    out = io.StringIO(newline="")
    if byte_order_mark:
        out.write(BYTE_ORDER_MARK)
    write_csv_rows(out, header, rows)
    return out.getvalue()
