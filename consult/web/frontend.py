"""GOV.UK Frontend in the app: its Jinja macros, its WTForms widgets and its built files.

The macros come from govuk-frontend-jinja and the widgets from govuk-frontend-wtf (PyPI),
both for GOV.UK Frontend 6; the CSS (its Sass, compiled with the service's own font
stack) and JavaScript come from the npm package, built into consult/static/frontend/ by
`pip install` (setup.py). The service is branded as the consultation's own: its name and
publisher in the header, no crown and no GOV.UK typeface.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from flask_babel import gettext
from govuk_frontend_wtf.main import WTFormsHelpers
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovInput, GovRadioInput, GovTextInput
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

# Files `pip install` builds from the npm package; without them every page is unstyled.
BUILT_FILES = ("frontend/consult.css", "frontend/govuk-frontend.min.js")


def character_count_texts(limit: int) -> dict[str, Any]:
    """The GOV.UK character count's options for a box of `limit` characters, in the page's language.

    The messages the component's JavaScript shows are given for every plural category the
    browser may pick (Welsh has six); `%{count}` is filled in by the component.
    """
    under = gettext("You have %{count} characters remaining")
    over = gettext("You have %{count} characters too many")
    categories = ("zero", "one", "two", "few", "many", "other")
    return {
        "maxlength": limit,
        "textareaDescriptionText": gettext(
            "You can enter up to %(count)s characters", count=format(limit, ",")
        ),
        "charactersUnderLimitText": {
            **dict.fromkeys(categories, under),
            "one": gettext("You have %{count} character remaining"),
        },
        "charactersAtLimitText": gettext("You have 0 characters remaining"),
        "charactersOverLimitText": {
            **dict.fromkeys(categories, over),
            "one": gettext("You have %{count} character too many"),
        },
    }


class _InPageLanguage:
    """For govuk-frontend-wtf widgets: the hidden "Error:" prefix in the page's language, and no
    empty hint (the widgets make one from a field without a description)."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        params: dict[str, Any] = super().map_gov_params(field, **kwargs)  # type: ignore[misc]
        hint = params.get("hint")
        if not hint or not (hint.get("text") or hint.get("html")):
            params.pop("hint", None)
        if params.get("errorMessage"):
            params["errorMessage"] = {**params["errorMessage"], "visuallyHiddenText": gettext("Error")}
        return params


class RadioInput(_InPageLanguage, GovRadioInput):
    """GOV.UK radios for a WTForms RadioField."""


class TextInput(_InPageLanguage, GovTextInput):
    """GOV.UK text input for a WTForms StringField."""


class EmailInput(_InPageLanguage, GovInput):
    """GOV.UK text input of type email for a WTForms EmailField."""

    input_type = "email"


class CharacterCount(_InPageLanguage, GovCharacterCount):
    """GOV.UK character count for a WTForms TextAreaField (give it `character_count_texts`)."""

    def __call__(self, field: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("value", textarea_value(field._value()))
        return super().__call__(field, **kwargs)


def textarea_value(text: str | None) -> str:
    """A textarea's content as the page writes it: HTML drops one line break right after
    <textarea>, so one is added, and an answer that starts with a line break keeps it."""
    return "\n" + (text or "")


def missing_built_files(app: Flask) -> list[str]:
    """The built GOV.UK Frontend files that are not there (empty when `pip install` built them)."""
    folder = app.static_folder or ""
    return [name for name in BUILT_FILES if not os.path.exists(os.path.join(folder, name))]


def init_app(app: Flask) -> None:
    """Let templates import the GOV.UK macros and form widgets; say so if the built files are missing."""
    app.jinja_loader = ChoiceLoader(  # type: ignore[assignment]
        [
            app.jinja_loader,
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    WTFormsHelpers(app)
    # `{% do list.append(x) %}`, to build the macros' option lists without naming a throwaway
    # variable (`_` is gettext in every template).
    app.jinja_env.add_extension("jinja2.ext.do")
    app.add_template_global(character_count_texts)
    app.add_template_global(textarea_value)
    if missing := missing_built_files(app):
        app.logger.error(
            "GOV.UK Frontend's built files are missing (%s): pages will have no styles. "
            "Run `pip install -e .` again from the checkout (it needs npm) to build them.",
            ", ".join(missing),
        )
