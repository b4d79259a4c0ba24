"""The questionnaire is data: the code names none, except the one default setting."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE = ("consult", "analysis", "questions", "deploy", "migrations")
TEXT_SUFFIXES = {".py", ".html", ".txt", ".js", ".css", ".cfg", ".ini", ".j2", ".po", ".pot", ".sh"}
SLUG = re.compile(r"taking[-_]stock", re.IGNORECASE)
# The default questionnaire, named once; the app's QUESTIONNAIRE setting and the analysis
# commands' --questionnaire take it from here.
ALLOWED = {("questions/__init__.py", 'DEFAULT_QUESTIONNAIRE = "taking-stock"')}


def test_no_code_names_the_taking_stock_slug() -> None:
    found = []
    for folder in CODE:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in TEXT_SUFFIXES or not path.is_file() or ".venv" in path.parts:
                continue
            relative = path.relative_to(ROOT).as_posix()
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if SLUG.search(line) and (relative, line.strip()) not in ALLOWED:
                    found.append(f"{relative}:{number}: {line.strip()}")
    assert found == []
    # The test can see what it looks for: the allowed line is there.
    assert 'DEFAULT_QUESTIONNAIRE = "taking-stock"' in (ROOT / "questions" / "__init__.py").read_text()
