"""Welsh is offered to respondents when complete, or as a draft only where the setting says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from consult import create_app
from questions import load_questionnaire, offered_languages


@pytest.mark.parametrize(("environment", "taking_stock"), [(None, ("en",)), ("true", ("en", "cy"))])
def test_the_setting_decides_whether_a_draft_is_offered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, environment: str | None, taking_stock: tuple[str, ...]
) -> None:
    monkeypatch.setenv("CONSULT_INSTANCE_PATH", str(tmp_path))
    if environment is not None:
        monkeypatch.setenv("CONSULT_OFFER_DRAFT_TRANSLATIONS", environment)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True, "SECRET_KEY": "x" * 32})
    offer_drafts = app.config["OFFER_DRAFT_TRANSLATIONS"]
    assert offer_drafts is (environment == "true")
    # Taking Stock's Welsh is a draft; the garden waste questionnaire's is complete.
    assert offered_languages(load_questionnaire("taking-stock"), offer_drafts) == taking_stock
    assert offered_languages(load_questionnaire("garden-waste"), offer_drafts) == ("en", "cy")
