"""Percentages from counts: the one rule every table, sentence, chart and alternative text uses.

A percentage is always made from its two counts, 100 × count / base, rounded to a number
of decimal places with halves going up: 131/270 = 48.518… is 48.5 to one place and 49 to
none; 21/80 = 26.25 is 26.3; 1/8 = 12.5 is 13. The rounding is done in whole numbers, so
no binary fraction can tip a half either way, and a percentage is never made by rounding
an already rounded one (48.5 → 48 or 49 would depend on how 48.5 was stored).

`percent_units` is the rule; `percent_value` and `percent_text` give its result as a number
for data files and as text for people.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, overload

if TYPE_CHECKING:
    import numpy as np

__all__ = ["percent_text", "percent_units", "percent_value"]


@overload
def percent_units(count: int, base: int, places: int = 0) -> int: ...
@overload
def percent_units(count: np.ndarray, base: np.ndarray, places: int = 0) -> np.ndarray: ...
def percent_units(count: int | np.ndarray, base: int | np.ndarray, places: int = 0) -> int | np.ndarray:
    """100 × count / base rounded half up to `places` decimals, in units of 10**-places per cent.

    `percent_units(131, 270, 1)` is 485 (48.5 per cent); `percent_units(131, 270)` is 49.
    Whole numbers (or integer arrays, element by element). A base of 0 has no percentage:
    a `ValueError` for whole numbers; -1 in an array, for the caller to mask.
    """
    if places < 0:
        raise ValueError(f"places must be 0 or more, not {places}")
    scale = 100 * 10**places
    if isinstance(count, int) and isinstance(base, int):
        if base <= 0:
            raise ValueError("a percentage needs a base of 1 or more")
        if not 0 <= count:
            raise ValueError("a percentage needs a count of 0 or more")
        # round(x) half up for x = scale·count/base ≥ 0 is floor(x + 1/2), in integers.
        return (2 * scale * count + base) // (2 * base)
    import numpy as np

    counts = np.asarray(count, dtype=np.int64)
    bases = np.asarray(base, dtype=np.int64)
    safe = np.where(bases > 0, bases, 1)
    units = (2 * scale * counts + safe) // (2 * safe)
    return np.where(bases > 0, units, -1)


def percent_value(count: np.ndarray, base: np.ndarray, places: int = 1) -> np.ndarray:
    """`percent_units` as float percentages (48.5), NaN where the base is 0: for data files."""
    import numpy as np

    units = percent_units(np.asarray(count), np.asarray(base), places)
    return np.where(units >= 0, units / 10**places, np.nan)


def percent_text(count: int, base: int, places: int = 0) -> str:
    """`percent_units` as text, without the sign: "49" or, with `places=1`, "48.5"."""
    units = percent_units(int(count), int(base), places)
    if not places:
        return str(units)
    whole, part = divmod(units, 10**places)
    return f"{whole}.{part:0{places}d}"
