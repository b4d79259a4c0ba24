"""Reading the tables of a parsed questionnaire file into the model, noting every fault.

`TableReader` walks the dicts and lists tomllib returns and builds the objects of
`questions.model`, checking each value as it goes: ids, numbering, kinds, options,
conditions, profile lists and each element's translations (`text_cy` beside `text`,
`draft_cy = true` marking its Welsh as a draft). It does not stop at the first fault;
each is placed on its line by `KeyLines`, which reads the source text again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from questions.faults import Fault
from questions.languages import TRANSLATIONS
from questions.model import (
    Condition,
    Profile,
    Question,
    QuestionKind,
    Questionnaire,
    Section,
    Translation,
)
from questions.source_lines import KeyLines, KeyPath

__all__ = ["SLUG", "TableReader"]

SLUG = re.compile(r"^[a-z][a-z0-9-]*$")
_QUESTION_ID = re.compile(r"^q[1-9][0-9]*$")

# The English fields each kind of table may have (translations and draft marks besides).
_TOP_FIELDS = {
    "slug",
    "title",
    "publisher",
    "free_text_limit",
    "about",
    "confidentiality",
    "link_sharing",
    "profile",
    "sections",
}
_SECTION_FIELDS = {"id", "title", "summary", "questions"}
_QUESTION_FIELDS = {"id", "number", "kind", "text", "hint", "options", "shown_if", "reconstructed", "note"}


class TableReader:
    """Builds a questionnaire from parsed TOML data; `faults` lists what is wrong, in any order."""

    def __init__(self, source_text: str, file: Path) -> None:
        self._source_text = source_text
        self._file = file
        self.faults: list[Fault] = []

    @cached_property
    def _lines(self) -> KeyLines:
        return KeyLines(self._source_text)

    def fault(self, path: KeyPath, message: str, question: str | None = None) -> None:
        self.faults.append(Fault(message, self._lines.line_of(path), question))

    # Values of one key

    def text(
        self,
        table: Mapping[str, Any],
        path: KeyPath,
        key: str,
        question: str | None = None,
        required: bool = True,
    ) -> str | None:
        if key not in table:
            if required:
                self.fault(path, f"missing {key!r}", question)
            return None
        value = table[key]
        if not isinstance(value, str):
            self.fault((*path, key), f"{key!r} must be text", question)
            return None
        if not value.strip():
            self.fault((*path, key), f"{key!r} is empty", question)
            return None
        return value.strip()

    def strings(
        self, table: Mapping[str, Any], path: KeyPath, key: str, question: str | None = None
    ) -> tuple[str, ...] | None:
        if key not in table:
            self.fault(path, f"missing {key!r}", question)
            return None
        values = table[key]
        where = (*path, key)
        if not isinstance(values, list) or not values:
            self.fault(
                where,
                f"{key!r} must be a list of one or more texts" if values else f"{key!r} is empty",
                question,
            )
            return None
        ok = True
        for i, value in enumerate(values):
            if not isinstance(value, str) or not value.strip():
                self.fault((*where, i), f"every entry of {key!r} must be non-empty text", question)
                ok = False
            elif values.index(value) != i:
                self.fault((*where, i), f"{key!r} lists the same entry twice ({value!r})", question)
                ok = False
            elif any(ch in value for ch in "\u03bf\u039f") and re.search(r"[A-Za-z]", value):
                # A look-alike letter (the paper typed "No" with a Greek omicron) would split counts.
                self.fault((*where, i), f"{value!r} in {key!r} mixes Greek and Latin letters", question)
                ok = False
        return tuple(values) if ok else None

    def known_fields(
        self,
        table: Mapping[str, Any],
        path: KeyPath,
        fields: set[str],
        translatable: tuple[str, ...],
        question: str | None = None,
    ) -> None:
        known = fields | {f"{name}_{lang}" for name in translatable for lang in TRANSLATIONS}
        known |= {f"draft_{lang}" for lang in TRANSLATIONS}
        for key in table:
            if key not in known:
                self.fault((*path, key), f"unknown field {key!r}", question)

    def translations(
        self, table: Mapping[str, Any], path: KeyPath, english: Mapping[str, Any], question: str | None = None
    ) -> dict[str, Translation]:
        """The translations beside `english` (field → its English text, list or None) in `table`."""
        found = {}
        for lang in TRANSLATIONS:
            texts: dict[str, str | tuple[str, ...]] = {}
            for name, original in english.items():
                key = f"{name}_{lang}"
                if key not in table:
                    continue
                if original is None:
                    if name in table:
                        continue  # the English is at fault, and said so already
                    self.fault((*path, key), f"{key!r} translates {name!r}, which is not given", question)
                elif isinstance(original, tuple):
                    labels = self.strings(table, path, key, question)
                    if labels is not None and len(labels) != len(original):
                        self.fault(
                            (*path, key),
                            f"{key!r} has {len(labels)} entries; {name!r} has "
                            f"{len(original)} (one label for each, in the same order)",
                            question,
                        )
                    elif labels is not None:
                        texts[name] = labels
                elif (value := self.text(table, path, key, question)) is not None:
                    texts[name] = value
            draft = table.get(f"draft_{lang}", False)
            if not isinstance(draft, bool):
                self.fault((*path, f"draft_{lang}"), f"'draft_{lang}' must be true or false", question)
                draft = False
            if texts or draft:
                found[lang] = Translation(texts, draft)
        return found

    # Tables

    def questionnaire(self, data: Mapping[str, Any]) -> Questionnaire | None:
        self.known_fields(data, (), _TOP_FIELDS, Questionnaire.TRANSLATABLE)
        slug = self.text(data, (), "slug")
        if slug is not None and not SLUG.match(slug):
            self.fault(("slug",), f"slug {slug!r} must be lower-case letters, digits and hyphens")
        limit = data.get("free_text_limit", 10000)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            self.fault(("free_text_limit",), "'free_text_limit' must be a positive whole number")
        texts = {name: self.text(data, (), name) for name in Questionnaire.TRANSLATABLE}
        translations = self.translations(data, (), texts)
        profile = self.profile(data)
        sections = self.sections(data)
        if self.faults or profile is None or sections is None:
            return None
        return Questionnaire(
            slug=slug,
            free_text_limit=limit,
            profile=profile,
            sections=sections,
            translations=translations,
            source=str(self._file),
            **texts,
        )

    def profile(self, data: Mapping[str, Any]) -> Profile | None:
        raw = data.get("profile")
        if not isinstance(raw, dict):
            self.fault(("profile",), "missing 'profile'" if raw is None else "'profile' must be a table")
            return None
        path = ("profile",)
        self.known_fields(raw, path, set(Profile.TRANSLATABLE), Profile.TRANSLATABLE)
        lists = {name: self.strings(raw, path, name) for name in Profile.TRANSLATABLE}
        translations = self.translations(raw, path, lists)
        if any(v is None for v in lists.values()):
            return None
        return Profile(**lists, translations=translations)

    def sections(self, data: Mapping[str, Any]) -> tuple[Section, ...] | None:
        raw_sections = data.get("sections")
        if not isinstance(raw_sections, list) or not raw_sections:
            self.fault(
                ("sections",),
                "missing 'sections'"
                if raw_sections is None
                else "'sections' must be one or more [[sections]] tables",
            )
            return None
        sections: list[Section] = []
        raw_questions: list[tuple[KeyPath, Mapping[str, Any]]] = []
        seen_ids: set[str] = set()
        for i, raw in enumerate(raw_sections):
            path: KeyPath = ("sections", i)
            if not isinstance(raw, dict):
                self.fault(path, "every entry of 'sections' must be a table")
                continue
            self.known_fields(raw, path, _SECTION_FIELDS, Section.TRANSLATABLE)
            sid = self.text(raw, path, "id")
            if sid is not None and (not SLUG.match(sid) or sid in seen_ids):
                self.fault((*path, "id"), f"section id {sid!r} is malformed or used twice")
            seen_ids.add(sid or "")
            texts = {name: self.text(raw, path, name) for name in Section.TRANSLATABLE}
            translations = self.translations(raw, path, texts)
            entries = raw.get("questions")
            if not isinstance(entries, list) or not entries:
                self.fault(path, f"section {sid!r} has no questions")
                entries = []
            questions = []
            for j, entry in enumerate(entries):
                raw_questions.append(((*path, "questions", j), entry))
                if (question := self.question(entry, (*path, "questions", j), sid or "")) is not None:
                    questions.append(question)
            if sid is not None and None not in texts.values():
                sections.append(Section(sid, questions=tuple(questions), translations=translations, **texts))
        questions = [q for s in sections for q in s.questions]
        self.numbering(raw_questions)
        self.conditions(questions, raw_questions)
        return tuple(sections)

    def question(self, raw: Any, path: KeyPath, section_id: str) -> Question | None:
        if not isinstance(raw, dict):
            self.fault(path, f"a question in section {section_id!r} is not a table")
            return None
        qid = raw.get("id")
        if not isinstance(qid, str) or not _QUESTION_ID.match(qid):
            self.fault(
                (*path, "id"), f"question id {qid!r} in section {section_id!r} is not of the form q1, q2, …"
            )
            return None
        self.known_fields(raw, path, _QUESTION_FIELDS, Question.TRANSLATABLE, qid)
        number = raw.get("number")
        if not isinstance(number, int) or isinstance(number, bool):
            self.fault((*path, "number"), "'number' must be a whole number", qid)
        elif qid != f"q{number}":
            self.fault((*path, "number"), f"id {qid!r} does not match number {number}", qid)
        kind = None
        try:
            kind = QuestionKind(raw.get("kind"))
        except ValueError:
            kinds = ", ".join(k.value for k in QuestionKind)
            self.fault((*path, "kind"), f"kind {raw.get('kind')!r} is not one of {kinds}", qid)
        text = self.text(raw, path, "text", qid)
        hint = self.text(raw, path, "hint", qid, required=False)
        note = self.text(raw, path, "note", qid, required=False)
        options: tuple[str, ...] | None = ()
        if kind is QuestionKind.SINGLE_CHOICE:
            options = self.strings(raw, path, "options", qid)
        elif kind is QuestionKind.FREE_TEXT and "options" in raw:
            self.fault((*path, "options"), "a free-text question cannot have options", qid)
        translations = self.translations(
            raw, path, {"text": text, "hint": hint, "note": note, "options": options or None}, qid
        )
        condition = self.condition(raw, path, qid)
        reconstructed = raw.get("reconstructed", False)
        if not isinstance(reconstructed, bool):
            self.fault((*path, "reconstructed"), "'reconstructed' must be true or false", qid)
        if kind is None or text is None or options is None:
            return None
        # With other faults the question is still read, so its condition and those that
        # depend on it are checked too; the file as a whole is refused anyway.
        return Question(
            qid,
            number if isinstance(number, int) else 0,
            kind,
            text,
            section_id,
            options,
            condition,
            reconstructed,
            note or "",
            hint or "",
            translations=translations,
        )

    def condition(self, raw: Mapping[str, Any], path: KeyPath, qid: str) -> Condition | None:
        if "shown_if" not in raw:
            return None
        cond = raw["shown_if"]
        where = (*path, "shown_if")
        if not isinstance(cond, dict):
            self.fault(where, "'shown_if' must be a table", qid)
            return None
        for key in cond:
            if key not in {"question", "any_of"}:
                self.fault((*where, key), f"unknown field {key!r} in 'shown_if'", qid)
        controller = self.text(cond, where, "question", qid)
        any_of = self.strings(cond, where, "any_of", qid)
        if controller is None or any_of is None:
            return None
        return Condition(controller, any_of)

    # The questionnaire as a whole

    def numbering(self, raw_questions: list[tuple[KeyPath, Mapping[str, Any]]]) -> None:
        """Questions numbered 1, 2, 3 … in file order, each id once."""
        seen: set[str] = set()
        for expected, (path, raw) in enumerate(raw_questions, start=1):
            if not isinstance(raw, dict) or not isinstance(qid := raw.get("id"), str):
                return
            if qid in seen:
                self.fault((*path, "id"), f"{qid} is used for two questions", qid)
                return
            seen.add(qid)
            if qid != f"q{expected}":
                self.fault(
                    (*path, "id"), f"questions must be numbered 1, 2, 3 … in order; expected q{expected}", qid
                )
                return

    def conditions(
        self, questions: list[Question], raw_questions: list[tuple[KeyPath, Mapping[str, Any]]]
    ) -> None:
        """Each condition depends on an existing, earlier single-choice question of the same
        section, through options that question has; conditions form no cycle."""
        by_id = {q.id: q for q in questions}
        paths = {raw.get("id"): path for path, raw in raw_questions if isinstance(raw, dict)}
        order = {qid: i for i, qid in enumerate(paths)}
        for q in questions:
            if (cond := q.shown_if) is None:
                continue
            where = (*paths[q.id], "shown_if")
            if cond.question not in paths:
                self.fault(
                    (*where, "question"),
                    f"its condition refers to {cond.question!r}, which is not a question",
                    q.id,
                )
                continue
            if (cycle := self._cycle(q, by_id)) is not None:
                self.fault((*where, "question"), f"its conditions form a cycle: {' → '.join(cycle)}", q.id)
                continue
            if order[cond.question] > order[q.id]:
                self.fault(
                    (*where, "question"),
                    f"its condition refers to {cond.question}, which comes "
                    "after it: a question can depend only on an earlier one",
                    q.id,
                )
                continue
            controller = by_id.get(cond.question)
            if controller is None:
                continue  # that question's own faults are reported
            if controller.kind is not QuestionKind.SINGLE_CHOICE:
                self.fault(
                    (*where, "question"), f"its condition refers to free-text question {controller.id}", q.id
                )
            elif controller.section_id != q.section_id:
                # Conditions are decided on the page that asks the controlling question.
                self.fault(
                    (*where, "question"), f"its condition refers to {controller.id} in another section", q.id
                )
            for k, value in enumerate(cond.any_of):
                if controller.is_single_choice and value not in controller.options:
                    self.fault(
                        (*where, "any_of", k),
                        f"its condition names {value!r}, which is not an option of {controller.id}",
                        q.id,
                    )

    @staticmethod
    def _cycle(question: Question, by_id: Mapping[str, Question]) -> list[str] | None:
        chain = [question.id]
        current: Question | None = question
        while current is not None and current.shown_if is not None:
            nxt = current.shown_if.question
            if nxt in chain:
                return [*chain[chain.index(nxt) :], nxt] if nxt == question.id else None
            chain.append(nxt)
            current = by_id.get(nxt)
        return None
