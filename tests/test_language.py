"""Welsh and English: which is offered, the switch, the session, answers, emails, the catalogue.

Taking Stock's Welsh is a draft awaiting the translator, so Welsh is offered only with
OFFER_DRAFT_TRANSLATIONS (a test consultation's setting), as the tests below turn it on.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_babel import force_locale, gettext

from consult.mail import text as mail_text
from questions import load_questionnaire
from tests.conftest import issue_token, save_section
from tests.mailserver import MailServer, links_in, mail_server, plain_text
from tests.test_journey import stored
from tests.test_self_service import ask

__all__ = ["mail_server"]

ROOT = Path(__file__).resolve().parent.parent
WELSH_CATALOGUE = ROOT / "consult" / "translations" / "cy" / "LC_MESSAGES" / "messages.po"
WELSH = {"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.5"}


def lang_of(html: bytes) -> str:
    match = re.search(rb'<html lang="([a-z-]+)"', html)
    assert match, html[:200]
    return match.group(1).decode()


def offer_welsh(app: Flask) -> None:
    app.config["OFFER_DRAFT_TRANSLATIONS"] = True


def test_welsh_is_offered_only_once_the_translation_may_be(app: Flask, client: FlaskClient) -> None:
    # A draft translation: not offered, whatever the browser asks for or the visitor chooses.
    page = client.get("/", headers=WELSH)
    assert lang_of(page.data) == "en" and b"consult-language-switch" not in page.data
    client.get("/language/cy?next=/")
    assert lang_of(client.get("/", headers=WELSH).data) == "en"
    offer_welsh(app)
    page = client.get("/", headers=WELSH)
    assert lang_of(page.data) == "cy"
    assert "Pwyso a Mesur" in page.get_data(as_text=True)  # the questionnaire's own Welsh title


def test_the_browser_language_is_the_default_and_a_choice_is_kept(app: Flask, client: FlaskClient) -> None:
    offer_welsh(app)
    english = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert lang_of(english.data) == "en"
    assert b'href="/language/cy?next=%2F" hreflang="cy" lang="cy" rel="alternate">Cymraeg</a>' in english.data
    switched = client.get("/language/cy?next=%2Fget-a-link")
    assert switched.status_code == 303 and switched.headers["Location"] == "/get-a-link"
    page = client.get("/get-a-link", headers={"Accept-Language": "en"})
    assert lang_of(page.data) == "cy" and "Cael eich dolen eich hun i ymateb" in page.get_data(as_text=True)
    assert b'<span aria-current="true">Cymraeg</span>' in page.data
    # Opening a respondent link starts a new session, keeping the language chosen.
    client.get(f"/r/{issue_token(app)}")
    start = client.get("/respond/", headers={"Accept-Language": "en"})
    assert lang_of(start.data) == "cy" and "Dechrau nawr" in start.get_data(as_text=True)
    client.get("/language/en?next=/respond/")
    assert lang_of(client.get("/respond/", headers=WELSH).data) == "en"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "/r/" + "a" * 43,
        "/R/" + "a" * 43,
        "respond/",
    ],
)
def test_a_switch_never_sends_anyone_off_the_site_or_to_a_link(client: FlaskClient, target: str) -> None:
    response = client.get("/language/cy", query_string={"next": target})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert client.get("/language/xx?next=/").status_code == 404


def test_a_welsh_response_is_stored_as_the_english_one_and_reads_in_welsh(
    app: Flask, client: FlaskClient
) -> None:
    offer_welsh(app)
    client.get("/language/cy?next=/")
    client.get(f"/r/{issue_token(app, role='Leader', organisation_type='Welsh', region='Wales')}")
    section = client.get("/respond/section/childrens-adults-health").get_data(as_text=True)
    # The Welsh label, the canonical (English) value.
    assert re.search(r'id="q13" name="q13" type="radio" value="Yes"[^>]*>\s*<label[^>]*>\s*Oes\s*<', section)
    save_section(client, "childrens-adults-health", {"q13": "Yes", "q14": "Don't know"})
    assert {k: v for k, v in stored(app).items() if k in ("q13", "q14")} == {
        "q13": "Yes",
        "q14": "Don't know",
    }
    check = client.get("/respond/check").get_data(as_text=True)
    assert "Ddim yn gwybod" in check and "Rhanbarth" in check and "Cymru" in check
    refused = save_section(client, "childrens-adults-health", {"q13": "Oes"})
    assert (
        refused.status_code == 400
        and "Dewiswch un o’r atebion a restrir ar gyfer cwestiwn 13" in refused.get_data(as_text=True)
    )


def test_officer_pages_stay_english_with_their_own_footer(app: Flask, officer_client: FlaskClient) -> None:
    offer_welsh(app)
    officer_client.get("/language/cy?next=/")
    page = officer_client.get("/officer/", headers=WELSH)
    text = page.get_data(as_text=True)
    assert lang_of(page.data) == "en" and "consult-language-switch" not in text
    assert "The consultation team’s pages" in text and "Your answers are stored without your name" not in text
    respondent_footer = officer_client.get("/", headers=WELSH).get_data(as_text=True)
    assert "Caiff eich atebion eu storio heb eich enw" in respondent_footer


def test_the_first_password_page_shows_only_what_can_be_done(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    from consult.cli import main

    result = runner.invoke(main, ["officers", "add", "first@lga.example", "--link"])
    client.get("/sign-in/link/" + result.stdout.strip().rsplit("/sign-in/link/", 1)[1])
    page = client.get("/account/password").get_data(as_text=True)
    assert "Set your password" in page and "Sign out" in page
    for menu_item in ("Dashboard", "Themes", "Board report", "Invitations", "Audit log"):
        assert f">{menu_item}<" not in page and f"{menu_item}\n" not in page, menu_item


def test_a_link_asked_for_in_welsh_comes_in_welsh_then_english(
    app: Flask, client: FlaskClient, mail_server: MailServer
) -> None:
    offer_welsh(app)
    client.get("/language/cy?next=/get-a-link")
    assert ask(client, "someone@partner.example.org").status_code == 200
    (message,) = mail_server.messages
    assert message["Subject"] == (
        "Pwyso a Mesur: beth nesaf i wella dan arweiniad y sector?: eich dolen i ymateb / "
        "Taking Stock: where next for sector-led improvement?: your link to respond"
    )
    assert message["Content-Language"] == "cy, en"
    text = plain_text(message)
    assert text.index("Defnyddiwch y ddolen hon") < text.index("Use this link")
    assert len(links_in(message)) == 1  # one link, the addressee's own, in both languages
    html = message.get_body(preferencelist=("html",)).get_content()
    assert '<div lang="cy">' in html and '<div lang="en">' in html


def test_welsh_respondents_are_invited_in_welsh_and_english_where_welsh_is_offered(app: Flask) -> None:
    questionnaire = load_questionnaire("taking-stock")
    with app.test_request_context():
        assert mail_text.invitee_languages(("en", "cy"), "Wales", "Welsh") == ("cy", "en")
        assert mail_text.invitee_languages(("en", "cy"), "North West", "County") == ("en",)
        assert mail_text.invitee_languages(("en",), "Wales", "Welsh") == ("en",)
        letter = mail_text.invitation(
            questionnaire, dt.date(2015, 3, 31), "Ann", "https://x/r/t", ("cy", "en")
        )
        assert letter.greeting == "Annwyl Ann," and letter.also_in[0].greeting == "Dear Ann,"
        assert "31 Mawrth 2015" in letter.after_link[0] and "31 March 2015" in letter.also_in[0].after_link[0]


def test_every_interface_text_is_in_welsh(app: Flask) -> None:
    """Every text the code and templates mark for translation has its Welsh, and the app uses it."""
    with WELSH_CATALOGUE.open("rb") as source:
        catalogue = read_po(source, locale="cy")
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None}
    method_map = [("consult/**.py", "python"), ("consult/templates/**.html", "jinja2")]
    options = {"consult/templates/**.html": {"extensions": "jinja2.ext.do"}}
    marked = {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(ROOT, method_map, options, keywords=keywords)
    }
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalogue if m.id}
    assert not marked - set(translated), "not in the Welsh catalogue (pybabel extract/update)"
    assert not set(translated) - marked, "in the Welsh catalogue but no longer used"
    for message in translated.values():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings) and not message.fuzzy, message.id
    with app.test_request_context(), force_locale("cy"):
        for message in translated.values():
            if isinstance(message.id, str):  # the compiled catalogue is the one written
                assert gettext(message.id) == message.string, message.id


def test_a_local_try_out_offers_the_draft_welsh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from consult.config import ensure_instance_secret

    for name in ("CONSULT_SECRET_KEY", "CONSULT_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CONSULT_INSTANCE_PATH", str(tmp_path))
    written = ensure_instance_secret()
    assert written is not None
    settings: dict[str, object] = {}
    exec(Path(written).read_text(encoding="utf-8"), settings)
    assert settings["OFFER_DRAFT_TRANSLATIONS"] is True and settings["BASE_URL"] == "http://127.0.0.1:5000"
