"""Text handling for survey answers: cleaning, non-answers, tokens, stop words, stems.

Everything here uses only the parts of NLTK that need no downloaded data (a regular
expression tokenizer and the Snowball stemmer), so it runs offline.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from nltk.stem.snowball import SnowballStemmer
from nltk.tokenize import RegexpTokenizer

from analysis.stored_answers import says_something

__all__ = [
    "KEPT_WORDS",
    "STOP_WORDS",
    "clean_text",
    "is_non_answer",
    "normalised_key",
    "stem",
    "tokens",
    "undo_formula_prefix",
    "words",
]

# Words that carry meaning in survey answers ("nothing to add", "no change", "none of them")
# and so are never stop words here, unlike in general-purpose lists.
KEPT_WORDS = frozenset(
    {"no", "not", "nothing", "none", "nobody", "never", "cannot", "everything", "all", "more", "less"}
)

_GENERAL_STOP_WORDS = """
a about above after again ago also although am among an and another any anybody anyhow anyone anything
anyway anywhere are aren around as at be became because become been before being below between both but
by can could couldn did didn do does doesn doing don done down during each either else etc even ever every
few for from further get gets getting got had hadn has hasn have haven having he her here hers herself him
himself his how however i i'd i'll i'm i've ie if in into is isn it it's its itself just let like ll made
make many may me might mine more most much must mustn my myself neither nor now of off often on once one
only or other others otherwise our ours ourselves out over own per perhaps please put quite rather re really
s said same say says see seem seemed seems shall she should shouldn since so some somehow someone something
sometime sometimes somewhere still such t than that that's the their theirs them themselves then there
there's therefore these they they'd they'll they're they've thing things this those though through thus to
together toward towards under until up upon us ve was wasn way we we'd we'll we're we've well were weren
what what's whatever when whenever where whether which while who whoever whole whom whose why will with
within would wouldn yet you you'd you'll you're you've your yours yourself yourselves
"""

# Words common to almost every consultation answer that say nothing about its subject.
_SURVEY_STOP_WORDS = """
answer answers comment comments consultation feel felt question questions response think thought
believe view views yes very too enough
"""

STOP_WORDS = frozenset((_GENERAL_STOP_WORDS + _SURVEY_STOP_WORDS).split()) - KEPT_WORDS

# Placeholders left by redaction are not words of the answer.
_PLACEHOLDERS = frozenset({"email", "phone", "postcode", "url"})

_TOKENIZER = RegexpTokenizer(r"[a-z]&[a-z]\b|[a-z]+(?:'[a-z]+)*")
_STEMMER = SnowballStemmer("english")
_CONTRACTED = {"ca": "can", "wo": "will", "sha": "shall"}
_SPACE = re.compile(r"\s+")
_FORMULA_PREFIXED = re.compile(r"^'(?=[=+\-@\t\r])")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})


def undo_formula_prefix(value: str) -> str:
    """Remove the apostrophe the exporter put before text starting with = + - @ tab or CR."""
    return _FORMULA_PREFIXED.sub("", value)


def clean_text(value: object) -> str:
    """Answer text with NFKC normalisation, straight apostrophes and collapsed white space.

    Missing values (None, NaN) become the empty string.
    """
    if value is None or not isinstance(value, str):
        return "" if value is None or value != value else str(value)
    text = unicodedata.normalize("NFKC", value).translate(_APOSTROPHES).replace("\x00", "")
    return _SPACE.sub(" ", text).strip()


def normalised_key(text: str) -> str:
    """A key under which answers differing only in case, spacing and punctuation are equal."""
    return " ".join(_TOKENIZER.tokenize(text.lower()))


def is_non_answer(text: str) -> bool:
    """Whether `text` is blank, "no comment", "n/a", "did not answer" or similar: counted
    apart, never themed (the one rule, `analysis.stored_answers.says_something`)."""
    return not says_something(text)


def words(text: str) -> list[str]:
    """Lower-case word tokens, with "n't" split off as "not" ("don't" → "do", "not")."""
    out: list[str] = []
    for token in _TOKENIZER.tokenize(text.lower().translate(_APOSTROPHES)):
        if token.endswith("n't"):
            head = token[:-3]
            head = _CONTRACTED.get(head, head)
            out.extend((head, "not") if head else ("not",))
        elif token.endswith("'s"):
            out.append(token[:-2])
        else:
            out.append(token)
    return out


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball stem of one lower-case word (cached)."""
    return _STEMMER.stem(word)


def tokens(text: str, stop_words: Iterable[str] = STOP_WORDS) -> list[str]:
    """Stemmed content tokens of `text`: stop words, placeholders and 1-letter words removed."""
    stops = stop_words if isinstance(stop_words, frozenset | set) else frozenset(stop_words)
    return [stem(w) for w in words(text) if len(w) > 1 and w not in stops and w not in _PLACEHOLDERS]
