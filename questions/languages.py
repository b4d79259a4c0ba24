"""The languages a questionnaire is written in, and which of them respondents are offered.

English is the language a questionnaire file is written in; its texts are the canonical
ones (an option's English text is the value stored for it). Other languages are
translations written beside the English in the same file, each either confirmed or marked
as a draft for the consultation team's translator to confirm.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from questions.model import Questionnaire

__all__ = [
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "SOURCE_LANGUAGE",
    "TRANSLATIONS",
    "TranslationStatus",
    "offered_languages",
]

SOURCE_LANGUAGE = "en"
# Languages a file may carry translations for: a text's translation is the key with the
# language as a suffix (`text_cy` beside `text`).
TRANSLATIONS: tuple[str, ...] = ("cy",)
LANGUAGES: tuple[str, ...] = (SOURCE_LANGUAGE, *TRANSLATIONS)
LANGUAGE_NAMES = {"en": "English", "cy": "Welsh"}


class TranslationStatus(StrEnum):
    """How far a questionnaire is translated into one language."""

    COMPLETE = "complete"  # every text translated, none marked as a draft
    DRAFT = "draft"  # every text translated, some still marked as a draft
    MISSING = "missing"  # some text has no translation


def offered_languages(questionnaire: Questionnaire, offer_drafts: bool = False) -> tuple[str, ...]:
    """The languages respondents may choose for `questionnaire`, English first.

    A translation is offered when it is complete; a draft one only when `offer_drafts`
    (the app's OFFER_DRAFT_TRANSLATIONS, for a test consultation); an incomplete one never,
    so no respondent meets a page that is half in one language.
    """
    offered = [SOURCE_LANGUAGE]
    for lang in TRANSLATIONS:
        status = questionnaire.translation_status(lang)
        if status is TranslationStatus.COMPLETE or (status is TranslationStatus.DRAFT and offer_drafts):
            offered.append(lang)
    return tuple(offered)
