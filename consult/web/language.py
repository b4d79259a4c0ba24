"""The language of respondent pages: English or Welsh, chosen on the page and kept in the session.

Interface text goes through Flask-Babel (catalogues in consult/translations/); the
questionnaire's own text comes from `Questionnaire.in_language`. Welsh is offered only
for a questionnaire whose Welsh translation is complete, or a draft one where the setting
OFFER_DRAFT_TRANSLATIONS allows it (a test consultation). Until someone chooses, the
browser's Accept-Language decides. Officers' pages are in English.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import flask_babel
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response as WerkzeugResponse

from consult.data.consultations import DEFAULT_LANGUAGE, offered_languages
from consult.web.security import TOKEN_PATH_PREFIXES
from questions import Questionnaire

# Every language the interface is written in, by its code, in the language's own name.
LANGUAGES = {"en": "English", "cy": "Cymraeg"}
SESSION_KEY = "language"
# Blueprints whose pages are in English whatever the visitor chose: the consultation team's.
ENGLISH_ONLY_BLUEPRINTS = frozenset({"officer", "auth"})

bp = Blueprint("language", __name__)


def use_questionnaire(questionnaire: Questionnaire | None) -> None:
    """Name the questionnaire this page is about: it decides which languages are offered."""
    g.page_questionnaire = questionnaire
    flask_babel.refresh()  # the language is chosen again, for this questionnaire


def page_questionnaire() -> Questionnaire | None:
    """The questionnaire of this page: the one named, else the site's configured consultation's."""
    if "page_questionnaire" not in g:
        from consult.data import consultations

        consultation = consultations.get_by_slug(current_app.config["QUESTIONNAIRE"])
        g.page_questionnaire = consultations.questionnaire_of(consultation) if consultation else None
    return g.page_questionnaire


def _english_only() -> bool:
    return not has_request_context() or request.blueprint in ENGLISH_ONLY_BLUEPRINTS


def select_language() -> str:
    """Flask-Babel's locale selector: the chosen language if offered, else the browser's best match."""
    if _english_only():
        return DEFAULT_LANGUAGE
    offered = offered_languages(page_questionnaire())
    chosen = session.get(SESSION_KEY)
    if chosen in offered:
        return str(chosen)
    return request.accept_languages.best_match(offered, default=DEFAULT_LANGUAGE) or DEFAULT_LANGUAGE


def current_language() -> str:
    """The language of this page's text ("en" outside a request)."""
    locale = flask_babel.get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def _carries_a_token(path: str) -> bool:
    # A language switch never names, nor sends anyone back to, a link's secret (any case).
    return path.lower().startswith(TOKEN_PATH_PREFIXES)


def _return_path() -> str:
    """Where a language switch on this page returns to: this page, never a secret-bearing path."""
    if _carries_a_token(request.path):
        return "/"
    if request.method != "GET":
        return request.path  # a page drawn for a post (an error): its own address shows it again
    return request.full_path.rstrip("?")


def language_switch() -> list[dict[str, Any]]:
    """The items of the language switch on this page: empty where only one language is offered."""
    if _english_only():
        return []
    offered = offered_languages(page_questionnaire())
    if len(offered) < 2:
        return []
    here = current_language()
    back = _return_path()
    return [
        {
            "code": code,
            "name": LANGUAGES[code],
            "current": code == here,
            "href": url_for("language.switch", code=code) + "?" + urlencode({"next": back}),
        }
        for code in offered
    ]


def _safe_next(target: str | None) -> str:
    # Only a path on this site: "/x", never "//host" or "/\host", which browsers read as another site.
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")) or "\n" in target:
        return "/"
    if _carries_a_token(target):
        return "/"
    return target


@bp.get("/language/<code>")
def switch(code: str) -> WerkzeugResponse:
    """Choose the language of the respondent pages for this browser, and go back to the page."""
    if code not in LANGUAGES:
        abort(404)
    session[SESSION_KEY] = code
    return redirect(_safe_next(request.args.get("next")), 303)


def keep_language_across(clear: Any) -> None:
    """Run `clear()` (a session reset, as opening a new link does) keeping the chosen language."""
    chosen = session.get(SESSION_KEY)
    clear()
    if chosen in LANGUAGES:
        session[SESSION_KEY] = chosen


def init_app(app: Flask) -> None:
    from consult.extensions import babel

    babel.init_app(app, locale_selector=select_language, default_domain="messages")

    @app.context_processor
    def language_context() -> dict[str, Any]:
        return {"current_language": current_language, "language_switch": language_switch}
