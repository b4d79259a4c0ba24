"""`consult questionnaire check` and `load`: faults by line, translation status, safe replacement."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskCliRunner

import questions
from consult.cli import main
from consult.extensions import db
from consult.models import AuditEvent, Consultation
from questions import QUESTIONS_DIR, load_questionnaire
from tests.conftest import save_about, save_section

GARDEN = (QUESTIONS_DIR / "garden-waste.toml").read_text(encoding="utf-8")


def test_check_passes_both_shipped_files_and_lists_draft_welsh() -> None:
    runner = CliRunner()
    taking_stock = runner.invoke(main, ["questionnaire", "check", str(QUESTIONS_DIR / "taking-stock.toml")])
    assert taking_stock.exit_code == 0, taking_stock.output
    lines = taking_stock.stdout.splitlines()
    assert lines[0].endswith("valid: 'taking-stock', 21 questions in 5 sections")
    assert lines[1].startswith("Welsh (cy): draft")
    assert len(lines) == 2 + 2 + 5 + 21  # top, profile, each section and question: all drafts
    text = (QUESTIONS_DIR / "taking-stock.toml").read_text(encoding="utf-8")
    q13_draft = text[: text.index("draft_cy = true", text.index('id = "q13"'))].count("\n") + 1
    assert f"taking-stock.toml:{q13_draft}: question q13: draft Welsh for text, options" in lines[-10]
    garden = runner.invoke(main, ["questionnaire", "check", str(QUESTIONS_DIR / "garden-waste.toml")])
    assert garden.exit_code == 0
    assert garden.stdout.splitlines()[1] == "Welsh (cy): complete (offered to respondents)"
    assert len(garden.stdout.splitlines()) == 2


def test_check_names_each_fault_by_line(tmp_path: Path) -> None:
    text = GARDEN.replace('any_of = ["No"]', 'any_of = ["Nac ydw"]').replace(
        'options_cy = ["Byddwn", "Na fyddwn", "Ddim yn siŵr"]', 'options_cy = ["Byddwn", "Na fyddwn"]'
    )
    text = text.replace('hint_cy = "Er enghraifft, compostio', 'hint_cy = ""\n  # "Er enghraifft, compostio')
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["questionnaire", "check", str(path)])
    assert result.exit_code == 1 and result.stdout == ""
    lines = text.splitlines()

    def line(marker: str) -> int:
        return next(i for i, text in enumerate(lines, start=1) if marker in text)

    hint, condition, labels = line('hint_cy = ""'), line('any_of = ["Nac ydw"]'), line('"Na fyddwn"]')
    assert result.stderr.splitlines() == [
        f"{path}:{hint}: question q2: 'hint_cy' is empty",
        f"{path}:{condition}: question q2: its condition names 'Nac ydw', which is not an option of q1",
        f"{path}:{labels}: question q4: 'options_cy' has 2 entries; 'options' has 3 "
        "(one label for each, in the same order)",
    ]
    missing = CliRunner().invoke(main, ["questionnaire", "check", str(tmp_path / "absent.toml")])
    assert missing.exit_code == 1 and missing.stderr.strip().endswith("absent.toml: file not found")


def test_check_lists_missing_welsh_as_valid(tmp_path: Path) -> None:
    path = tmp_path / "english.toml"
    path.write_text(GARDEN.replace('  text_cy = "Beth ydych chi', '  # text_cy = "Beth'), encoding="utf-8")
    result = CliRunner().invoke(main, ["questionnaire", "check", str(path)])
    assert result.exit_code == 0
    english = GARDEN.splitlines().index('  text = "What do you do with your garden waste instead?"') + 1
    assert result.stdout.splitlines()[1:] == [
        "Welsh (cy): missing (not offered to respondents)",
        f"{path}:{english}: question q2: no Welsh for text",
    ]


@pytest.fixture
def questions_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A questions folder of this test's own, holding copies of the shipped files."""
    folder = tmp_path / "questions"
    folder.mkdir()
    for shipped in QUESTIONS_DIR.glob("*.toml"):
        (folder / shipped.name).write_bytes(shipped.read_bytes())
    monkeypatch.setattr(questions, "QUESTIONS_DIR", folder)
    load_questionnaire.cache_clear()
    yield folder
    load_questionnaire.cache_clear()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def load_cli(runner: FlaskCliRunner, path: Path, *options: str):
    return runner.invoke(main, ["questionnaire", "load", str(path), *options])


