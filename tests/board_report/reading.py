"""Read a Board report back: Word with python-docx, for the tests."""

from __future__ import annotations

import io
from dataclasses import dataclass


@dataclass
class ReadDocx:
    headings: list[tuple[str, str]]  # (style, text) of every Title/Heading paragraph, in order
    text: str  # every paragraph and table cell
    tables: list[list[list[str]]]
    captions: list[str]
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
        elif style == "Caption":
            captions.append(paragraph.text)
        elif style == "List Number":
            numbered.append(paragraph.text)
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]
    texts += [cell for table in tables for row in table for cell in row]
    alt_texts = [shape._inline.docPr.get("descr") for shape in document.inline_shapes]
    return ReadDocx(headings, "\n".join(texts), tables, captions, alt_texts, numbered)
