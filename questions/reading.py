"""Reading a questionnaire file: every fault found, each with its line, or the questionnaire.

`read` does not stop at the first fault: it returns them all, in file order, so that
`consult questionnaire check` can list every one; for a valid file it also says which
texts are not yet translated, or only as a draft, and on which line.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from questions.faults import Fault, QuestionnaireError
from questions.languages import TranslationStatus
from questions.model import Questionnaire, UntranslatedText
from questions.source_lines import KeyLines
from questions.tables import SLUG, TableReader

__all__ = ["SLUG", "ReadFile", "UntranslatedLine", "read"]

_TOML_LINE = re.compile(r"\bline (\d+)")


@dataclass(frozen=True)
class UntranslatedLine:
    """An element's untranslated (or draft) texts and the line to find them at."""

    line: int | None
    text: UntranslatedText


@dataclass(frozen=True)
class ReadFile:
    """The outcome of reading a questionnaire file: the questionnaire, or the faults found."""

    file: Path
    source_text: str
    questionnaire: Questionnaire | None
    faults: tuple[Fault, ...]

    @cached_property
    def key_lines(self) -> KeyLines:
        return KeyLines(self.source_text)

    def untranslated(self, lang: str) -> list[UntranslatedLine]:
        """The questionnaire's missing and draft `lang` texts, each with the line to look at.

        A missing text is placed at its English; a draft at the element's draft mark.
        """
        if self.questionnaire is None:
            return []
        found = []
        for gap in self.questionnaire.untranslated(lang):
            if gap.status is TranslationStatus.MISSING:
                line = self.key_lines.line_of((*gap.path, gap.fields[0]))
            else:
                line = self.key_lines.line_of((*gap.path, f"draft_{lang}"))
            found.append(UntranslatedLine(line, gap))
        return found

    def raise_for_faults(self) -> Questionnaire:
        """The questionnaire, or a `QuestionnaireError` naming the first fault (holding them all)."""
        if self.faults or self.questionnaire is None:
            first = self.faults[0] if self.faults else Fault("cannot be read")
            raise QuestionnaireError(self.file, first.fault, first.question, first.line, self.faults)
        return self.questionnaire


def read(path: Path | str) -> ReadFile:
    """Read and validate the questionnaire file at `path`, collecting every fault."""
    file = Path(path)
    try:
        source_text = file.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return ReadFile(file, "", None, (Fault("file not found"),))
    except OSError as exc:
        return ReadFile(file, "", None, (Fault(f"cannot be read ({exc.strerror})"),))
    except UnicodeDecodeError:
        return ReadFile(file, "", None, (Fault("not UTF-8 text"),))
    try:
        data = tomllib.loads(source_text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_LINE.search(str(exc))
        line = int(match.group(1)) if match else None
        if line is None and "end of document" in str(exc):
            line = source_text.rstrip("\n").count("\n") + 1
        return ReadFile(file, source_text, None, (Fault(f"not valid TOML ({exc})", line),))
    reader = TableReader(source_text, file)
    questionnaire = reader.questionnaire(data)
    faults = tuple(sorted(reader.faults, key=lambda f: f.line or 0))
    return ReadFile(file, source_text, None if faults else questionnaire, faults)