def test_load_a_new_consultation_from_any_file(
    app: Flask, runner: FlaskCliRunner, questions_dir: Path, tmp_path: Path
) -> None:
    source = write(tmp_path, "mine.toml", GARDEN.replace('slug = "garden-waste"', 'slug = "bins-2026"'))
    result = load_cli(runner, source, "--opens-on", "2026-01-05", "--closes-on", "2026-03-30")
    assert result.exit_code == 0, result.output
    assert (
        "Loaded 'bins-2026' (Garden waste collections: should we charge?), open 2026-01-05 to 2026-03-30"
        in (result.stderr)
    )
    assert "QUESTIONNAIRE setting is 'taking-stock'" in result.stderr
    assert (questions_dir / "bins-2026.toml").read_bytes() == source.read_bytes()
    with app.app_context():
        consultation = db.session.scalar(db.select(Consultation).where(Consultation.slug == "bins-2026"))
        assert consultation.questionnaire == "bins-2026" and consultation.response_key
        assert db.session.scalar(
            db.select(AuditEvent.detail).where(AuditEvent.action == "loaded the questionnaire")
        )
    assert load_questionnaire("bins-2026").title == "Garden waste collections: should we charge?"
    # Loading the same file again changes nothing and says so.
    again = load_cli(runner, questions_dir / "bins-2026.toml")
    assert again.exit_code == 0 and "Already loaded: 'bins-2026'" in again.stderr
    assert "Restart" not in again.stderr


def test_load_refuses_a_faulty_file_or_bad_dates(
    app: Flask, runner: FlaskCliRunner, questions_dir: Path, tmp_path: Path
) -> None:
    faulty = write(tmp_path, "garden-waste.toml", GARDEN.replace("number = 4", "number = 40"))
    result = load_cli(runner, faulty)
    assert result.exit_code == 1 and "question q4: id 'q4' does not match number 40" in result.stderr
    dates = load_cli(
        runner, questions_dir / "garden-waste.toml", "--opens-on", "2026-02-01", "--closes-on", "2026-01-01"
    )
    assert dates.exit_code == 1 and "closing date must be the same as or after" in dates.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Consultation.id))) == 1  # Taking Stock only
    assert (questions_dir / "garden-waste.toml").read_text(encoding="utf-8") == GARDEN


def respond(app: Flask, slug: str, about: dict[str, str], sections: dict[str, dict[str, str]]) -> None:
    """Save a draft response to consultation `slug` through its pages."""
    from consult.data import consultations, links

    with app.app_context():
        token = links.issue_link(consultations.get_by_slug(slug)).token
        db.session.commit()
    client = app.test_client()
    assert client.get(f"/r/{token}").status_code in (200, 302, 303)
    assert save_about(client, about).status_code == 303
    for section, answers in sections.items():
        # A question revealed by an answer is asked on the page shown again, as without JavaScript.
        if save_section(client, section, answers).status_code != 303:
            assert save_section(client, section, answers).status_code == 303


ABOUT = {
    "role": "Resident",
    "organisation_type": "Business",
    "region": "North of the county",
    "consent_to_be_named": "no",
}


