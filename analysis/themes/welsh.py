"""Answers written in Welsh: told from English ones, and kept together apart from the themes.

The theme engines read English: Welsh answers among English ones come out as noise (a
"theme" of "yn, y, mae"). So each question's answers are split by language before
themes are found. The Welsh ones are set apart, clearly labelled "Answers in Welsh", as
one group of that question: counted in its base, with key terms found using Welsh stop
words and a few of them as quotes, for an analyst who reads Welsh to review (in the web
app they can be moved into the question's themes like any other answers). Sentiment is
not measured in Welsh: the group's answers are marked neutral, and the report says so.

Telling Welsh from English needs no model or data beyond a stop-word list shipped with
the package (`analysis/data/welsh_stop_words.txt`, its source noted there): an answer is
Welsh when its Welsh function words ("yn", "mae", "y", "ddim", "gyda" …) clearly
outnumber its English ones, with spellings found in Welsh and seldom in English ("dd",
"ll" or "rh" starting a word, "wy", "ŵ", "ŷ") as supporting evidence.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from importlib.resources import files

import pandas as pd

from analysis.themes.public_names import redact_names
from analysis.themes.sentiment import NEUTRAL
from analysis.themes.text import STOP_WORDS, is_non_answer, normalised_key

__all__ = ["WELSH_LABEL", "is_welsh", "set_apart_welsh", "split_welsh", "welsh_stop_words"]

WELSH_LABEL = "Answers in Welsh"
WELSH_SUFFIX = "-cy"  # a question's Welsh group is theme "<question>-cy"
NOTE = (
    "Answers written in Welsh are set apart under each question as “Answers in Welsh” "
    "(counted in the question's base, not themed with the English answers); their key terms "
    "leave out Welsh stop words, and their sentiment is not measured (shown as neutral)."
)

_WORD = re.compile(r"[a-zâêîôûŵŷáéíóúẃýàèìòùẁỳäëïöüẅÿ]+")
# Words of both languages: not evidence of either.
_SHARED = frozenset(
    "a i o e am at do hi dim dan pan tan pump cant gen er mor tu ti di bu na ai un ma ie pa ef"
    " fi fe mi ni sy hon lot top well".split()
)
# Spellings common in Welsh and rare in English words.
_WELSH_SPELLING = re.compile(
    r"^(?:ll|rh|ng)[aeiouwy]|^ym[aeiouwy]|dd|wy|ae[^r]|yw|[âêîôûŵŷ]|ch[wy]|[^e]au$|aeth$"
)
_MIN_EVIDENCE = 2.0
# Welsh answers that say nothing: "dim", "dim sylw", "ddim yn gwybod", "amherthnasol" …
_WELSH_NON_ANSWER = re.compile(
    r"^(?:dim(?: (?:sylw|sylwadau|byd|i'w ychwanegu|barn))?|d/g|ddim yn gwybod|dwi ddim yn gwybod"
    r"|amherthnasol|ddim yn berthnasol|gweler uchod|fel uchod)[.!]*$"
)
_MIN_LETTERS = 3
_QUOTES = 3
_QUOTE_WORDS = 80
_TERMS = 6


@cache
def welsh_stop_words() -> frozenset[str]:
    """The shipped Welsh stop words (lower case)."""
    text = files("analysis").joinpath("data/welsh_stop_words.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


@cache
def _markers() -> tuple[frozenset[str], frozenset[str]]:
    """(Welsh evidence, English evidence): each language's function words, less those of both."""
    welsh = welsh_stop_words()
    return welsh - STOP_WORDS - _SHARED, STOP_WORDS - welsh - _SHARED


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


def is_welsh(text: str) -> bool:
    """Whether `text` is written in Welsh (mostly; a Welsh name in English text is English)."""
    key = " ".join(text.lower().split())
    if _WELSH_NON_ANSWER.match(key):
        return True
    welsh_words, english_words = _markers()
    welsh = english = spelling = 0.0
    for word in _words(text):
        if word in welsh_words:
            welsh += 1
        elif word in english_words:
            english += 1
        elif len(word) >= _MIN_LETTERS and _WELSH_SPELLING.search(word):
            spelling += 0.5
    evidence = welsh + min(spelling, welsh + 1)
    return evidence >= _MIN_EVIDENCE and evidence > 2 * english


