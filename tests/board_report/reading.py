"""Read a Board report back: Word with python-docx, for the tests."""

from __future__ import annotations

import io
from dataclasses import dataclass


@dataclass
class ReadDocx:
    headings: list[tuple[str, str]]  # (style, text) of every Title/Heading paragraph, in order
    text: str  # every paragraph and table cell
    tables: list[list[list[str]]]
    captions: list[str]  # of the tables ("Table 3: …"), in order
    alt_texts: list[str | None]
    numbered: list[str]


def read_docx(body: bytes) -> ReadDocx:
    import docx

    document = docx.Document(io.BytesIO(body))
    headings, captions, numbered, texts = [], [], [], []
    for paragraph in document.paragraphs:
        style = paragraph.style.name
        texts.append(paragraph.text)
        if style == "Title" or style.startswith("Heading"):
            headings.append((style, paragraph.text))
        elif style == "Caption" and paragraph.text.startswith("Table "):
            captions.append(paragraph.text)
        elif style == "List Number":
            numbered.append(paragraph.text)
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]
    texts += [cell for table in tables for row in table for cell in row]
    alt_texts = [shape._inline.docPr.get("descr") for shape in document.inline_shapes]
    return ReadDocx(headings, "\n".join(texts), tables, captions, alt_texts, numbered)


@dataclass
class Block:
    """One piece of the Word body, in order: a paragraph, a table or a picture."""

    kind: str  # "paragraph", "table" or "picture"
    style: str = ""
    text: str = ""
    rows: list[list[str]] | None = None
    keep_with_next: bool = False  # a paragraph's, or every cell paragraph's of a table
    alt: str | None = None


def read_body(body: bytes) -> list[Block]:
    """The Word file's body in order (python-docx), tables and pictures where they stand."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(body))
    out: list[Block] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            keep = bool(paragraph.paragraph_format.keep_with_next)
            drawings = child.xpath(".//wp:docPr")
            if drawings:
                out.append(Block("picture", keep_with_next=keep, alt=drawings[0].get("descr")))
            else:  # empty ones too: one between a table and its chart must keep with the chart
                out.append(Block("paragraph", paragraph.style.name, paragraph.text, keep_with_next=keep))
        elif tag == "tbl":
            table = Table(child, document)
            rows = [[cell.text for cell in row.cells] for row in table.rows]
            keep = all(
                bool(p.paragraph_format.keep_with_next)
                for row in table.rows
                for cell in row.cells
                for p in cell.paragraphs
            )
            out.append(Block("table", rows=rows, keep_with_next=keep))
    return out