def test_replacing_a_questionnaire_with_responses_keeps_their_meaning(
    app: Flask, runner: FlaskCliRunner, questions_dir: Path, tmp_path: Path
) -> None:
    assert load_cli(runner, questions_dir / "garden-waste.toml").exit_code == 0
    # With no response yet, anything valid may replace it: here a question goes.
    start = GARDEN.index('  [[sections.questions]]\n  id = "q5"')
    shorter = write(tmp_path, "garden-waste.toml", GARDEN[:start])
    assert load_cli(runner, shorter).exit_code == 0
    assert load_questionnaire("garden-waste").question_ids == ("q1", "q2", "q3", "q4")
    assert load_cli(runner, write(tmp_path, "garden-waste.toml", GARDEN)).exit_code == 0

    respond(app, "garden-waste", ABOUT, {"today": {"q1": "No", "q2": "Compost heap"}})
    before = (questions_dir / "garden-waste.toml").read_bytes()
    for changed, reason in [
        (
            GARDEN.replace('options = ["Yes", "No"]', 'options = ["Yes", "No", "Sometimes"]').replace(
                'options_cy = ["Ydw", "Nac ydw"]', 'options_cy = ["Ydw", "Nac ydw", "Weithiau"]'
            ),
            "q1's options change",
        ),
        (
            GARDEN.replace("Do you use the council's", "Did you ever use the council's"),
            "q1's English text changes",
        ),
        (GARDEN[:start], "it removes q5"),
        (
            GARDEN.replace('"North of the county", ', "").replace('"Gogledd y sir", ', ""),
            "the region list drops 'North of the county'",
        ),
    ]:
        result = load_cli(runner, write(tmp_path, "garden-waste.toml", changed))
        assert result.exit_code == 1, result.output
        assert (
            "garden-waste already has 1 response, and this file would change what they mean" in result.stderr
        )
        assert reason in result.stderr and "Nothing was changed." in result.stderr
        assert (questions_dir / "garden-waste.toml").read_bytes() == before

    # Welsh and the text around the questions may still change: a translator's correction.
    corrected = GARDEN.replace("Y gwasanaeth heddiw", "Y gwasanaeth fel y mae heddiw").replace(
        "made into compost", "turned into compost"
    )
    result = load_cli(runner, write(tmp_path, "garden-waste.toml", corrected))
    assert result.exit_code == 0, result.output
    assert "keeping its 1 response; open" in result.stderr and "Restart" in result.stderr
    welsh = load_questionnaire("garden-waste").in_language("cy")
    assert welsh.sections[0].title == "Y gwasanaeth fel y mae heddiw"


def test_an_edit_in_place_is_checked_against_the_stored_answers(
    app: Flask, runner: FlaskCliRunner, questions_dir: Path
) -> None:
    assert load_cli(runner, questions_dir / "garden-waste.toml").exit_code == 0
    respond(app, "garden-waste", ABOUT, {"today": {"q1": "Yes"}})
    # Edited where it is kept, the old version is gone: the answers themselves are the test.
    in_place = write(
        questions_dir,
        "garden-waste.toml",
        GARDEN.replace('options = ["Yes", "No"]', 'options = ["Yes, always", "No"]'),
    )
    result = load_cli(runner, in_place)
    assert result.exit_code == 1
    assert "q1 has answers 'Yes', which are not its options" in result.stderr


def test_invitations_categories_must_stay_listed(
    app: Flask, runner: FlaskCliRunner, questions_dir: Path, tmp_path: Path
) -> None:
    from consult.data import consultations, links

    with app.app_context():
        links.issue_link(consultations.get_by_slug("taking-stock"), region="Wales")
        db.session.commit()
    text = (questions_dir / "taking-stock.toml").read_text(encoding="utf-8")
    without_wales = text.replace('  "Wales",\n', "", 1).replace('  "Cymru",\n', "", 1)
    result = load_cli(runner, write(tmp_path, "taking-stock.toml", without_wales))
    assert result.exit_code == 1
    assert (
        "taking-stock already has invitations, and this file would change what they mean: invitations "
        "have region 'Wales', which the file does not list. Nothing was changed."
    ) in result.stderr
