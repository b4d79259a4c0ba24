"""In the web app's theme review, the answers in Welsh are one group, reviewed like a theme."""

from __future__ import annotations

from flask import Flask

from analysis.themes import theme_answers
from analysis.themes.welsh import WELSH_LABEL
from tests.themes.test_welsh import ENGLISH_THEMED, WELSH_ANSWERS, frame


def test_the_welsh_group_is_reviewed_like_a_theme(app: Flask) -> None:
    from consult.data import consultations
    from consult.data.theme_sets import save_machine_themes
    from consult.extensions import db
    from consult.models import Theme, ThemeAnswer, ThemeAnswerTheme

    rows = [(f"e{i}", "q3", t) for i, t in enumerate(ENGLISH_THEMED)]
    rows += [(f"w{i}", "q3", t) for i, t in enumerate(WELSH_ANSWERS[:3])]
    report = theme_answers(frame(rows))
    with app.app_context():
        consultation = consultations.get_by_slug("taking-stock")
        save_machine_themes(consultation, "q3", report.themes, report.assignments, engine="core", settings={})
        db.session.commit()
        in_welsh = db.session.scalars(
            db.select(ThemeAnswer.response_public_id)
            .join(ThemeAnswerTheme, ThemeAnswerTheme.theme_answer_id == ThemeAnswer.id)
            .join(Theme, Theme.id == ThemeAnswerTheme.theme_id)
            .where(Theme.name == WELSH_LABEL)
        ).all()
    assert sorted(in_welsh) == ["w0", "w1", "w2"]
