"""Questionnaire definitions, shared by the web app (`consult`) and `analysis`.

A questionnaire is data: one TOML file per consultation in this folder. `load` reads and
validates a file into the typed objects below; `load_questionnaire` finds one by slug.
Nothing here imports Flask or the app, so the analysis package can use it alone.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_QUESTIONNAIRE",
    "Condition",
    "Profile",
    "Question",
    "QuestionKind",
    "Questionnaire",
    "QuestionnaireError",
    "Section",
    "available",
    "load",
    "load_questionnaire",
]

QUESTIONS_DIR = Path(__file__).resolve().parent
# The questionnaire an export CSV is read with when none is named: the first consultation's.
DEFAULT_QUESTIONNAIRE = "taking-stock"

_ID = re.compile(r"^[a-z][a-z0-9-]*$")
_QUESTION_ID = re.compile(r"^q[1-9][0-9]*$")


class QuestionnaireError(ValueError):
    """A questionnaire file that cannot be used; the message names file, question and fault."""

    def __init__(self, file: Path | str, fault: str, question: str | None = None) -> None:
        self.file = str(file)
        self.question = question
        self.fault = fault
        where = f"{self.file}: question {question}" if question else self.file
        super().__init__(f"{where}: {fault}")


class QuestionKind(StrEnum):
    SINGLE_CHOICE = "single_choice"
    FREE_TEXT = "free_text"


@dataclass(frozen=True)
class Condition:
    """Show a question only when another question's answer is one of `any_of`."""

    question: str
    any_of: tuple[str, ...]

    def holds(self, answers: Mapping[str, str]) -> bool:
        return answers.get(self.question) in self.any_of


@dataclass(frozen=True)
class Question:
    id: str
    number: int
    kind: QuestionKind
    text: str
    section_id: str
    options: tuple[str, ...] = ()
    shown_if: Condition | None = None
    reconstructed: bool = False
    note: str = ""

    @property
    def is_single_choice(self) -> bool:
        return self.kind is QuestionKind.SINGLE_CHOICE


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    summary: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Profile:
    """The coarse "About you" categories a response may carry, none fine enough to identify anyone."""

    roles: tuple[str, ...]
    organisation_types: tuple[str, ...]
    regions: tuple[str, ...]


@dataclass(frozen=True)
class Questionnaire:
    slug: str
    title: str
    publisher: str
    about: str
    confidentiality: str
    link_sharing: str
    free_text_limit: int
    profile: Profile
    sections: tuple[Section, ...]
    source: str = ""
    _by_id: dict[str, Question] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update({q.id: q for s in self.sections for q in s.questions})

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for s in self.sections for q in s.questions)

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)

    def question(self, question_id: str) -> Question:
        try:
            return self._by_id[question_id]
        except KeyError:
            raise KeyError(f"{self.slug} has no question {question_id!r}") from None

    def section(self, section_id: str) -> Section:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(f"{self.slug} has no section {section_id!r}")

    def is_shown(self, question: Question, answers: Mapping[str, str]) -> bool:
        """Whether `question` is asked, given the other answers (conditions may chain)."""
        condition = question.shown_if
        if condition is None:
            return True
        controller = self._by_id[condition.question]
        return self.is_shown(controller, answers) and condition.holds(answers)

    def visible_answers(self, answers: Mapping[str, str]) -> dict[str, str]:
        """`answers` without those to hidden questions, unknown ids or empty values.

        This is the rule that a hidden question's answer is cleared and never counted.
        """
        return {
            q.id: answers[q.id]
            for q in self.questions
            if answers.get(q.id) not in (None, "") and self.is_shown(q, answers)
        }

    def iter_shown(self, section: Section, answers: Mapping[str, str]) -> Iterator[Question]:
        return (q for q in section.questions if self.is_shown(q, answers))


def _require(data: Mapping[str, Any], key: str, kind: type, file: Path, question: str | None = None) -> Any:
    if key not in data:
        raise QuestionnaireError(file, f"missing {key!r}", question)
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise QuestionnaireError(file, f"{key!r} must be a {kind.__name__}", question)
    if isinstance(value, str) and not value.strip():
        raise QuestionnaireError(file, f"{key!r} is empty", question)
    return value


def _strings(data: Mapping[str, Any], key: str, file: Path, question: str | None = None) -> tuple[str, ...]:
    values = _require(data, key, list, file, question)
    if not values:
        raise QuestionnaireError(file, f"{key!r} is empty", question)
    if not all(isinstance(v, str) and v.strip() for v in values):
        raise QuestionnaireError(file, f"every entry of {key!r} must be non-empty text", question)
    if len(set(values)) != len(values):
        raise QuestionnaireError(file, f"{key!r} lists the same entry twice", question)
    for value in values:
        if any(ch in value for ch in "\u03bf\u039f") and re.search(r"[A-Za-z]", value):
            # The paper's text has "No" with a Greek omicron; a look-alike letter would split counts.
            raise QuestionnaireError(file, f"{value!r} in {key!r} mixes Greek and Latin letters", question)
    return tuple(values)


