"""A questionnaire in Welsh: display copies, canonical values, translation status, what is offered."""

from __future__ import annotations

from pathlib import Path

import pytest

from questions import TranslationStatus, load, offered_languages

SMALL = """
slug = "small"
title = "Bins"
title_cy = "Biniau"
publisher = "A council"
publisher_cy = "Cyngor"
about = "About."
about_cy = "Ynghylch."
confidentiality = "Private."
confidentiality_cy = "Preifat."
link_sharing = "Keep it."
link_sharing_cy = "Cadwch hi."

[profile]
roles = ["Resident", "Other"]
roles_cy = ["Preswylydd", "Arall"]
organisation_types = ["None"]
organisation_types_cy = ["Dim"]
regions = ["Wales"]
regions_cy = ["Cymru"]

[[sections]]
id = "bins"
title = "Bins"
title_cy = "Biniau"
summary = "Collections."
summary_cy = "Casgliadau."

  [[sections.questions]]
  id = "q1"
  number = 1
  kind = "single_choice"
  text = "Weekly?"
  text_cy = "Yn wythnosol?"
  hint = "Choose one."
  hint_cy = "Dewiswch un."
  options = ["Yes", "No"]
  options_cy = ["Ydw", "Nac ydw"]

  [[sections.questions]]
  id = "q2"
  number = 2
  kind = "free_text"
  text = "Why not?"
  text_cy = "Pam lai?"
  shown_if = { question = "q1", any_of = ["No"] }
"""


def write(tmp_path: Path, text: str = SMALL) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_welsh_copy_shows_welsh_and_keeps_canonical_values(tmp_path: Path) -> None:
    english = load(write(tmp_path))
    welsh = english.in_language("cy")
    assert (welsh.title, welsh.publisher, welsh.about, welsh.language) == (
        "Biniau",
        "Cyngor",
        "Ynghylch.",
        "cy",
    )
    assert (welsh.sections[0].title, welsh.sections[0].summary) == ("Biniau", "Casgliadau.")
    q1 = welsh.question("q1")
    assert (q1.text, q1.hint) == ("Yn wythnosol?", "Dewiswch un.")
    assert q1.options == ("Yes", "No") and q1.option_labels == ("Ydw", "Nac ydw")
    assert q1.choices == (("Yes", "Ydw"), ("No", "Nac ydw")) and q1.option_label("No") == "Nac ydw"
    assert welsh.profile.roles == ("Resident", "Other")
    assert welsh.profile.role_labels == ("Preswylydd", "Arall")
    assert welsh.profile.organisation_type_labels == ("Dim",) and welsh.profile.region_labels == ("Cymru",)
    assert welsh.profile.region_label("Wales") == "Cymru"
    # Conditions hold on the stored (canonical) value, whichever language showed the question.
    assert welsh.visible_answers({"q1": "No", "q2": "Achos"}) == {"q1": "No", "q2": "Achos"}
    assert welsh.visible_answers({"q1": "Yes", "q2": "x"}) == {"q1": "Yes"}
    # English is the file's own text; labels equal the values; a copy goes back to it.
    assert english.question("q1").option_labels == ("Yes", "No")
    assert english.profile.region_labels == ("Wales",)
    assert welsh.in_language("en") is english and english.in_language("en") is english
    assert english.in_language("cy") is welsh
    assert welsh.question_ids == english.question_ids
    with pytest.raises(ValueError, match="not a questionnaire language"):
        english.in_language("fr")


def test_translation_status(tmp_path: Path) -> None:
    complete = load(write(tmp_path))
    assert complete.translation_status("cy") == "complete"
    assert complete.translation_status("en") == "complete"
    assert complete.in_language("cy").translation_status("cy") is TranslationStatus.COMPLETE
    assert offered_languages(complete) == ("en", "cy")

    draft = load(
        write(tmp_path, SMALL.replace('text_cy = "Pam lai?"', 'text_cy = "Pam lai?"\n  draft_cy = true'))
    )
    assert draft.translation_status("cy") == "draft"
    [gap] = draft.untranslated("cy")
    assert (gap.element, gap.fields, gap.status) == ("question q2", ("text",), "draft")
    assert offered_languages(draft) == ("en",)
    assert offered_languages(draft, offer_drafts=True) == ("en", "cy")

    missing = load(write(tmp_path, SMALL.replace('  hint_cy = "Dewiswch un."\n', "")))
    assert missing.translation_status("cy") == "missing"
    [gap] = missing.untranslated("cy")
    assert (gap.element, gap.path, gap.fields) == ("question q1", ("sections", 0, "questions", 0), ("hint",))
    assert offered_languages(missing, offer_drafts=True) == ("en",)
    # Where a text has no Welsh the copy shows the English.
    assert missing.in_language("cy").question("q1").hint == "Choose one."


def test_english_only_file_is_missing_welsh_everywhere(tmp_path: Path) -> None:
    english_only = "\n".join(line for line in SMALL.splitlines() if "_cy =" not in line)
    questionnaire = load(write(tmp_path, english_only))
    assert questionnaire.translation_status("cy") == "missing"
    assert [g.element for g in questionnaire.untranslated("cy")] == [
        "questionnaire",
        "profile",
        "section 'bins'",
        "question q1",
        "question q2",
    ]
    welsh = questionnaire.in_language("cy")
    assert welsh.title == "Bins" and welsh.question("q1").option_labels == ("Yes", "No")
