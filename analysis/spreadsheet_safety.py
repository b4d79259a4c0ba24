"""Cells that are safe to open in Excel and other spreadsheet programs."""

from __future__ import annotations

# A cell whose text starts with one of these may be read as a formula (or DDE command) by
# Excel, LibreOffice or Google Sheets; full-width forms are folded to ASCII by some of them.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise_formula(value: object) -> object:
    """Prefix text that a spreadsheet would take for a formula with an apostrophe.

    Non-text values (numbers, dates, None) are returned unchanged, so counts stay numbers.
    NUL characters are removed, as spreadsheet programs truncate or reject them.
    """
    if not isinstance(value, str):
        return value
    text = value.replace("\x00", "")
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text