def _question(raw: Any, section_id: str, file: Path) -> Question:
    if not isinstance(raw, dict):
        raise QuestionnaireError(file, f"a question in section {section_id!r} is not a table")
    qid = raw.get("id")
    if not isinstance(qid, str) or not _QUESTION_ID.match(qid):
        raise QuestionnaireError(
            file, f"question id {qid!r} in section {section_id!r} is not of the form q1, q2, …"
        )
    known = {"id", "number", "kind", "text", "options", "shown_if", "reconstructed", "note"}
    if unknown := sorted(set(raw) - known):
        raise QuestionnaireError(file, f"unknown field(s) {', '.join(unknown)}", qid)
    number = _require(raw, "number", int, file, qid)
    if qid != f"q{number}":
        raise QuestionnaireError(file, f"id {qid!r} does not match number {number}", qid)
    try:
        kind = QuestionKind(_require(raw, "kind", str, file, qid))
    except ValueError:
        kinds = ", ".join(k.value for k in QuestionKind)
        raise QuestionnaireError(file, f"kind {raw['kind']!r} is not one of {kinds}", qid) from None
    text = _require(raw, "text", str, file, qid)
    options: tuple[str, ...] = ()
    match kind:
        case QuestionKind.SINGLE_CHOICE:
            options = _strings(raw, "options", file, qid)
        case QuestionKind.FREE_TEXT:
            if "options" in raw:
                raise QuestionnaireError(file, "a free-text question cannot have options", qid)
    condition = None
    if "shown_if" in raw:
        cond = raw["shown_if"]
        if not isinstance(cond, dict):
            raise QuestionnaireError(file, "'shown_if' must be a table", qid)
        controller = _require(cond, "question", str, file, qid)
        condition = Condition(controller, _strings(cond, "any_of", file, qid))
    reconstructed = raw.get("reconstructed", False)
    if not isinstance(reconstructed, bool):
        raise QuestionnaireError(file, "'reconstructed' must be true or false", qid)
    note = raw.get("note", "")
    if not isinstance(note, str):
        raise QuestionnaireError(file, "'note' must be text", qid)
    return Question(qid, number, kind, text, section_id, options, condition, reconstructed, note)


def _check_conditions(questions: list[Question], file: Path) -> None:
    seen: dict[str, Question] = {}
    for q in questions:
        if (cond := q.shown_if) is not None:
            controller = seen.get(cond.question)
            if controller is None:
                raise QuestionnaireError(
                    file, f"its condition refers to {cond.question!r}, which is not an earlier question", q.id
                )
            if controller.kind is not QuestionKind.SINGLE_CHOICE:
                raise QuestionnaireError(
                    file, f"its condition refers to free-text question {controller.id}", q.id
                )
            if controller.section_id != q.section_id:
                # Conditions are decided on the page that asks the controlling question.
                raise QuestionnaireError(
                    file, f"its condition refers to {controller.id} in another section", q.id
                )
            if missing := [v for v in cond.any_of if v not in controller.options]:
                raise QuestionnaireError(
                    file,
                    f"its condition names {missing[0]!r}, which is not an option of {controller.id}",
                    q.id,
                )
        seen[q.id] = q


def load(path: Path | str) -> Questionnaire:
    """Read and validate a questionnaire file; raise `QuestionnaireError` naming the fault."""
    file = Path(path)
    try:
        with file.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise QuestionnaireError(file, "file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise QuestionnaireError(file, f"not valid TOML ({exc})") from None

    slug = _require(data, "slug", str, file)
    if not _ID.match(slug):
        raise QuestionnaireError(file, f"slug {slug!r} must be lower-case letters, digits and hyphens")
    limit = data.get("free_text_limit", 10000)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise QuestionnaireError(file, "'free_text_limit' must be a positive whole number")
    profile_raw = _require(data, "profile", dict, file)
    profile = Profile(
        roles=_strings(profile_raw, "roles", file),
        organisation_types=_strings(profile_raw, "organisation_types", file),
        regions=_strings(profile_raw, "regions", file),
    )
    sections: list[Section] = []
    questions: list[Question] = []
    for raw_section in _require(data, "sections", list, file):
        if not isinstance(raw_section, dict):
            raise QuestionnaireError(file, "every entry of 'sections' must be a table")
        sid = _require(raw_section, "id", str, file)
        if not _ID.match(sid) or sid in {s.id for s in sections}:
            raise QuestionnaireError(file, f"section id {sid!r} is malformed or used twice")
        section_questions = tuple(
            _question(raw, sid, file) for raw in _require(raw_section, "questions", list, file)
        )
        if not section_questions:
            raise QuestionnaireError(file, f"section {sid!r} has no questions")
        sections.append(
            Section(
                sid,
                _require(raw_section, "title", str, file),
                _require(raw_section, "summary", str, file).strip(),
                section_questions,
            )
        )
        questions.extend(section_questions)
    if not sections:
        raise QuestionnaireError(file, "'sections' is empty")
    for expected, q in enumerate(questions, start=1):
        if q.number != expected:
            raise QuestionnaireError(
                file, f"questions must be numbered 1, 2, 3 … in order; expected q{expected}", q.id
            )
    _check_conditions(questions, file)
    return Questionnaire(
        slug=slug,
        title=_require(data, "title", str, file),
        publisher=_require(data, "publisher", str, file),
        about=_require(data, "about", str, file).strip(),
        confidentiality=_require(data, "confidentiality", str, file).strip(),
        link_sharing=_require(data, "link_sharing", str, file).strip(),
        free_text_limit=limit,
        profile=profile,
        sections=tuple(sections),
        source=str(file),
    )


def available(directory: Path = QUESTIONS_DIR) -> list[str]:
    """Slugs of the questionnaire files in `directory`."""
    return sorted(p.stem for p in directory.glob("*.toml"))


@cache
def load_questionnaire(slug: str, directory: Path = QUESTIONS_DIR) -> Questionnaire:
    """The questionnaire `slug` from `directory` (cached: files are read once per process)."""
    if not _ID.match(slug):
        raise QuestionnaireError(directory / f"{slug}.toml", "not a questionnaire name")
    return load(directory / f"{slug}.toml")
