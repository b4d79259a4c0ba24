"""The officers' and analysts' pages, gathered on one blueprint (`consult.officer.blueprint`).

Each module imported here adds its routes to that blueprint when imported.
"""

from __future__ import annotations

from consult.officer import closing, dashboard, downloads, invitations, keyed_in, theme_review, themes
from consult.officer.blueprint import bp

__all__ = ["bp", "closing", "dashboard", "downloads", "invitations", "keyed_in", "theme_review", "themes"]
