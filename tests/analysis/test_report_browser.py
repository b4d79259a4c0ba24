"""The HTML report in headless Chromium: no axe-core WCAG 2.2 A/AA violation."""

from __future__ import annotations

import pytest

from analysis.counts.counting import count_responses
from analysis.counts.html_report import render_report
from analysis.loading import load_export
from tests.analysis.builders import QUESTIONNAIRE, hand_counted_rows, response, write_export
from tests.browser import assert_accessible, chromium


@pytest.mark.e2e
def test_report_is_accessible(tmp_path):
    rows = hand_counted_rows() + [
        response(100 + n, role="Chief executive", region="Wales", q8="Yes", q13="Yes", q14="No")
        for n in range(30)
    ]
    loaded = load_export(write_export(tmp_path / "e.csv", rows), QUESTIONNAIRE)
    path = tmp_path / "report.html"
    path.write_text(render_report(count_responses(loaded, by=["role", "region"])), encoding="utf-8")
    with chromium() as browser:
        page = browser.new_page()
        page.goto(path.as_uri())
        assert page.locator("h1").inner_text().startswith("Results: Taking Stock")
        assert page.locator("img").count() == 10
        assert_accessible(page)
