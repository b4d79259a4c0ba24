"""An attacker holding every table of a Board report at once, worked out from the Word file alone.

The report is read back with python-docx. What it publishes together:

- responses by role, type of organisation, region and channel, each with its total, and
  the names of the segments combined into each "small groups" row;
- each single-choice question's table for all respondents (options, who answered, "Not
  answered", who were asked);
- the findings about groups: a group's number who answered and the others', and both
  groups' percentages for one answer (whole per cent, half up: a range for each count).

The attacker knows the questionnaire (public): its roles, types and regions, which questions
are asked of everyone and which follow from which answer. Unknowns are the true figures at
the finest level: every raw category's size and, for every question and every raw category
of each breakdown, its counts per option, "Not answered", asked and answered. (Each
breakdown is a model of its own over the same overall figures: the paper publishes no
figure crossing two breakdowns.) Published figures fix some of them or their sums, or bound
them; then, by linear programming over non-negative values, the least and greatest of every
hidden figure: each hidden table cell and each raw category not shown on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from analysis.counts.counting import NOT_STATED, OTHER_SEGMENT
from analysis.counts.html_report import segment_phrase
from questions import Questionnaire
from tests.board_report.reading import read_body

SUPPRESSED = "[c]"
DIMENSIONS = {"role": "role", "organisation_type": "type of organisation", "region": "region"}
_FINDING = re.compile(
    r"were (?:more|less) likely than other respondents to say “([^”]+)” \((\d+) per cent of the ([\d,]+) "
    r"([^()]+?) who answered, against (\d+) per cent of the ([\d,]+) others\)"
)


def _number(cell: str) -> int | None:
    return None if cell == SUPPRESSED else int(cell.replace(",", ""))


class _Model:
    """Variables by name; equations (sum of terms = constant) and bounds (low ≤ sum ≤ high)."""

    def __init__(self) -> None:
        self.index: dict[tuple, int] = {}
        self.equations: list[tuple[dict[int, float], float]] = []
        self.bounds: list[tuple[dict[int, float], float, float]] = []
        self.hidden: list[tuple] = []

    def var(self, *key: object) -> int:
        return self.index.setdefault(key, len(self.index))

    def _row(self, terms: Iterable[tuple[tuple, float]]) -> dict[int, float]:
        row: dict[int, float] = {}
        for key, coef in terms:
            cell = self.var(*key)
            row[cell] = row.get(cell, 0.0) + coef
        return row

    def equal(self, terms: Iterable[tuple[tuple, float]], constant: float = 0.0) -> None:
        self.equations.append((self._row(terms), constant))

    def between(self, terms: Iterable[tuple[tuple, float]], low: float, high: float) -> None:
        self.bounds.append((self._row(terms), low, high))

    def publish(self, key: tuple, value: int | None) -> None:
        """`key` is shown as `value`, or hidden (None): then its range is audited."""
        if value is None:
            self.var(*key)
            self.hidden.append(key)
        else:
            self.equal([(key, 1.0)], float(value))

    def _matrix(self, rows: list[dict[int, float]]) -> sparse.csr_matrix:
        r, c, v = [], [], []
        for i, terms in enumerate(rows):
            for cell, coef in terms.items():
                r.append(i)
                c.append(cell)
                v.append(coef)
        return sparse.csr_matrix((v, (r, c)), shape=(len(rows), len(self.index)))

    def ranges(self) -> dict[tuple, tuple[float, float]]:
        n = len(self.index)
        a_eq = self._matrix([terms for terms, _ in self.equations])
        b_eq = [constant for _, constant in self.equations]
        # low ≤ a·x ≤ high as a·x ≤ high and -a·x ≤ -low.
        rows = [terms for terms, _, _ in self.bounds]
        a_ub = sparse.vstack([self._matrix(rows), -self._matrix(rows)]) if rows else None
        b_ub = [high for *_, high in self.bounds] + [-low for _, low, _ in self.bounds] if rows else None
        out = {}
        for key in dict.fromkeys(self.hidden):
            c = np.zeros(n)
            c[self.index[key]] = 1.0
            kwargs = {
                "A_eq": a_eq,
                "b_eq": b_eq,
                "A_ub": a_ub,
                "b_ub": b_ub,
                "bounds": (0, None),
                "method": "highs",
            }
            low = linprog(c, **kwargs)
            high = linprog(-c, **kwargs)
            assert low.status == 0, f"the published figures contradict each other: {low.message}"
            out[key] = (low.fun, np.inf if high.status == 3 else -high.fun)
        return out


def _published(body: bytes) -> tuple[list[tuple[str, str]], dict[str, list[list[str]]]]:
    """(style, text) of every paragraph, and every table by its caption without its number."""
    blocks = read_body(body)
    paragraphs = [(b.style, b.text) for b in blocks if b.kind == "paragraph" and b.text]
    tables = {}
    for i, block in enumerate(blocks):
        if block.kind == "table":
            tables[re.sub(r"^Table \d+: ", "", blocks[i - 1].text)] = block.rows
    return paragraphs, tables


def _members(paragraphs: list[tuple[str, str]], column: str) -> list[str] | None:
    """The segments the paper names as combined into `column`'s small-groups row, if it names them."""
    text = " ".join(t for _, t in paragraphs)
    match = re.search(rf"“{re.escape(OTHER_SEGMENT[column])}” \(([^)]*)\)", text)
    if not match:
        return None
    return [NOT_STATED if m == "not stated" else m for m in match.group(1).split(", ")]


