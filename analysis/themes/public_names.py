"""Names of councils, other public bodies and people in answer text: found, replaced, flagged.

The respondents lead councils and public bodies, so a quote that names their authority, or
names a person, can identify them. Public bodies come from the list shipped as package data
(`analysis/data/public_bodies.csv`, Open Government Licence): "Hartlepool", "Hartlepool
Borough Council", "Hartlepool Council", "London Borough of Camden", "Kent Fire and Rescue
Service" and the like all become "[public body]". A name that is also an ordinary word
("Reading", "Bury") is replaced only with a council or body word after it.

People are found by rules, there being no offline name-recognition model to install: a
title or role before a capitalised word ("Cllr Smith", "Mrs Patel", "Leader John Smith"),
"my name is …", or a common first name (`analysis/data/first_names.txt`) followed by a
capitalised word. Those become "[name]". A quote that still has two or more capitalised
words together mid-sentence is *flagged* for an analyst to read before it is published.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources

__all__ = ["needs_name_check", "redact_label", "redact_names"]

_SUFFIX = (
    r"(?:\s+(?i:(?:Metropolitan\s+|County\s+)?(?:Borough|District|City|County|Town|Unitary)\s+)?"
    r"(?i:Council|Authority)"
    r"|\s+(?i:Fire\s+and\s+Rescue(?:\s+(?:Authority|Service))?|Fire\s+(?:Authority|Service|Brigade))"
    r"|\s+(?i:National\s+Park(?:\s+Authority)?)"
    r"|\s+(?i:(?:Mayoral\s+)?Combined\s+Authority)"
    r"|\s+(?i:Police(?:\s+Authority)?|Constabulary))"
)
_PREFIX = (
    r"(?:(?i:(?:the\s+)?(?:London\s+|Royal\s+)?Borough\s+of|City\s+and\s+County\s+of|City\s+of"
    r"|County\s+of)\s+)"
)
_TITLES = (
    r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Cllr|Councillor|Sir|Dame|Lord|Lady|Baroness|Baron|Rev|Reverend"
    r"|Leader|Mayor|Chief\s+Executive|Chair|Chairman|Chairwoman|Minister|Secretary\s+of\s+State)"
)
_CAPITALISED = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)*"
_TITLED = re.compile(rf"\b{_TITLES}\.?\s+(?:{_CAPITALISED}\s+)?{_CAPITALISED}\b")
_MY_NAME = re.compile(
    rf"\b(?i:my\s+name\s+is|I\s+am\s+called|this\s+is)\s+{_CAPITALISED}(?:\s+{_CAPITALISED})?\b"
)
_TWO_CAPITALS = re.compile(rf"(?<![.!?]\s)(?<!^)\b{_CAPITALISED}\s+{_CAPITALISED}\b")


@cache
def _public_bodies() -> re.Pattern[str]:
    text = resources.files("analysis").joinpath("data/public_bodies.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    alone: set[str] = set()
    suffixed: set[str] = set()
    for row in rows:
        (alone if row["alone"] == "yes" else suffixed).add(row["name"])
    suffixed -= alone

    def pattern(names: set[str]) -> str:
        # Longest first, so "North East Lincolnshire" wins over "Lincolnshire"; spaces and
        # hyphens are interchangeable ("Stoke on Trent"), and "and" may be "&".
        parts = []
        for name in sorted(names, key=len, reverse=True):
            escaped = re.escape(name).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]+")
            parts.append(escaped.replace("and", "(?:and|&)"))
        return "|".join(parts)

    return re.compile(
        rf"\b{_PREFIX}?(?:(?:{pattern(alone)}){_SUFFIX}?|(?:{pattern(suffixed)}){_SUFFIX}|{_PREFIX}(?:{pattern(suffixed)}))\b"
    )


@cache
def _first_names() -> re.Pattern[str]:
    text = resources.files("analysis").joinpath("data/first_names.txt").read_text(encoding="utf-8")
    names = sorted({n.strip() for n in text.splitlines() if n.strip() and not n.startswith("#")}, key=len)
    return re.compile(rf"\b(?:{'|'.join(map(re.escape, reversed(names)))})\s+{_CAPITALISED}\b")


def redact_names(text: str) -> str:
    """`text` with public bodies replaced by "[public body]" and people's names by "[name]"."""
    if not text:
        return text
    text = _public_bodies().sub("[public body]", text)
    text = _TITLED.sub(
        lambda m: m.group(0).split()[0] + " [name]" if m.group(0)[0].isupper() else "[name]", text
    )
    text = _MY_NAME.sub(lambda m: m.group(0).rsplit(" ", 2)[0] + " [name]", text)
    return _first_names().sub("[name]", text)


def needs_name_check(text: str) -> bool:
    """Whether a (redacted) quote still holds what may be a name: two capitalised words
    together that do not start a sentence. For an analyst to read before publishing."""
    return bool(_TWO_CAPITALS.search(text or ""))


def redact_label(text: str) -> str:
    """A theme label or key term (often in lower case) with names taken out, however cased:
    unchanged unless its title-cased form names a public body or person."""
    titled = text.title()
    redacted = redact_names(titled)
    if redacted == titled:
        return redact_names(text)
    return redacted
