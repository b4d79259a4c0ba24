"""Redaction for publication: office-holders, English and Welsh public bodies (whole names,
no fragments), street addresses, people; and quotes that may still name someone flagged."""

from __future__ import annotations

import pytest

from analysis.themes.public_names import needs_name_check, redact_label, redact_names
from analysis.themes.redaction import redact


def published(text: str) -> str:
    """What a quote becomes: contact details, then names, taken out."""
    return redact_names(redact(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I wrote to the Mayor of London about it.", "I wrote to [office-holder] about it."),
        ("The Mayor of the West Midlands agreed.", "[office-holder] agreed."),
        ("Ask the Police and Crime Commissioner for Kent.", "Ask [office-holder]."),
        ("Kent Police and Crime Commissioner Matthew Scott agreed.", "[office-holder] [name] agreed."),
        ("The Chief Constable of Gwent Police met us.", "[office-holder] met us."),
        (
            "As Leader of Hartlepool Borough Council I resigned over the lack of support.",
            "As [office-holder] I resigned over the lack of support.",
        ),
        ("Y mae Arweinydd Cyngor Sir Powys yn cytuno.", "Y mae [office-holder] yn cytuno."),
    ],
)
def test_office_holders_are_taken_out_whole(text: str, expected: str) -> None:
    assert published(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cyngor Sir Ynys Môn has been very helpful.", "[public body] has been very helpful."),
        ("As has Cyngor Caerdydd.", "As has [public body]."),
        (
            "Staff yng Nghaerdydd and o Gasnewydd helped.",
            "Staff yng [public body] and o [public body] helped.",
        ),
        (
            "Cyngor Bwrdeistref Sirol Wrecsam, Llywodraeth Cymru and Heddlu Gwent.",
            "[public body], [public body] and [public body].",
        ),
        ("We met North East Lincolnshire Council.", "We met [public body]."),
        (
            "The London Borough of Camden and Kent Fire and Rescue Service.",
            "[public body] and [public body].",
        ),
        (
            "Ofsted and the Care Quality Commission inspected us.",
            "[public body] and the [public body] inspected us.",
        ),
    ],
)
def test_public_bodies_in_english_and_welsh_leave_no_fragment(text: str, expected: str) -> None:
    assert published(text) == expected
    for fragment in (
        "Ynys",
        "Môn",
        "Caerdydd",
        "Nghaerdydd",
        "Gasnewydd",
        "Wrecsam",
        "Lincolnshire",
        "Camden",
    ):
        assert fragment not in published(text)


def test_street_addresses_go_with_their_postcodes() -> None:
    text = "Write to me at 12 High Street, Bedford MK40 1AA or Flat 3, 45 Church Road, or 7 Heol y Frenhines."
    out = published(text)
    assert out == "Write to me at [address] [postcode] or [address], or [address]."
    assert published("Funding for 2015 was cut by 20 per cent in 3 years.") == (
        "Funding for 2015 was cut by 20 per cent in 3 years."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cllr Jane Smith at Kent County Council said so.", "Cllr [name] at [public body] said so."),
        (
            "Our experience with Mr Patel was very positive.",
            "Our experience with Mr [name] was very positive.",
        ),
        ("I spoke to Sarah Jones about it.", "I spoke to [name] about it."),
        ("Leader of the Council Mark Hunt said so.", "Leader of the Council [name] said so."),
        ("My name is Gareth Evans and I lead a council.", "My name is [name] and I lead a council."),
    ],
)
def test_people_are_named_from_the_name_lists(text: str, expected: str) -> None:
    assert published(text) == expected


def test_a_quote_that_may_still_name_someone_is_flagged() -> None:
    assert needs_name_check(published("I met Priyanka yesterday about the review."))
    assert published("We worked with Orla Quinnell-Vasquez on this.") == "We worked with [name] on this."
    assert needs_name_check(published("We worked with Xanthor Quellbright on this."))
    assert not needs_name_check(published("More peer support, please. Funding matters."))
    assert not needs_name_check(published("Cllr Jane Smith said the peer review was excellent."))


def test_labels_lose_names_however_cased() -> None:
    assert redact_label("cyngor caerdydd") == "[public body]"
    assert redact_label("peer support") == "peer support"