def report_ranges(body: bytes, questionnaire: Questionnaire) -> dict[tuple, tuple[float, float]]:
    """(least, greatest) of every figure the report hides, given everything it publishes."""
    paragraphs, tables = _published(body)
    model = _Model()
    profile = questionnaire.profile
    raw = {
        "role": [*profile.roles, NOT_STATED],
        "organisation_type": [*profile.organisation_types, NOT_STATED],
        "region": [*profile.regions, NOT_STATED],
    }
    total = _number(tables["Responses by role"][-1][1])
    alone: dict[str, set[str]] = {}
    for column, name in DIMENSIONS.items():
        rows = tables[f"Responses by {name}"][1:]
        assert rows[-1][0] == "Total"
        labels = [r[0] for r in rows[:-1]]
        raw[column] += [
            label for label in labels if label not in raw[column] and label != OTHER_SEGMENT[column]
        ]
        alone[column] = {label for label in labels if label != OTHER_SEGMENT[column]}
        rest = [r for r in raw[column] if r not in alone[column]]
        members = _members(paragraphs, column)
        for label, cell in rows[:-1]:
            inside = (members or rest) if label == OTHER_SEGMENT[column] else [label]
            model.equal([(("size", column, r), 1.0) for r in inside] + [(("row", column, label), -1.0)])
            model.publish(("row", column, label), _number(cell))
        for r in rest:
            if OTHER_SEGMENT[column] in labels and (members is None or r in members):
                model.hidden.append(("size", column, r))  # folded in: not shown alone
                if members is not None:  # named: so at least one respondent
                    model.between([(("size", column, r), 1.0)], 1.0, float(total))
            else:  # not listed: nobody is in it
                model.equal([(("size", column, r), 1.0)], 0.0)
        model.equal([(("size", column, r), 1.0) for r in raw[column]], float(total))
    channel = tables["Responses by how they arrived"][1:]
    for label, cell in channel[:-1]:
        model.publish(("channel", label), _number(cell))
    model.equal([(("channel", label), 1.0) for label, _ in channel[:-1]], float(total))

    single = [q for q in questionnaire.questions if q.is_single_choice]
    for q in single:
        parts = [*q.options, "Not answered"]
        rows = tables[f"Question {q.number}, answers of all respondents"][1:]
        assert [r[0] for r in rows] == [*q.options, "Total who answered", "Not answered", "Total asked"]
        for (_label, cell, _), option in zip(rows, q.options, strict=False):
            model.publish(("count", q.id, "all", option), _number(cell))
        model.publish(("answered", q.id, "all"), _number(rows[-3][1]))
        model.publish(("count", q.id, "all", "Not answered"), _number(rows[-2][1]))
        model.publish(("asked", q.id, "all"), _number(rows[-1][1]))
        model.equal(
            [(("count", q.id, "all", o), 1.0) for o in q.options] + [(("answered", q.id, "all"), -1.0)]
        )
        model.equal(
            [
                (("answered", q.id, "all"), 1.0),
                (("count", q.id, "all", "Not answered"), 1.0),
                (("asked", q.id, "all"), -1.0),
            ]
        )
        for column, categories in raw.items():
            cells = [(column, r) for r in categories]
            for cell in cells:
                model.equal(
                    [(("count", q.id, cell, o), 1.0) for o in q.options] + [(("answered", q.id, cell), -1.0)]
                )
                model.equal(
                    [
                        (("answered", q.id, cell), 1.0),
                        (("count", q.id, cell, "Not answered"), 1.0),
                        (("asked", q.id, cell), -1.0),
                    ]
                )
                if q.shown_if is None:
                    model.equal([(("asked", q.id, cell), 1.0), (("size", *cell), -1.0)])
                else:
                    model.equal(
                        [(("asked", q.id, cell), 1.0)]
                        + [(("count", q.shown_if.question, cell, o), -1.0) for o in q.shown_if.any_of]
                    )
            for part in [*parts, "asked", "answered"]:
                keys = [
                    ("count", q.id, c, part) if part in parts else (part, q.id, c) for c in [*cells, "all"]
                ]
                model.equal([(k, 1.0) for k in keys[:-1]] + [(keys[-1], -1.0)])

    # Findings about groups: a group's and the others' bases, and a range for each count.
    who = {segment_phrase(column, label): (column, label) for column in raw for label in raw[column]}
    question = None
    for style, text in paragraphs:
        if style == "Heading 3" and (m := re.match(r"Question (\d+)\. ", text)):
            question = questionnaire.question(f"q{m.group(1)}")
            continue
        if question is None or style != "List Number":
            continue
        for option, g_percent, g_base, phrase, o_percent, o_base in _FINDING.findall(text):
            cell = who[phrase]
            assert cell[1] in alone[cell[0]], phrase  # only groups shown on their own are compared
            g_base, o_base = int(g_base.replace(",", "")), int(o_base.replace(",", ""))
            model.equal([(("answered", question.id, cell), 1.0)], float(g_base))
            model.equal(
                [(("answered", question.id, "all"), 1.0), (("answered", question.id, cell), -1.0)],
                float(o_base),
            )
            group = [(("count", question.id, cell, option), 1.0)]
            others = [
                (("count", question.id, "all", option), 1.0),
                (("count", question.id, cell, option), -1.0),
            ]
            # p per cent of n, half up: 100·count/n lies in [p − ½, p + ½).
            for terms, percent, base in ((group, int(g_percent), g_base), (others, int(o_percent), o_base)):
                model.between(terms, (percent - 0.5) * base / 100, (percent + 0.5) * base / 100)
    return model.ranges()


def narrowed(body: bytes, questionnaire: Questionnaire, threshold: int) -> list[tuple[tuple, float, float]]:
    """Hidden figures the attacker narrows to a range shorter than half the threshold."""
    half = threshold / 2
    return [
        (k, lo, hi) for k, (lo, hi) in report_ranges(body, questionnaire).items() if hi - lo < half - 1e-6
    ]
