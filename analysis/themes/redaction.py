"""Redaction of personal details in answer text: emails, phone numbers, UK postcodes, URLs."""

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


def redact(text: str) -> str:
    """`text` with emails, URLs, UK postcodes and phone numbers replaced by [email] etc.

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
    if _DIGIT.search(text):  # postcodes and phone numbers both hold digits
        text = _POSTCODE.sub("[postcode]", text)
        text = _PHONE.sub("[phone]", text)
    return text
