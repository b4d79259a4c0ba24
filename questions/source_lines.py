"""Where each key and array entry of a TOML file is written, so a fault can name its line.

tomllib reports the line of a syntax error but returns plain dicts and lists, so a fault
found afterwards (an unknown option in a condition, a missing translation) has no line.
`KeyLines` reads the source text again, after tomllib has accepted it, and records the
line on which each value starts, under the same path as in the parsed data:
("sections", 0, "questions", 2, "options", 1) is the second option of the third question
of the first section.
"""

from __future__ import annotations

import re
from bisect import bisect_right

__all__ = ["KeyLines", "KeyPath"]

KeyPath = tuple[str | int, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPE = re.compile(r"\\.", re.DOTALL)
_SCALAR = re.compile(r"[^,\]}\s#]+")


class KeyLines:
    """Line numbers (1-based) of the values in a TOML text that tomllib has parsed."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0
        self._newlines = [i for i, char in enumerate(text) if char == "\n"]
        self.lines: dict[KeyPath, int] = {}
        # Arrays of tables seen so far, by their path, with the index of their last table.
        self._array_tables: dict[KeyPath, int] = {}
        try:
            self._document()
        except (IndexError, ValueError):
            # Only valid TOML is read here; anything unforeseen leaves the lines found so far.
            pass

    def line_of(self, path: KeyPath) -> int | None:
        """The line of `path`, or of its nearest enclosing key or table that is written."""
        for end in range(len(path), -1, -1):
            if (line := self.lines.get(path[:end])) is not None:
                return line
        return None

    # The reader: a small recursive descent over valid TOML.

    def _line(self) -> int:
        return bisect_right(self._newlines, self._pos - 1) + 1

    def _peek(self, length: int = 1) -> str:
        return self._text[self._pos : self._pos + length]

    def _skip_blank(self, newlines: bool) -> None:
        while self._pos < len(self._text):
            char = self._text[self._pos]
            if char in " \t\r" or (newlines and char == "\n"):
                self._pos += 1
            elif char == "#":
                end = self._text.find("\n", self._pos)
                self._pos = len(self._text) if end < 0 else end
            else:
                return

    def _document(self) -> None:
        table: KeyPath = ()
        while True:
            self._skip_blank(newlines=True)
            if self._pos >= len(self._text):
                return
            if self._peek(2) == "[[":
                line = self._line()
                self._pos += 2
                *parents, last = self._key()
                name = (*self._resolve(parents), last)
                self._pos = self._text.index("]]", self._pos) + 2
                index = self._array_tables.get(name, -1) + 1
                self._array_tables[name] = index
                table = (*name, index)
                self.lines.setdefault(name, line)
                self.lines[table] = line
            elif self._peek() == "[":
                line = self._line()
                self._pos += 1
                table = self._resolve(self._key())
                self._pos = self._text.index("]", self._pos) + 1
                self.lines.setdefault(table, line)
            else:
                self._key_value(table)

    def _resolve(self, parts: list[str]) -> KeyPath:
        """A header's dotted name as a path, through the latest table of each array of tables."""
        path: KeyPath = ()
        for part in parts:
            path = (*path, part)
            if path in self._array_tables:
                path = (*path, self._array_tables[path])
        return path

    def _key(self) -> list[str]:
        parts = []
        while True:
            self._skip_blank(newlines=False)
            char = self._peek()
            if char == '"':
                parts.append(self._basic_string())
            elif char == "'":
                end = self._text.index("'", self._pos + 1)
                parts.append(self._text[self._pos + 1 : end])
                self._pos = end + 1
            else:
                match = _BARE_KEY.match(self._text, self._pos)
                if match is None:
                    raise ValueError("not a key")
                parts.append(match.group())
                self._pos = match.end()
            self._skip_blank(newlines=False)
            if self._peek() != ".":
                return parts
            self._pos += 1

    def _key_value(self, table: KeyPath) -> None:
        line = self._line()
        path = (*table, *self._key())
        self._skip_blank(newlines=False)
        if self._peek() != "=":
            raise ValueError("expected =")
        self._pos += 1
        self._skip_blank(newlines=False)
        self.lines[path] = line
        self._value(path)

    def _value(self, path: KeyPath) -> None:
        self.lines.setdefault(path, self._line())
        if self._peek(3) in ('"""', "'''"):
            quote = self._peek(3)
            self._pos += 3
            while True:
                end = self._text.index(quote, self._pos)
                if quote == '"""' and self._escaped(end):
                    self._pos = end + 1
                    continue
                self._pos = end + 3
                while self._peek() == quote[0]:  # up to two quotes may close the string's text
                    self._pos += 1
                return
        char = self._peek()
        if char == '"':
            self._basic_string()
        elif char == "'":
            self._pos = self._text.index("'", self._pos + 1) + 1
        elif char == "[":
            self._array(path)
        elif char == "{":
            self._inline_table(path)
        else:
            match = _SCALAR.match(self._text, self._pos)
            if match is None:
                raise ValueError("not a value")
            self._pos = match.end()

    def _escaped(self, quote_at: int) -> bool:
        backslashes = 0
        while self._text[quote_at - 1 - backslashes] == "\\":
            backslashes += 1
        return backslashes % 2 == 1

    def _basic_string(self) -> str:
        start = self._pos + 1
        end = start
        while True:
            end = self._text.index('"', end)
            if not self._escaped(end):
                break
            end += 1
        self._pos = end + 1
        return _ESCAPE.sub(lambda m: m.group()[1], self._text[start:end])

    def _array(self, path: KeyPath) -> None:
        self._pos += 1
        index = 0
        while True:
            self._skip_blank(newlines=True)
            if self._peek() == "]":
                self._pos += 1
                return
            self._value((*path, index))
            index += 1
            self._skip_blank(newlines=True)
            if self._peek() == ",":
                self._pos += 1

    def _inline_table(self, path: KeyPath) -> None:
        self._pos += 1
        while True:
            self._skip_blank(newlines=True)
            if self._peek() == "}":
                self._pos += 1
                return
            self._key_value(path)
            self._skip_blank(newlines=True)
            if self._peek() == ",":
                self._pos += 1
