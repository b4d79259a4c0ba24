"""URL converters: a path's number is one the database can hold, or the page is not found."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

# The largest value of the INTEGER columns ids are kept in (PostgreSQL's int4). A larger
# number in a path is no row's id, and PostgreSQL refuses to compare with it (500), so it
# is refused as not found before any query is made.
LARGEST_ID = 2**31 - 1


def whole_numbers_up_to(limit: int) -> str:
    """A regular expression matching exactly the numbers 1…`limit` (no leading zeros)."""
    digits = str(limit)
    alternatives = [rf"[1-9]\d{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []  # fewer digits
    for i, digit in enumerate(digits):  # as many digits: smaller at the first place they differ
        lowest = 1 if i == 0 else 0
        if int(digit) > lowest:
            rest = len(digits) - i - 1
            alternatives.append(rf"{digits[:i]}[{lowest}-{int(digit) - 1}]\d{{{rest}}}")
    alternatives.append(digits)
    return "(?:" + "|".join(alternatives) + ")"


class DatabaseIdConverter(IntegerConverter):
    """`<id:name>`: a whole number 1…LARGEST_ID; anything else matches no route (404).

    Refused by the pattern, not only by the bounds check after it: a path that matches a
    pattern and then fails conversion is answered 405 when a route for another method has
    the same pattern, and a bad id is a page not found, whatever the method.
    """

    regex = whole_numbers_up_to(LARGEST_ID)

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(url_map, min=1, max=LARGEST_ID)


def init_app(app: Flask) -> None:
    """Register the converters; before any blueprint, whose rules are compiled as they are added."""
    app.url_map.converters["id"] = DatabaseIdConverter
