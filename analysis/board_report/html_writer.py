"""The Board report as one accessible, self-contained HTML file (a Jinja2 template).

The template (templates/board_report.html) sets the page's language, keeps the headings in
order (h1 title, h2 parts, h3 sections, h4 questions), gives every table a caption and
header cells with their scope, every chart its alternative text, and uses no script.
Charts are embedded as base64 PNG so the file stands alone.
"""

from __future__ import annotations

import base64

from analysis.board_report.model import (
    BoardReport,
    BulletList,
    Chart,
    Contact,
    Heading,
    Paragraph,
    Quote,
    Table,
)

__all__ = ["report_html"]


def _kind(block: object) -> str:
    for kind, cls in (
        ("heading", Heading),
        ("paragraph", Paragraph),
        ("list", BulletList),
        ("table", Table),
        ("chart", Chart),
        ("quote", Quote),
        ("contact", Contact),
    ):
        if isinstance(block, cls):
            return kind
    raise TypeError(f"unknown block {type(block).__name__}")


def report_html(report: BoardReport) -> str:
    """The report as an HTML document (str)."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("analysis.board_report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["kind"] = _kind
    environment.filters["base64"] = lambda data: base64.b64encode(data).decode("ascii")
    return environment.get_template("board_report.html").render(report=report)
