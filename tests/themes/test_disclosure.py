"""Disclosure control in the theme report: small theme counts and campaign sizes suppressed."""

from __future__ import annotations

import re
from pathlib import Path

import click
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from analysis.themes import ThemeOptions, theme_answers
from analysis.themes.cli import register
from analysis.themes.disclosure import protect_counts, protect_theme_counts, protect_theme_report
from analysis.themes.html_report import to_html


def _cli() -> click.Group:
    group = click.Group("consult-analysis")
    register(group)
    return group


def _recoverable(counts: list[int], hidden: np.ndarray) -> bool:
    """Whether some hidden count is the only value consistent with the published figures.

    For each hidden cell, the least and greatest values it can take (linear programming)
    with every hidden cell non-negative and their sum the published total less the published
    cells; equal bounds mean an attacker knows it exactly.
    """
    from scipy.optimize import linprog

    slots = [i for i, h in enumerate(hidden) if h]
    total_hidden = sum(counts[i] for i in slots)
    equal = (np.ones((1, len(slots))), [total_hidden])
    for k in range(len(slots)):
        objective = np.zeros(len(slots))
        objective[k] = 1
        low = linprog(objective, A_eq=equal[0], b_eq=equal[1], bounds=(0, None)).fun
        high = -linprog(-objective, A_eq=equal[0], b_eq=equal[1], bounds=(0, None)).fun
        if high - low < 0.5:
            return True
    return False


@pytest.mark.parametrize(
    ("counts", "expected_hidden"),
    [
        ([40, 25, 12], []),  # nothing small: nothing hidden
        ([40, 25, 3], [2, 1]),  # one small: the smallest other hidden too
        ([40, 4, 3], [1, 2]),  # two small, positive sum: enough
        ([40, 30, 0, 0], [2, 3, 1]),  # two zeros say nothing unless a positive one joins them
        ([5], [0]),  # nothing left to hide with it
        ([12, 12, 2], [2, 0]),  # ties: the earliest
    ],
)
def test_protect_counts(counts: list[int], expected_hidden: list[int]) -> None:
    hidden, primary = protect_counts(np.array(counts), 10)
    assert sorted(np.flatnonzero(hidden)) == sorted(expected_hidden)
    assert list(primary) == [c < 10 for c in counts]
    if hidden.sum() >= 2:
        assert not _recoverable(counts, hidden)


def test_protect_counts_never_leaves_a_small_count_recoverable() -> None:
    rng = np.random.default_rng(7)
    for _ in range(300):
        counts = rng.integers(0, 30, size=int(rng.integers(2, 6))).tolist()
        hidden, primary = protect_counts(np.array(counts), 10)
        assert (hidden >= primary).all()
        if primary.any() and sum(counts) > 0:  # protection is possible: it must be given
            assert not _recoverable(counts, hidden), counts


def test_theme_table_protected_per_question() -> None:
    themes = pd.DataFrame(
        {
            "question_id": ["q3", "q3", "q3", "q4", "q4"],
            "theme_id": ["q3-1", "q3-2", "q3-other", "q4-1", "q4-2"],
            "count": [30, 4, 11, 20, 15],
        }
    )
    out = protect_theme_counts(themes, 10)
    assert list(out["suppressed"]) == [False, True, True, False, False]
    assert list(out["suppression"]) == ["", "primary", "secondary", "", ""]
    assert list(out["theme_id"]) == list(themes["theme_id"])


def _small_theme_report(loaded: object) -> object:
    report = theme_answers(loaded.answers, ThemeOptions(min_themes=3, max_themes=6))
    small = report.themes["count"] < 10
    assert small.any(), "the synthetic export should give at least one theme under 10 answers"
    return report


def _rows(html: str, question_id: str) -> dict[str, list[str]]:
    """A question's theme table rows: label -> its number cells."""
    section = html.split(f'<section aria-labelledby="{question_id}">')[1].split("</section>")[0]
    rows = {}
    for row in re.findall(r'<tr><th scope="row">(.*?)</tr>', section):
        label = row.split("</th>")[0]
        rows[label] = re.findall(r'<td class="n">([^<]*)</td>', row)
    return rows


def test_html_report_suppresses_small_theme_counts(loaded: object) -> None:
    report = _small_theme_report(loaded)
    html = to_html(report)
    assert "Not for publication" not in html
    checked = 0
    for theme in protect_theme_report(report, 10).themes.itertuples():
        cells = _rows(html, theme.question_id)[theme.label.replace("'", "&#x27;")]
        if theme.suppressed:
            assert cells == ["[c]"] * 5
            checked += 1
        else:
            assert cells[0] == str(theme.count)
            # Every share printed beside a count implies a count: never one from 1 to 9.
            for share in cells[2:]:
                if share != "[c]":
                    implied = round(float(share.rstrip("%")) / 100 * theme.count)
                    assert not 0 < implied < 10, (theme.label, cells)
    assert checked >= 2  # at least one primary and its complement
    assert (report.campaigns["size"] < 10).any()
    assert "<li>[c] answers (too few to quote)" in html and not re.search(r"<li>[1-9] answers like", html)
    for title in re.findall(r"<title id=[^>]*>(.*?)</title>", html):
        assert "suppressed" in title or "%" in title