def split_welsh(answers: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(answers not in Welsh, answers in Welsh) of a table with a `text` column; rows kept as they are."""
    if answers.empty:
        return answers, answers.iloc[0:0]
    welsh = answers["text"].map(is_welsh).astype(bool)
    return answers[~welsh], answers[welsh]


def set_apart_welsh(
    result: dict[str, pd.DataFrame], welsh: pd.DataFrame, question_id: str, include_drafts: bool
) -> dict[str, pd.DataFrame]:
    """One question's themes (`result`, as the pipeline makes them) with its Welsh answers added
    as the group "Answers in Welsh".

    `welsh` has the pipeline's columns `response_id`, `question_id`, `text` and `submitted`.
    Blank or "dim sylw" answers are excluded as "no answer" and unsubmitted ones as "draft"
    (unless `include_drafts`), as for English; the rest are counted in the question's base,
    and every theme's share is taken of that base. The questions table gains the column
    `welsh` (answers set apart), 0 where there are none.
    """
    questions = result["questions"].copy()
    questions["welsh"] = 0
    if welsh.empty:
        return {**result, "questions": questions}
    no_answer = welsh["text"].map(
        lambda t: is_non_answer(t) or bool(_WELSH_NON_ANSWER.match(t.lower().strip()))
    )
    draft = ~welsh["submitted"] & ~no_answer & (not include_drafts)
    excluded = welsh[no_answer | draft].assign(
        reason=["no answer" if n else "draft" for n in no_answer[no_answer | draft]]
    )
    kept = welsh[~(no_answer | draft)]

    row = questions.index[0]
    questions.loc[row, "answers"] += len(welsh)
    questions.loc[row, "no_answer"] += int(no_answer.sum())
    questions.loc[row, "drafts"] += int(draft.sum())
    questions.loc[row, "base"] += len(kept)
    questions.loc[row, "welsh"] = len(kept)
    base = int(questions.loc[row, "base"])

    themes = result["themes"].copy()
    if len(kept):
        group = {
            "question_id": question_id,
            "theme_id": f"{question_id}{WELSH_SUFFIX}",
            "label": WELSH_LABEL,
            "terms": _key_terms(kept["text"]),
            "count": len(kept),
            "quotes": _quotes(kept),
            "positive": 0.0,
            "neutral": 1.0,
            "negative": 0.0,
        }
        themes = pd.concat([themes, pd.DataFrame([group])], ignore_index=True)
    if base and len(themes):
        themes["share"] = (themes["count"] / base).round(4)
    themes = themes.reindex(columns=result["themes"].columns)

    assignments = pd.concat(
        [
            result["assignments"],
            pd.DataFrame(
                {
                    "response_id": kept["response_id"].to_numpy(),
                    "question_id": question_id,
                    "theme_id": f"{question_id}{WELSH_SUFFIX}",
                    "primary": True,
                    "sentiment": NEUTRAL,
                }
            ),
        ],
        ignore_index=True,
    )
    excluded_table = pd.concat(
        [result["excluded"], excluded[["response_id", "question_id", "reason", "text"]]], ignore_index=True
    )
    return {
        **result,
        "questions": questions,
        "themes": themes,
        "assignments": assignments,
        "excluded": excluded_table,
    }


def _key_terms(texts: pd.Series) -> list[str]:
    """The words most of the answers use, Welsh and English stop words left out."""
    stops = welsh_stop_words() | STOP_WORDS
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update({w for w in _words(text) if len(w) >= _MIN_LETTERS and w not in stops})
    return [word for word, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])) if n > 1][
        :_TERMS
    ]


def _quotes(kept: pd.DataFrame) -> list[str]:
    """A few submitted answers, one per wording (names taken out)."""
    submitted = kept[kept["submitted"].astype(bool)]
    chosen: list[str] = []
    seen: set[str] = set()
    # Answers of a readable length first (the fullest of them), then the longest.
    order = sorted(
        zip(submitted["text"], submitted["response_id"], strict=True),
        key=lambda t: (len(t[0].split()) > _QUOTE_WORDS, -len(t[0]), t[1]),
    )
    for text, _ in order:
        key = normalised_key(text)
        if key not in seen:
            seen.add(key)
            chosen.append(redact_names(text))
        if len(chosen) == _QUOTES:
            break
    return chosen
