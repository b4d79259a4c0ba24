"""A questionnaire as typed objects: sections, questions, conditions, profile lists, translations.

Every text a respondent reads may have translations beside it. The objects hold their
English (canonical) texts; `Questionnaire.in_language` gives a copy to show in another
language. Stored values never depend on language: a single-choice answer is stored as its
option's canonical text (`Question.options`), whatever label the respondent saw
(`Question.option_labels`), so answers given in any language count together.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import ClassVar, Protocol

from questions.languages import LANGUAGES, SOURCE_LANGUAGE, TranslationStatus

__all__ = [
    "Condition",
    "Profile",
    "Question",
    "QuestionKind",
    "Questionnaire",
    "Section",
    "Translation",
    "UntranslatedText",
]


class QuestionKind(StrEnum):
    SINGLE_CHOICE = "single_choice"
    FREE_TEXT = "free_text"


@dataclass(frozen=True)
class Translation:
    """One element's texts in one language, as its file gives them.

    `texts` maps a field name to its text (or, for lists such as options, its labels in
    the same order); a field absent from it is not translated. `draft` is true while the
    translation awaits the translator's confirmation.
    """

    texts: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    draft: bool = False


Translations = Mapping[str, Translation]


@dataclass(frozen=True)
class UntranslatedText:
    """Texts of one element that are not (or only provisionally) translated into a language.

    `element` names it for a person ("question q3", "section 'principles'", "profile",
    "questionnaire"); `path` is its table's key path in the file (("sections", 0,
    "questions", 2) for the third question of the first section; () for the file's top).
    """

    element: str
    path: tuple[str | int, ...]
    fields: tuple[str, ...]
    status: TranslationStatus


def _label(values: tuple[str, ...], labels: tuple[str, ...], value: str) -> str:
    """The display label of canonical `value` (itself if it is not one of `values`)."""
    try:
        return labels[values.index(value)]
    except (ValueError, IndexError):
        return value


class _Translatable(Protocol):
    """An element with texts to translate: the names of its fields and their translations."""

    TRANSLATABLE: ClassVar[tuple[str, ...]]
    translations: Translations


def _untranslated_fields(element: _Translatable, lang: str) -> tuple[list[str], list[str]]:
    """(missing, draft): the fields of `element` with English text but no `lang` text, or a draft one."""
    translation = element.translations.get(lang)
    missing, draft = [], []
    for name in element.TRANSLATABLE:
        if not getattr(element, name):
            continue  # nothing in English, nothing to translate
        if translation is None or name not in translation.texts:
            missing.append(name)
        elif translation.draft:
            draft.append(name)
    return missing, draft


def _translated(element: _Translatable, lang: str, name: str) -> str:
    """`element`'s text `name` in `lang`, or in English where it has none."""
    translation = element.translations.get(lang)
    if translation is not None and isinstance(text := translation.texts.get(name), str):
        return text
    return getattr(element, name)


def _labels(element: _Translatable, lang: str, name: str) -> tuple[str, ...]:
    """`element`'s list `name` (options, roles …) as labels in `lang`, or in English where it has none."""
    translation = element.translations.get(lang)
    if translation is not None and isinstance(labels := translation.texts.get(name), tuple):
        return labels
    return getattr(element, name)


@dataclass(frozen=True)
class Condition:
    """Show a question only when another question's answer is one of `any_of` (canonical values)."""

    question: str
    any_of: tuple[str, ...]

    def holds(self, answers: Mapping[str, str]) -> bool:
        return answers.get(self.question) in self.any_of


@dataclass(frozen=True)
class Question:
    """One question. `options` are the canonical values stored; `option_labels` what is shown."""

    TRANSLATABLE: ClassVar[tuple[str, ...]] = ("text", "hint", "note", "options")

    id: str
    number: int
    kind: QuestionKind
    text: str
    section_id: str
    options: tuple[str, ...] = ()
    shown_if: Condition | None = None
    reconstructed: bool = False
    note: str = ""
    hint: str = ""
    # Display labels of `options`, in the same order; the options themselves in English.
    option_labels: tuple[str, ...] = ()
    translations: Translations = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.option_labels:
            object.__setattr__(self, "option_labels", self.options)

    @property
    def is_single_choice(self) -> bool:
        return self.kind is QuestionKind.SINGLE_CHOICE

    @property
    def choices(self) -> tuple[tuple[str, str], ...]:
        """(stored value, display label) for each option, in order."""
        return tuple(zip(self.options, self.option_labels, strict=True))

    def option_label(self, value: str) -> str:
        """The label shown for the stored answer `value`."""
        return _label(self.options, self.option_labels, value)

    def in_language(self, lang: str) -> Question:
        return replace(
            self,
            text=_translated(self, lang, "text"),
            hint=_translated(self, lang, "hint"),
            note=_translated(self, lang, "note"),
            option_labels=_labels(self, lang, "options"),
        )


