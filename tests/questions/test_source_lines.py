"""Every key and list entry of a TOML text is found on its line, whatever the strings hold."""

from __future__ import annotations

import tomllib

from questions.source_lines import KeyLines

TEXT = '''# a comment with key = "not a key"
slug = "x"  # trailing comment
about = """
text = "inside a multi-line string"
[[sections]] also inside \\""" still inside
"""
literal = 'C:\\path "quoted" [x]'
raw = \'\'\'
options = [ "inside a literal block" ]
\'\'\'
"quoted key" = 1
dotted.key = "a \\" quote"

[profile]
roles = [
  "One", # comment, "with quotes"
  "Two [x]",
]

[[sections]]
id = "a"
  [[sections.questions]]
  id = "q1"
  shown_if = { question = "q0", any_of = [
    "Yes",
    "No",
  ] }
  [[sections.questions]]
  id = "q2"

[[sections]]
id = "b"
  [[sections.questions]]
  id = "q3"
'''


def line_of(marker: str) -> int:
    return TEXT[: TEXT.index(marker)].count("\n") + 1


def test_keys_and_entries_are_on_their_lines() -> None:
    tomllib.loads(TEXT)  # the reader is used only on text tomllib accepts
    lines = KeyLines(TEXT)
    assert lines.line_of(("slug",)) == 2
    assert lines.line_of(("about",)) == 3
    assert lines.line_of(("literal",)) == line_of("literal =")
    assert lines.line_of(("raw",)) == line_of("raw =")
    assert lines.line_of(("quoted key",)) == line_of('"quoted key"')
    assert lines.line_of(("dotted", "key")) == line_of("dotted.key")
    assert lines.line_of(("profile",)) == line_of("[profile]")
    assert lines.line_of(("profile", "roles", 1)) == line_of('"Two [x]"')
    assert lines.line_of(("sections", 0, "questions", 0, "shown_if", "any_of", 1)) == line_of('"No",')
    assert lines.line_of(("sections", 0, "questions", 1, "id")) == line_of('id = "q2"')
    assert lines.line_of(("sections", 1, "questions", 0, "id")) == line_of('id = "q3"')
    # Text inside strings is never taken for keys or tables.
    assert ("text",) not in lines.lines and ("options",) not in lines.lines
    assert lines.line_of(("sections", 2)) == lines.line_of(("sections",)) == line_of("[[sections]]\nid")


def test_a_path_not_written_falls_back_to_its_table() -> None:
    lines = KeyLines(TEXT)
    assert lines.line_of(("sections", 1, "questions", 0, "text")) == line_of('id = "q3"') - 1
    assert lines.line_of(("nowhere",)) is None
