"""Redaction of personal details in answer text: emails, phone numbers, UK postcodes, street
addresses (in English and Welsh), URLs."""

from __future__ import annotations

import re

__all__ = ["redact"]

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_EMAIL_SPELT = re.compile(
    r"\b[\w.+-]+\s*(?:\(at\)|\[at\])\s*[\w-]+(?:\s*(?:\.|\(dot\)|\[dot\])\s*[\w-]+)+", re.I
)
_URL = re.compile(
    r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>\"']+|\b[\w-]+(?:\.[\w-]+)*\.(?:gov|org|co|ac|nhs|net|com)"
    r"(?:\.uk)?(?:/[^\s<>\"']*)?",
    re.I,
)
# UK postcodes, full ("SW1A 1AA", "m1 1ae") and outward-code-with-sector forms.
_POSTCODE = re.compile(
    r"\b(?:GIR ?0AA|[A-PR-UWYZ]"
    r"(?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY])"
    r"\s*[0-9][ABD-HJLNP-UW-Z]{2})\b",
    re.I,
)
# Phone numbers: UK (07…, 01…, 02…, 03…, 08…, +44 …) and other international forms with 9+ digits.
_PHONE = re.compile(
    r"(?<![\w/])(?:(?:\+|00)\s?\d{1,3}[\s.-]?(?:\(0\)[\s.-]?)?|\(?0)\d(?:[\s.-]?\(?\d\)?){7,11}(?![\w/])"
)


_DIGIT = re.compile(r"\d")
_NAME_WORD = r"[A-ZÀ-ÖØ-ÞŴŶ][a-zß-öø-ÿŵŷ'’-]+"
_STREET = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Way|Place|Pl|Court|Ct|Crescent|Cres|Terrace"
    r"|Gardens|Gdns|Grove|Square|Sq|Hill|Row|Mews|Walk|Parade|Green|Rise|View|Wharf|Yard|Boulevard"
    r"|Broadway|Embankment|Approach|Chase|Croft|Fields|Meadows?|Park|Vale|Circus|Quay|Gate)"
)
# "12 High Street", "12a-14 Church Road, Bedford", "Flat 3, 45 Mill Lane", "7 Heol y Frenhines".
_ADDRESS = re.compile(
    rf"\b(?:(?:Flat|Unit|Apartment|Apt|Suite|Room)\s+\d+[A-Za-z]?,?\s+)?\d{{1,4}}[A-Za-z]?"
    rf"(?:\s*[-–]\s*\d{{1,4}}[A-Za-z]?)?,?\s+"
    rf"(?:(?:{_NAME_WORD}\s+){{1,3}}{_STREET}\b"
    rf"|(?:Heol|Stryd|Ffordd|Lôn|Rhodfa|Cilgant|Teras|Sgwâr|Maes)(?:\s+(?:y|yr|'r)?\s*{_NAME_WORD}){{1,3}})"
    rf"(?:,\s*{_NAME_WORD}(?:\s+{_NAME_WORD})*)?"
)


def redact(text: str) -> str:
    """`text` with emails, URLs, UK postcodes, street addresses and phone numbers replaced by
    [email], [url], [postcode], [address], [phone].

    Applied to every answer before analysis, so that no quote, label or key term in any
    report can carry these details.
    """
    if not text:
        return text
    lower = text.lower()
    if "@" in text or "(at)" in lower or "[at]" in lower:
        text = _EMAIL.sub("[email]", text)
        text = _EMAIL_SPELT.sub("[email]", text)
    if "." in text or "/" in text:
        text = _URL.sub("[url]", text)
    if _DIGIT.search(text):  # postcodes, phone numbers and house numbers all hold digits
        text = _POSTCODE.sub("[postcode]", text)
        text = _ADDRESS.sub("[address]", text)
        text = _PHONE.sub("[phone]", text)
    return text
