"""The officers' and analysts' pages, gathered on one blueprint (`consult.officer.blueprint`).

Each module imported here adds its routes to that blueprint when imported.
"""

from __future__ import annotations

from consult.officer import (
    board_report,
    closing,
    dashboard,
    downloads,
    invitations,
    keyed_in,
    theme_groups,
    theme_review,
    themes,
)
from consult.officer.blueprint import bp

__all__ = [
    "board_report",
    "bp",
    "closing",
    "dashboard",
    "downloads",
    "invitations",
    "keyed_in",
    "theme_groups",
    "theme_review",
    "themes",
]
