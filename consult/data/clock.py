"""Today's date where the consultation runs. Responses carry dates, never times."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def today() -> dt.date:
    return dt.datetime.now(LONDON).date()
