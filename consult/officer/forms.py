"""Forms for the officers' pages."""

from __future__ import annotations
