"""The one rule for text people type into consult, and the last line of defence for writers.

Text an officer gives (theme names and descriptions, the Board report's words, the
invitation list) is refused if it holds a control character: nobody means to type one, it
prints as nothing or as a box, and XML (so a Word document) cannot hold most of them at all.
Line breaks and tabs are allowed where the text may run over several lines.

Writers of XML formats pass every text through `xml_safe` as well, so text stored before the
rule existed, or reaching a report another way, can never stop a document being written.
"""

from __future__ import annotations

import re

__all__ = ["control_character_problem", "control_characters", "without_control_characters", "xml_safe"]

# C0 controls, DEL and the C1 controls, and the two non-characters XML refuses.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ufffe\uffff]")
_LINE_BREAKS_AND_TABS = frozenset("\n\r\t")
# What XML 1.0 cannot hold at all (its Char production, inverted).
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def control_characters(text: str, *, multiline: bool = False) -> list[str]:
    """The control characters in `text`, each once, as "U+000C" (line breaks and tabs are
    not counted when `multiline`)."""
    found: list[str] = []
    for match in _CONTROL.finditer(text):
        char = match.group()
        if multiline and char in _LINE_BREAKS_AND_TABS:
            continue
        name = f"U+{ord(char):04X}"
        if name not in found:
            found.append(name)
    return found


def control_character_problem(text: str | None, label: str, *, multiline: bool = False) -> str | None:
    """The message for `label` if `text` breaks the rule (None if it keeps it)."""
    found = control_characters(text or "", multiline=multiline)
    if not found:
        return None
    allowed = "" if not multiline else " (line breaks are fine)"
    return (
        f"{label} must not contain control characters{allowed}: remove the invisible "
        f"character{'s' if len(found) > 1 else ''} {', '.join(found)}, perhaps pasted in with the text"
    )


def without_control_characters(text: str, *, multiline: bool = False) -> str:
    """`text` with its control characters dropped (line breaks and tabs kept when `multiline`):
    for reading text stored before the rule was enforced."""
    if multiline:
        return _CONTROL.sub(lambda m: m.group() if m.group() in _LINE_BREAKS_AND_TABS else "", text)
    return _CONTROL.sub("", text)


def xml_safe(text: str) -> str:
    """`text` without the characters XML cannot hold (each is dropped; everything else kept)."""
    return _NOT_XML.sub("", text)
