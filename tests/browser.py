"""Headless Chromium and axe-core for the end-to-end and accessibility tests.

Playwright drives Debian's Chromium (its own browser download does not work here); axe-core
comes from npm into tests/e2e/node_modules (`.ci/run` installs it). Missing either is a
failure, not a skip, when CI=true.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

AXE_JS = Path(__file__).resolve().parent / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required on CI (.ci/run installs it)")
    pytest.skip(f"{what} is not installed")


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser (Playwright `Browser`)."""
    executable = shutil.which("chromium")
    if executable is None:
        _missing("chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the page's current document; WCAG 2.2 A and AA rules only."""
    if not AXE_JS.exists():
        _missing("axe-core (npm install in tests/e2e)")
    page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    return page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(r => r.violations)",
        WCAG_TAGS,
    )


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    summary = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
    ]
    assert not violations, f"axe-core violations on {page.url}:\n" + "\n".join(summary)


def submit(page: Any, selector: str) -> None:
    """Click a button that posts its form and wait until the page it leads to has loaded.

    A plain click returns once the new page has started to arrive, so reading the page
    straight after it can see a document with nothing in its body yet.
    """
    with page.expect_navigation():
        page.click(selector)
