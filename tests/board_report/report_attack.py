"""An attacker holding every table of a Board report at once, worked out from the Word file alone.

The report is read back with python-docx. What it publishes together:

- responses by role, type of organisation, region and channel, each with its total;
- each single-choice question's table for all respondents (options, "Not answered", base);
- the role headlines' bases ("… (base: 1,234 asked)") for each role segment named.

The attacker knows the questionnaire (public): its roles, types and regions, which questions
are asked of everyone and which follow from which answer. Unknowns are the true figures at
the finest level: every raw category's size, and for every question and raw role its
counts per option, "Not answered", asked and answered. Published figures fix some of them
or their sums (an "Other …" row or segment is the sum of the raw categories not shown on
their own). Then, by linear programming over non-negative values, the least and greatest
of every hidden figure: each hidden table cell and each raw category not shown on its own.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from analysis.counts.counting import NOT_STATED, OTHER_SEGMENT
from analysis.counts.html_report import segment_phrase
from questions import Questionnaire

SUPPRESSED = "[c]"
DIMENSIONS = {"role": "role", "organisation_type": "type of organisation", "region": "region"}
_HEADLINE = re.compile(r"(\d+) per cent of (.+?) who answered said “[^”]+” \(base: ([\d,]+) asked\)")


def _number(cell: str) -> int | None:
    return None if cell == SUPPRESSED else int(cell.replace(",", ""))


class _Model:
    """Variables by name, and equations between them (sum of terms = constant)."""

    def __init__(self) -> None:
        self.index: dict[tuple, int] = {}
        self.equations: list[tuple[dict[int, float], float]] = []
        self.hidden: list[tuple] = []

    def var(self, *key: object) -> int:
        return self.index.setdefault(key, len(self.index))

    def equal(self, terms: Iterable[tuple[tuple, float]], constant: float = 0.0) -> None:
        row: dict[int, float] = {}
        for key, coef in terms:
            cell = self.var(*key)
            row[cell] = row.get(cell, 0.0) + coef
        self.equations.append((row, constant))

    def publish(self, key: tuple, value: int | None) -> None:
        """`key` is shown as `value`, or hidden (None): then its range is audited."""
        if value is None:
            self.var(*key)
            self.hidden.append(key)
        else:
            self.equal([(key, 1.0)], float(value))

    def ranges(self) -> dict[tuple, tuple[float, float]]:
        n = len(self.index)
        rows, cols, coefs, rhs = [], [], [], []
        for r, (terms, constant) in enumerate(self.equations):
            for cell, coef in terms.items():
                rows.append(r)
                cols.append(cell)
                coefs.append(coef)
            rhs.append(constant)
        a = sparse.csr_matrix((coefs, (rows, cols)), shape=(len(self.equations), n))
        out = {}
        for key in dict.fromkeys(self.hidden):
            c = np.zeros(n)
            c[self.index[key]] = 1.0
            low = linprog(c, A_eq=a, b_eq=rhs, bounds=(0, None), method="highs")
            high = linprog(-c, A_eq=a, b_eq=rhs, bounds=(0, None), method="highs")
            assert low.status == 0, f"the published figures contradict each other: {low.message}"
            out[key] = (low.fun, np.inf if high.status == 3 else -high.fun)
        return out


def _paragraphs_and_tables(body: bytes) -> tuple[list[tuple[str, str]], dict[str, list[list[str]]]]:
    import docx

    document = docx.Document(io.BytesIO(body))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    captions = [text for style, text in paragraphs if style == "Caption"]
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]
    return paragraphs, dict(zip(captions, tables, strict=True))


def report_ranges(body: bytes, questionnaire: Questionnaire) -> dict[tuple, tuple[float, float]]:
    """(least, greatest) of every figure the report hides, given everything it publishes."""
    paragraphs, tables = _paragraphs_and_tables(body)
    model = _Model()
    profile = questionnaire.profile
    raw = {
        "role": [*profile.roles, NOT_STATED],
        "organisation_type": [*profile.organisation_types, NOT_STATED],
        "region": [*profile.regions, NOT_STATED],
    }
    total = _number(tables["Responses by role"][-1][1])
    shown_alone: dict[str, set[str]] = {}
    for column, name in DIMENSIONS.items():
        rows = tables[f"Responses by {name}"][1:]
        assert rows[-1][0] == "Total"
        labels = [r[0] for r in rows[:-1]]
        raw[column] += [
            label for label in labels if label not in raw[column] and label != OTHER_SEGMENT[column]
        ]
        alone = [label for label in labels if label != OTHER_SEGMENT[column]]
        shown_alone[column] = set(alone)
        rest = [r for r in raw[column] if r not in alone]
        for label, cell in rows[:-1]:
            members = rest if label == OTHER_SEGMENT[column] else [label]
            model.equal([(("size", column, r), 1.0) for r in members] + [(("row", column, label), -1.0)])
            model.publish(("row", column, label), _number(cell))
        if OTHER_SEGMENT[column] in labels:
            model.hidden += [("size", column, r) for r in rest]  # folded in: not shown alone
        else:
            for r in rest:  # not listed and no "Other" group: nobody is in it
                model.equal([(("size", column, r), 1.0)], 0.0)
        model.equal([(("size", column, r), 1.0) for r in raw[column]], float(total))
    channel = tables["Responses by how they arrived"][1:]
    for label, cell in channel[:-1]:
        model.publish(("channel", label), _number(cell))
    model.equal([(("channel", label), 1.0) for label, _ in channel[:-1]], float(total))

    roles = raw["role"]
    single = [q for q in questionnaire.questions if q.is_single_choice]
    for q in single:
        parts = [*q.options, "Not answered"]
        rows = tables[f"Question {q.number}: answers of all respondents (per cent of those who answered)"][1:]
        assert [r[0] for r in rows[:-1]] == parts and rows[-1][0] == "Base (asked)"
        for (_label, cell, _), part in zip(rows[:-1], parts, strict=True):
            model.publish(("count", q.id, "all", part), _number(cell))
        model.publish(("asked", q.id, "all"), _number(rows[-1][1]))
        for segment in ["all", *roles]:
            model.equal(
                [(("count", q.id, segment, o), 1.0) for o in q.options]
                + [(("answered", q.id, segment), -1.0)]
            )
            model.equal(
                [
                    (("answered", q.id, segment), 1.0),
                    (("count", q.id, segment, "Not answered"), 1.0),
                    (("asked", q.id, segment), -1.0),
                ]
            )
        for part in [*parts, "asked", "answered"]:
            keys = [("count", q.id, s, part) if part in parts else (part, q.id, s) for s in [*roles, "all"]]
            model.equal([(k, 1.0) for k in keys[:-1]] + [(keys[-1], -1.0)])
        for r in roles:
            if q.shown_if is None:
                model.equal([(("asked", q.id, r), 1.0), (("size", "role", r), -1.0)])
            else:
                model.equal(
                    [(("asked", q.id, r), 1.0)]
                    + [(("count", q.shown_if.question, r, o), -1.0) for o in q.shown_if.any_of]
                )

    # Role headlines: the base of each role segment named, under the question's heading.
    who = {segment_phrase("role", label): label for label in [*roles, OTHER_SEGMENT["role"]]}
    headline_roles = set()
    found: list[tuple[str, str, int]] = []
    question = None
    for style, text in paragraphs:
        if style == "Heading 3" and (m := re.match(r"Question (\d+)\. ", text)):
            question = questionnaire.question(f"q{m.group(1)}")
        elif question is not None and text.startswith("By role: "):
            for _, phrase, base in _HEADLINE.findall(text):
                found.append((question.id, who[phrase], int(base.replace(",", ""))))
                headline_roles.add(who[phrase])
    # The segments shown alone are the summary's rows when it has an "Other roles" row (the
    # summary shows the headlines' segments); otherwise those the headlines name.
    summary_rows = {r[0] for r in tables["Responses by role"][1:-1]}
    other_role = OTHER_SEGMENT["role"]
    alone = shown_alone["role"] if other_role in summary_rows else headline_roles - {other_role}
    for qid, label, base in found:
        members = [r for r in roles if r not in alone] if label == OTHER_SEGMENT["role"] else [label]
        model.equal([(("asked", qid, r), 1.0) for r in members], float(base))
    return model.ranges()


def narrowed(body: bytes, questionnaire: Questionnaire, threshold: int) -> list[tuple[tuple, float, float]]:
    """Hidden figures the attacker narrows to a range shorter than half the threshold."""
    half = threshold / 2
    return [
        (k, lo, hi) for k, (lo, hi) in report_ranges(body, questionnaire).items() if hi - lo < half - 1e-6
    ]
