"""What is wrong with a questionnaire file, where: the error type and one fault."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Fault", "QuestionnaireError"]


@dataclass(frozen=True)
class Fault:
    """One fault in a questionnaire file: its line (if known), question (if any) and what is wrong."""

    fault: str
    line: int | None = None
    question: str | None = None

    def located(self, file: Path | str) -> str:
        """ "FILE:LINE: question qN: fault", the form editors and compilers use."""
        where = f"{file}:{self.line}" if self.line is not None else str(file)
        if self.question:
            where += f": question {self.question}"
        return f"{where}: {self.fault}"


class QuestionnaireError(ValueError):
    """A questionnaire file that cannot be used; the message names file, line, question and fault.

    `faults` holds every fault found (the message names the first).
    """

    def __init__(
        self,
        file: Path | str,
        fault: str,
        question: str | None = None,
        line: int | None = None,
        faults: Sequence[Fault] = (),
    ) -> None:
        self.file = str(file)
        self.question = question
        self.fault = fault
        self.line = line
        self.faults = tuple(faults) or (Fault(fault, line, question),)
        super().__init__(Fault(fault, line, question).located(self.file))
