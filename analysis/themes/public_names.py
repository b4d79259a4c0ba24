"""Names of office-holders, public bodies, places and people in answer text: replaced, or flagged.

The respondents lead councils and public bodies, so a quote that names their authority, an
office only one person holds, or a person, can identify them. In this order, each taking the
longest whole span it can, so that no fragment of a name is left behind:

1. Office-holders: "the Mayor of London", "Police and Crime Commissioner for Kent",
   "Chief Constable of Gwent Police", "Leader of Hartlepool Borough Council" (and their
   Welsh forms: "Maer …", "Arweinydd Cyngor …") become "[office-holder]".
2. Councils and other public bodies, in English and Welsh: the lists shipped as package
   data (`analysis/data/public_bodies.csv`, `public_bodies_cy.csv`, Open Government Licence),
   with council words before or after ("Hartlepool Borough Council", "London Borough of
   Camden", "Cyngor Sir Ynys Môn") and Welsh place names in their mutated forms ("yng
   Nghaerdydd", "o Gaerdydd"), become "[public body]". A name that is also an ordinary word
   or a region ("Reading", "West Midlands") is replaced only with a body word beside it.
3. Street addresses ("12 High Street", "Flat 3, 45 Church Road") are taken out with the
   other contact details by `analysis.themes.redaction`.
4. People: a title before a name ("Cllr Jane Smith", "Mrs Patel"), "my name is …", and a
   first name followed by a capitalised word or a surname: first names and surnames ranked
   in the UK and Ireland in the names-dataset package (`analysis.themes.person_names`),
   loaded once, when first needed. They become "[name]".

A quote that may still name someone (two capitalised words together mid-sentence, or a
known surname mid-sentence) is *flagged* for an analyst (`needs_name_check`): reports leave
it out until an analyst has read it.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources

__all__ = ["needs_name_check", "redact_label", "redact_names"]

_UPPER = "A-ZÀ-ÖØ-ÞŴŶ"
_LOWER = "a-zß-öø-ÿŵŷ"
_WORD = rf"[{_UPPER}][{_LOWER}]+(?:['’-][{_UPPER}]?[{_LOWER}]+)*"
# A place: capitalised words, which small words may join ("Stoke-on-Trent", "Bro Morgannwg").
_JOIN = r"(?:and|of|upon|on|the|in|under|with|le|by|&|y|yr|ar|a)"
_PLACE = rf"{_WORD}(?:(?:\s+|-)(?:{_JOIN}(?:\s+|-))*{_WORD})*"
_COUNCIL = (
    r"(?i:(?:Metropolitan\s+|County\s+|City\s+|Royal\s+)?(?:Borough|District|City|County|Town|Unitary)\s+)?"
    r"(?i:Council|Authority)"
)
_SUFFIX = (
    rf"(?:\s+{_COUNCIL}"
    r"|\s+(?i:Fire\s+and\s+Rescue(?:\s+(?:Authority|Service))?|Fire\s+(?:Authority|Service|Brigade))"
    r"|\s+(?i:National\s+Park(?:\s+Authority)?)"
    r"|\s+(?i:(?:Mayoral\s+)?Combined\s+Authority)"
    r"|\s+(?i:Police(?:\s+Authority)?|Constabulary))"
)
_PREFIX = (
    r"(?:(?i:(?:the\s+)?(?:London\s+|Royal\s+)?Borough\s+of|City\s+and\s+County\s+of|City\s+of"
    r"|County\s+of)\s+"
    r"|Cyngor\s+(?:(?:Bwrdeistref\s+Sirol|Sir|Dinas(?:\s+a\s+Sir)?|Bwrdeistref)\s+)?"
    r"|Awdurdod\s+Parc\s+Cenedlaethol\s+|Gwasanaeth\s+Tân\s+ac\s+Achub\s+|Heddlu\s+)"
)
_THE = r"(?i:the\s+)?"
_OFFICES = [
    rf"{_THE}(?:(?:Lord|Deputy|Metro|Elected|Regional)\s+)?Mayor\s+(?:of|for)\s+{_THE}{_PLACE}",
    rf"{_THE}(?:Deputy\s+)?Police(?:,)?\s+(?:Fire\s+)?and\s+Crime\s+Commissioner\s+(?:for|of)\s+{_THE}{_PLACE}",
    rf"{_THE}(?:Deputy\s+|Assistant\s+)?Chief\s+Constable\s+(?:of|for)\s+{_THE}{_PLACE}",
    rf"{_THE}(?:Deputy\s+)?Chief\s+Fire\s+Officer\s+(?:of|for|at)\s+{_THE}{_PLACE}",
    rf"{_THE}(?:Deputy\s+)?(?:Leader|Chief\s+Executive|Chair(?:man|woman)?|Managing\s+Director"
    rf"|Monitoring\s+Officer)\s+(?:of|at|for)\s+{_THE}(?:{_PREFIX})?{_PLACE}(?:{_SUFFIX})",
    rf"(?:Maer|Arweinydd|Prif\s+Weithredwr|Prif\s+Gwnstabl|Comisiynydd\s+Heddlu\s+a\s+Throseddu)\s+"
    rf"(?:{_PREFIX})?{_PLACE}",
    # The place before the office ("Kent Police and Crime Commissioner"), last: it would
    # otherwise take "The" for a place.
    rf"(?!The\b){_PLACE}\s+(?:Police(?:,)?\s+(?:Fire\s+)?and\s+Crime\s+Commissioner|Metro\s+Mayor)",
]
_TITLES = (
    r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Cllr|Councillor|Sir|Dame|Lord|Lady|Baroness|Baron|Rev|Reverend"
    r"|Leader|Mayor|Chief\s+Executive|Chair|Chairman|Chairwoman|Minister|Secretary\s+of\s+State|Y\s+Cynghorydd)"
)
_TITLED = re.compile(rf"\b{_TITLES}\.?\s+(?:{_WORD}\s+)?{_WORD}\b")
_MY_NAME = re.compile(
    rf"\b(?i:my\s+name\s+is|I\s+am\s+called|this\s+is|fy\s+enw\s+i\s+yw)\s+{_WORD}(?:\s+{_WORD})?\b"
)
_TWO_CAPITALS = re.compile(rf"(?<![.!?:]\s)(?<!^)\b{_WORD}\s+{_WORD}\b")
_CAPITAL = re.compile(rf"(?<![.!?:]\s)(?<!^)(?<![\[])\b{_WORD}\b")
# Initial mutations of Welsh words ("yng Nghaerdydd", "o Gaerdydd", "a Chaerdydd").
_MUTATIONS = {
    "C": ("G", "Ngh", "Ch"),
    "P": ("B", "Mh", "Ph"),
    "T": ("D", "Nh", "Th"),
    "G": ("", "Ng"),
    "B": ("F", "M"),
    "D": ("Dd", "N"),
    "M": ("F",),
    "Ll": ("L",),
    "Rh": ("R",),
}
_PLACEHOLDERS = ("[name]", "[public body]", "[office-holder]", "[address]")


def _data(name: str) -> list[dict[str, str]]:
    text = resources.files("analysis").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))


def _mutated(name: str, english: set[str]) -> set[str]:
    first, _, rest = name.partition(" ")
    out = set()
    for plain, forms in _MUTATIONS.items():
        if first.startswith(plain) and not (plain in ("D", "L", "R") and first[:2] in ("Dd", "Ll", "Rh")):
            for form in forms:
                word = (
                    form + first[len(plain) :]
                    if form
                    else first[len(plain)].upper() + first[len(plain) + 1 :]
                )
                if word.lower() not in english and len(word) > 3:
                    out.add(f"{word} {rest}".strip())
    return out


def _alternatives(names: set[str]) -> str:
    # Longest first, so "North East Lincolnshire" wins over "Lincolnshire"; spaces and
    # hyphens are interchangeable ("Stoke on Trent"), and "and" may be "&".
    parts = []
    for name in sorted(names, key=len, reverse=True):
        escaped = re.escape(name).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]+")
        parts.append(escaped.replace("and", "(?:and|&)"))
    return "|".join(parts)


@cache
def _public_bodies() -> re.Pattern[str]:
    from analysis.themes.person_names import english_words

    alone: set[str] = set()
    suffixed: set[str] = set()
    for row in _data("public_bodies.csv"):
        (alone if row["alone"] == "yes" else suffixed).add(row["name"])
    english = english_words()
    for row in _data("public_bodies_cy.csv"):
        alone.add(row["name"])
        if row["kind"] == "place":
            alone |= _mutated(row["name"], english)
    for name in [r["name"] for r in _data("public_bodies.csv") if r["kind"] == "welsh"]:
        alone |= _mutated(name, english)
    suffixed -= alone
    return re.compile(
        rf"\b{_PREFIX}?(?:(?:{_alternatives(alone)}){_SUFFIX}?|(?:{_alternatives(suffixed)}){_SUFFIX}"
        rf"|{_PREFIX}(?:{_alternatives(suffixed)}))\b"
    )


@cache
def _offices() -> re.Pattern[str]:
    bodies = _public_bodies().pattern
    # An office of a listed body ("Leader of Hartlepool Borough Council") or of a place.
    listed = (
        rf"{_THE}(?:Deputy\s+)?(?:Leader|Chief\s+Executive|Chair(?:man|woman)?)\s+(?:of|at|for)\s+{bodies}"
    )
    return re.compile(rf"\b(?:{listed}|{'|'.join(_OFFICES)})")


_WORDS = re.compile(rf"\b{_WORD}\b")
_BETWEEN = re.compile(rf"\s+(?:[{_UPPER}]\.\s+)?")


def _people(text: str) -> str:
    """Each first name followed by a surname or a capitalised word that is no ordinary word
    ("Jane Smith", "Sarah Q. Jones") as "[name]"; pairs overlap, so every word is tried."""
    from analysis.themes.person_names import english_words, name_lists

    names = name_lists()
    english = english_words()
    words = list(_WORDS.finditer(text))
    spans = []
    i = 0
    while i < len(words) - 1:
        first, second = words[i], words[i + 1]
        gap = text[first.end() : second.start()]
        together = _BETWEEN.fullmatch(gap) is not None
        if (
            together
            and first.group(0) in names.first
            and (second.group(0) in names.surnames or second.group(0).lower() not in english)
        ):
            spans.append((first.start(), second.end()))
            i += 2
            continue
        i += 1
    for start, end in reversed(spans):
        text = text[:start] + "[name]" + text[end:]
    return text


def redact_names(text: str) -> str:
    """`text` with office-holders, public bodies and people replaced by "[office-holder]",
    "[public body]" and "[name]" (longest spans first: no part of a name is left)."""
    if not text:
        return text
    text = _offices().sub("[office-holder]", text)
    text = _public_bodies().sub("[public body]", text)
    text = _TITLED.sub(
        lambda m: m.group(0).split()[0] + " [name]" if m.group(0)[0].isupper() else "[name]", text
    )
    text = _MY_NAME.sub(lambda m: m.group(0).rsplit(" ", 2)[0] + " [name]", text)
    return _people(text)


def needs_name_check(text: str) -> bool:
    """Whether a (redacted) quote may still hold a name, for an analyst to read before it is
    published: two capitalised words together, or a known first name or surname that is not
    an ordinary word, anywhere but at the start of a sentence."""
    from analysis.themes.person_names import english_words, name_lists

    text = text or ""
    if _TWO_CAPITALS.search(text):
        return True
    names = name_lists()
    english = english_words()
    for match in _CAPITAL.finditer(text):
        word = match.group(0)
        if (word in names.first or word in names.surnames) and word.lower() not in english:
            return True
    return False


def redact_label(text: str) -> str:
    """A theme label or key term (often in lower case) with names taken out, however cased:
    unchanged unless its title-cased form names a public body or person."""
    titled = text.title()
    redacted = redact_names(titled)
    if redacted == titled:
        return redact_names(text)
    return redacted