@dataclass(frozen=True)
class Section:
    TRANSLATABLE: ClassVar[tuple[str, ...]] = ("title", "summary")

    id: str
    title: str
    summary: str
    questions: tuple[Question, ...]
    translations: Translations = field(default_factory=dict, repr=False, compare=False)

    def in_language(self, lang: str) -> Section:
        return replace(
            self,
            title=_translated(self, lang, "title"),
            summary=_translated(self, lang, "summary"),
            questions=tuple(q.in_language(lang) for q in self.questions),
        )


@dataclass(frozen=True)
class Profile:
    """The coarse "About you" categories a response may carry, none fine enough to identify anyone.

    `roles`, `organisation_types` and `regions` are the canonical values stored; the
    `…_labels` tuples (same order) are what is shown, equal to them in English.
    """

    TRANSLATABLE: ClassVar[tuple[str, ...]] = ("roles", "organisation_types", "regions")

    roles: tuple[str, ...]
    organisation_types: tuple[str, ...]
    regions: tuple[str, ...]
    role_labels: tuple[str, ...] = ()
    organisation_type_labels: tuple[str, ...] = ()
    region_labels: tuple[str, ...] = ()
    translations: Translations = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in self.TRANSLATABLE:
            label_name = f"{name[:-1]}_labels"
            if not getattr(self, label_name):
                object.__setattr__(self, label_name, getattr(self, name))

    def role_label(self, value: str) -> str:
        return _label(self.roles, self.role_labels, value)

    def organisation_type_label(self, value: str) -> str:
        return _label(self.organisation_types, self.organisation_type_labels, value)

    def region_label(self, value: str) -> str:
        return _label(self.regions, self.region_labels, value)

    def in_language(self, lang: str) -> Profile:
        return replace(
            self,
            role_labels=_labels(self, lang, "roles"),
            organisation_type_labels=_labels(self, lang, "organisation_types"),
            region_labels=_labels(self, lang, "regions"),
        )


@dataclass(frozen=True)
class Questionnaire:
    TRANSLATABLE: ClassVar[tuple[str, ...]] = (
        "title",
        "publisher",
        "about",
        "confidentiality",
        "link_sharing",
    )

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
    translations: Translations = field(default_factory=dict, repr=False, compare=False)
    # The language this copy's display texts are in (see `in_language`).
    language: str = SOURCE_LANGUAGE
    # The English questionnaire a translated copy was made from (None for the English one).
    _source: Questionnaire | None = field(default=None, repr=False, compare=False)
    _by_id: dict[str, Question] = field(init=False, repr=False, compare=False)
    _copies: dict[str, Questionnaire] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {q.id: q for s in self.sections for q in s.questions})
        object.__setattr__(self, "_copies", {})

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

    def in_language(self, lang: str) -> Questionnaire:
        """A copy whose display texts are in `lang`, English where a text has no translation.

        Ids, kinds, conditions and the canonical values (`Question.options`, `Profile.roles`
        …) are unchanged, so answers given through the copy are stored as through the
        English one. A copy's own `in_language` starts again from the English.
        """
        source = self._source or self
        if lang not in LANGUAGES:
            raise ValueError(f"{lang!r} is not a questionnaire language ({', '.join(LANGUAGES)})")
        if lang == SOURCE_LANGUAGE:
            return source
        if (copy := source._copies.get(lang)) is None:
            copy = replace(
                source,
                title=_translated(source, lang, "title"),
                publisher=_translated(source, lang, "publisher"),
                about=_translated(source, lang, "about"),
                confidentiality=_translated(source, lang, "confidentiality"),
                link_sharing=_translated(source, lang, "link_sharing"),
                profile=source.profile.in_language(lang),
                sections=tuple(s.in_language(lang) for s in source.sections),
                language=lang,
                _source=source,
            )
            source._copies[lang] = copy
        return copy

    def untranslated(self, lang: str) -> list[UntranslatedText]:
        """Every element with texts missing in `lang`, or translated only as a draft, in file order."""
        source = self._source or self
        if lang not in LANGUAGES:
            raise ValueError(f"{lang!r} is not a questionnaire language ({', '.join(LANGUAGES)})")
        if lang == SOURCE_LANGUAGE:
            return []
        elements: list[tuple[str, tuple[str | int, ...], _Translatable]] = [
            ("questionnaire", (), source),
            ("profile", ("profile",), source.profile),
        ]
        for i, section in enumerate(source.sections):
            elements.append((f"section {section.id!r}", ("sections", i), section))
            elements.extend(
                (f"question {q.id}", ("sections", i, "questions", j), q)
                for j, q in enumerate(section.questions)
            )
        found = []
        for name, path, element in elements:
            missing, draft = _untranslated_fields(element, lang)
            if missing:
                found.append(UntranslatedText(name, path, tuple(missing), TranslationStatus.MISSING))
            if draft:
                found.append(UntranslatedText(name, path, tuple(draft), TranslationStatus.DRAFT))
        return found

    def translation_status(self, lang: str) -> TranslationStatus:
        """ "complete", "draft" (all translated, some awaiting confirmation) or "missing"."""
        gaps = self.untranslated(lang)
        if any(g.status is TranslationStatus.MISSING for g in gaps):
            return TranslationStatus.MISSING
        return TranslationStatus.DRAFT if gaps else TranslationStatus.COMPLETE