def test_html_report_without_suppression_is_marked(loaded: object) -> None:
    report = _small_theme_report(loaded)
    html = to_html(report, threshold=None)
    assert "Not for publication" in html and "[c]" not in html
    assert re.search(r"<li>[1-9] answers like", html)
    for theme in report.themes.itertuples():
        assert _rows(html, theme.question_id)[theme.label.replace("'", "&#x27;")][0] == str(theme.count)


def test_cli_threshold_and_no_suppression(export_csv: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["themes", str(export_csv), "--min-themes", "3", "--max-themes", "6", "--quiet"]
    out = {}
    for name, extra in {"default": [], "low": ["--threshold", "2"], "off": ["--no-suppression"]}.items():
        path = tmp_path / f"{name}.html"
        result = runner.invoke(_cli(), [*base, *extra, "--out", str(path)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        out[name] = path.read_text(encoding="utf-8")
    assert "[c]" in out["default"] and "below 10" in out["default"]
    assert "below 2" in out["low"] and out["low"].count("[c]") < out["default"].count("[c]")
    assert "[c]" not in out["off"] and "Not for publication" in out["off"]
    bad = runner.invoke(_cli(), [*base, "--threshold", "0"])
    assert bad.exit_code == 2 and "--threshold" in bad.output


def _quoting_report():
    """Answers where a small "other" group would be quoted, and quotes naming councils and people."""
    rows = []
    for i in range(60):
        text = (
            "As Leader of Hartlepool Borough Council I want more peer support and peer challenge"
            if i % 3 == 0
            else "Cllr Jane Smith of Kent County Council says funding cuts hurt services"
            if i % 3 == 1
            else "Funding cuts hurt services and peer support helps, said Mrs Patel at Cornwall Council"
        )
        rows.append({"response_id": f"r{i}", "question_id": "q3", "text": text})
    for i, text in enumerate(
        ["Purple elephants dance", "Quantum teapots whistle", "Zebra crossings glow"]
    ):  # a small group of odd answers: its theme count is below 10
        rows.append({"response_id": f"s{i}", "question_id": "q3", "text": text})
    return theme_answers(pd.DataFrame(rows), ThemeOptions(min_themes=2, max_themes=4))


def test_no_quote_from_a_hidden_theme_and_no_council_name_in_any_report(tmp_path: Path) -> None:
    import json

    import openpyxl

    from analysis.themes import write_report

    report = _quoting_report()
    shown = protect_theme_report(report).themes
    assert (~shown["quotable"]).any(), "the small group must be hidden"
    shown_quotes = {q for qs in report.themes.loc[shown["quotable"].to_numpy(), "quotes"] for q in qs}
    hidden_quotes = [
        q
        for qs in report.themes.loc[~shown["quotable"].to_numpy(), "quotes"]
        for q in qs
        if q not in shown_quotes
    ]
    assert hidden_quotes, "the hidden theme has quotes of its own that must not be published"
    html = to_html(report)
    write_report(report, "xlsx", tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    xlsx_quotes = [r[3] for r in book["Quotes"].iter_rows(min_row=2, values_only=True)]
    data = json.loads(write_json(report, tmp_path / "t.json"))
    json_quotes = [q for t in data["themes"] for q in t["quotes"]]
    html_quotes = re.findall(r"<blockquote><p>(.*?)</p></blockquote>", html)
    for quote in hidden_quotes:
        assert quote not in [*html_quotes, *xlsx_quotes, *json_quotes], quote
    everything = [html, *xlsx_quotes, *json_quotes]
    assert xlsx_quotes and json_quotes
    for text in everything:
        for name in ("Hartlepool", "Kent County Council", "Cornwall", "Jane Smith", "Patel"):
            assert name not in text, (name, text[:200])


def write_json(report, path: Path) -> str:
    from analysis.themes import write_report

    write_report(report, "json", path)
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("As Leader of Hartlepool Borough Council I resigned", "As [office-holder] I resigned"),
        ("Hartlepool Council and Hartlepool", "[public body] and [public body]"),
        ("the London Borough of Camden", "[public body]"),
        ("Stoke on Trent City Council", "[public body]"),
        ("Reading Borough Council; reading is fine", "[public body]; reading is fine"),
        ("Cllr Smith and Mrs Jones", "Cllr [name] and Mrs [name]"),
        ("My name is John Smith", "My name is [name]"),
        ("I spoke to Sarah Brown", "I spoke to [name]"),
    ],
)
def test_public_bodies_and_people_are_redacted(text: str, expected: str) -> None:
    from analysis.themes.public_names import redact_names

    assert redact_names(text) == expected


def test_blank_answers_of_those_shown_are_counted(tmp_path: Path) -> None:
    from analysis.themes.sources import load_free_text
    from tests.analysis.builders import response, write_export

    rows = [response(n, q3=f"Answer number {n} about peer support") for n in range(1, 6)]
    rows += [response(n) for n in range(6, 9)]  # shown q3, left it blank; q2 not shown (q1 blank)
    rows += [response(9, q1="No, none of them are relevant now")]  # shown q2, left it blank
    loaded = load_free_text(write_export(tmp_path / "e.csv", rows), questions=("q2", "q3"))
    report = theme_answers(loaded.answers, ThemeOptions(min_themes=1, max_themes=2))
    blanks = report.questions.set_index("question_id")["no_answer"].to_dict()
    assert blanks == {"q2": 1, "q3": 4}
