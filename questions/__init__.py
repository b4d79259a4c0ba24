"""Questionnaire definitions, shared by the web app (`consult`) and `analysis`.

A questionnaire is data: one TOML file per consultation in this folder, its English text
with translations beside it. `load` reads and validates a file into the typed objects of
`questions.model`; `load_questionnaire` finds one by slug; `read` returns every fault of a
file with its line (for `consult questionnaire check`). Nothing here imports Flask or the
app, so the analysis package can use it alone.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from questions.faults import Fault, QuestionnaireError
from questions.languages import (
    LANGUAGE_NAMES,
    LANGUAGES,
    SOURCE_LANGUAGE,
    TRANSLATIONS,
    TranslationStatus,
    offered_languages,
)
from questions.model import (
    Condition,
    Profile,
    Question,
    QuestionKind,
    Questionnaire,
    Section,
    Translation,
    UntranslatedText,
)
from questions.reading import SLUG, ReadFile, read

__all__ = [
    "DEFAULT_QUESTIONNAIRE",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "QUESTIONS_DIR",
    "SOURCE_LANGUAGE",
    "TRANSLATIONS",
    "Condition",
    "Fault",
    "Profile",
    "Question",
    "QuestionKind",
    "Questionnaire",
    "QuestionnaireError",
    "ReadFile",
    "Section",
    "Translation",
    "TranslationStatus",
    "UntranslatedText",
    "available",
    "load",
    "load_questionnaire",
    "offered_languages",
    "path_of",
    "read",
]

QUESTIONS_DIR = Path(__file__).resolve().parent

# The questionnaire a command or analysis acts on when none is named: the app's
# QUESTIONNAIRE setting defaults to it, and the analysis commands' --questionnaire too.
DEFAULT_QUESTIONNAIRE = "taking-stock"


def load(path: Path | str) -> Questionnaire:
    """Read and validate a questionnaire file; raise `QuestionnaireError` naming the first fault."""
    return read(path).raise_for_faults()


def available(directory: Path | None = None) -> list[str]:
    """Slugs of the questionnaire files in `directory` (default: QUESTIONS_DIR)."""
    return sorted(p.stem for p in (directory or QUESTIONS_DIR).glob("*.toml"))


def path_of(slug: str, directory: Path | None = None) -> Path:
    """Where the questionnaire `slug` is kept: `directory` (default: QUESTIONS_DIR)/<slug>.toml."""
    directory = directory or QUESTIONS_DIR
    if not SLUG.match(slug):
        raise QuestionnaireError(directory / f"{slug}.toml", "not a questionnaire name")
    return directory / f"{slug}.toml"


@cache
def load_questionnaire(slug: str, directory: Path | None = None) -> Questionnaire:
    """The questionnaire `slug` from `directory` (default: QUESTIONS_DIR).

    Cached: a file is read once per process, so a file loaded anew (`consult questionnaire
    load`) is used by running app servers once they restart.
    """
    questionnaire = load(path_of(slug, directory))
    if questionnaire.slug != slug:
        raise QuestionnaireError(
            questionnaire.source, f"its slug is {questionnaire.slug!r}; the file must be named after it"
        )
    return questionnaire
