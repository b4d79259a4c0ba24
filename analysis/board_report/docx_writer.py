"""The Board report as a Word document (python-docx), ready to paste into the LGA's template.

Built only from Word's own styles, so the template's styles take over on pasting: the
Board, meeting date and item above the "Title", "Heading 1" for each part, "Heading 2/3"
for sections and questions, "List Number" for the numbered paragraphs (one list, numbered
on through the paper), "Quote" for quotes, "Caption" for the numbered captions ("Table 3:
…", "Figure 2: …", above each), and real tables in "Table Grid" with a header row repeated
on each page. Charts are pictures whose alternative text (the drawing's `descr`) gives
every value. A chart follows its table on the same page: the table's paragraphs, the space
after it and the chart's caption are each kept with the next, and no row breaks across pages.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from analysis.board_report.model import (
    BoardReport,
    BulletList,
    Chart,
    Contact,
    Heading,
    Paragraph,
    Part,
    Quote,
    Table,
)
from analysis.errors import AnalysisError
from analysis.plain_text import xml_safe

if TYPE_CHECKING:
    from docx.document import Document
    from docx.text.paragraph import Paragraph as DocxParagraph

__all__ = ["report_docx"]


def _keep(paragraph: DocxParagraph, *, with_next: bool) -> None:
    paragraph.paragraph_format.keep_together = True
    if with_next:
        paragraph.paragraph_format.keep_with_next = True


def _table(document: Document, table: Table, *, chart_follows: bool) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    caption = document.add_paragraph(xml_safe(table.label), style="Caption")
    _keep(caption, with_next=True)
    grid = document.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.LEFT
    header = grid.rows[0]
    # Repeat the header row on each page, and tell assistive technology it is a header.
    header_props = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header_props.append(repeat)
    for i, text in enumerate(table.columns):
        cell = header.cells[i]
        cell.text = ""
        run = cell.paragraphs[0].add_run(xml_safe(text))
        run.bold = True
        if i in table.numeric:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for values in table.rows:
        cells = grid.add_row().cells
        for i, text in enumerate(values):
            cells[i].text = xml_safe(text)
            if i in table.numeric:
                cells[i].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    last = len(grid.rows) - 1
    for r, row in enumerate(grid.rows):
        # A row never breaks across pages; the rows (and, before a chart, the last one too)
        # keep with the next, so the table stays together and with its chart.
        cant_split = OxmlElement("w:cantSplit")
        cant_split.set(qn("w:val"), "true")
        row._tr.get_or_add_trPr().append(cant_split)
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                _keep(paragraph, with_next=r < last or chart_follows)
    _keep(document.add_paragraph(), with_next=chart_follows)


def _chart(document: Document, chart: Chart) -> None:
    from docx.shared import Inches

    _keep(document.add_paragraph(xml_safe(chart.label), style="Caption"), with_next=True)
    document.add_picture(io.BytesIO(chart.png), width=Inches(chart.width_inches))
    _keep(document.paragraphs[-1], with_next=False)
    inline = document.inline_shapes[-1]._inline
    properties = inline.docPr
    properties.set("descr", xml_safe(chart.alt))
    properties.set("title", f"Figure {chart.number}")
    properties.set("name", f"Figure {chart.number}")


def report_docx(report: BoardReport) -> bytes:
    """The report as the bytes of a .docx file.

    Every text goes through `xml_safe`: a character XML cannot hold (a control character
    stored before forms refused them) is dropped rather than stopping the document. Anything
    else that stops a part being written is an AnalysisError naming the part.
    """
    import docx

    document = docx.Document()
    with _writing("title and heading"):
        document.core_properties.title = xml_safe(report.title)
        document.core_properties.language = "en-GB"
        for line in report.furniture:
            document.add_paragraph().add_run(xml_safe(line)).bold = True
        document.add_paragraph(xml_safe(report.title), style="Title")
        document.add_paragraph(xml_safe(report.subtitle))
        if not report.for_publication:
            warning = document.add_paragraph("NOT FOR PUBLICATION: disclosure control was turned off.")
            warning.runs[0].bold = True
    for part in report.parts:
        with _writing(part.heading or "untitled part"):
            _part(document, part)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@contextmanager
def _writing(part: str) -> Iterator[None]:
    """Turns a failure while writing one part into an AnalysisError that names the part."""
    try:
        yield
    except (ValueError, TypeError) as exc:
        raise AnalysisError(f"The report's part “{part}” could not be written to Word: {exc}") from exc


def _part(document: Document, part: Part) -> None:
    if part.heading:
        document.add_heading(xml_safe(part.heading), level=1)
    for i, block in enumerate(part.blocks):
        if isinstance(block, Heading):
            document.add_heading(xml_safe(block.text), level=block.level)
        elif isinstance(block, Paragraph):
            if block.number is not None:
                document.add_paragraph(xml_safe(block.text), style="List Number")
            else:
                paragraph = document.add_paragraph()
                run = paragraph.add_run(xml_safe(block.text))
                run.italic = block.note
        elif isinstance(block, BulletList):
            for item in block.items:
                document.add_paragraph(xml_safe(item), style="List Bullet")
        elif isinstance(block, Table):
            following = part.blocks[i + 1] if i + 1 < len(part.blocks) else None
            _table(document, block, chart_follows=isinstance(following, Chart))
        elif isinstance(block, Chart):
            _chart(document, block)
        elif isinstance(block, Quote):
            document.add_paragraph(f"“{xml_safe(block.text)}”", style="Quote")
        elif isinstance(block, Contact):
            for label, value in block.lines:
                paragraph = document.add_paragraph()
                paragraph.add_run(f"{xml_safe(label)}: ").bold = True
                paragraph.add_run(xml_safe(value))
