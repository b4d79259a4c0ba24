"""Numbers a client puts in a path or a form are ones the database can hold: a larger one is
not found (404) or an expired form (400), never a server error, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from werkzeug.routing import IntegerConverter

from consult import create_app
from consult.web.converters import LARGEST_ID, DatabaseIdConverter
from tests.conftest import TEST_SECRET, csrf_token

TOO_LARGE = [2**31, 2**63, 2**70]
ID_PATHS = [
    "/officer/themes/runs/{n}",
    "/officer/themes/runs/{n}/report",
    "/officer/downloads/{n}",
    "/officer/downloads/{n}/file",
    "/officer/themes/q3/themes/{n}",
]


@pytest.mark.parametrize("number", TOO_LARGE)
def test_an_id_past_the_database_range_is_not_found(analyst_client: FlaskClient, number: int) -> None:
    for path in ID_PATHS:
        response = analyst_client.get(path.format(n=number))
        assert response.status_code == 404, (path, response.status_code)
    token = csrf_token(analyst_client.get("/officer/").data)
    for path in ("/officer/themes/q3/themes/{n}", "/officer/themes/q3/themes/{n}/move"):
        response = analyst_client.post(path.format(n=number), data={"csrf_token": token, "version": "1"})
        assert response.status_code == 404, (path, response.status_code)


def test_the_largest_id_the_database_holds_is_looked_up(analyst_client: FlaskClient) -> None:
    # Still a number the database can compare: simply no such run (a query was made, not refused).
    assert analyst_client.get(f"/officer/themes/runs/{LARGEST_ID}").status_code == 404
    assert analyst_client.get("/officer/themes/runs/0").status_code == 404


def test_every_numeric_route_uses_the_bounded_converter() -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": TEST_SECRET, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    numeric = [
        (rule.rule, name)
        for rule in app.url_map.iter_rules()
        for name, converter in rule._converters.items()
        if isinstance(converter, IntegerConverter)
    ]
    assert len(numeric) >= len(ID_PATHS)  # the officer pages do have numeric routes
    unbounded = [
        (rule.rule, name)
        for rule in app.url_map.iter_rules()
        for name, converter in rule._converters.items()
        if isinstance(converter, IntegerConverter) and not isinstance(converter, DatabaseIdConverter)
    ]
    assert unbounded == []


def test_the_id_pattern_matches_exactly_one_to_the_largest_id() -> None:
    import re

    from consult.web.converters import whole_numbers_up_to

    pattern = re.compile(whole_numbers_up_to(LARGEST_ID))
    for number in (1, 9, 10, 99, 2**31 - 1, 2**31 - 10, 2_100_000_000, 1_999_999_999, 999_999_999):
        assert pattern.fullmatch(str(number)), number
    for text in ("0", "01", str(2**31), "2147483650", "2200000000", "9999999999", "10000000000", str(2**63)):
        assert not pattern.fullmatch(text), text
    small = re.compile(whole_numbers_up_to(305))
    assert [n for n in range(0, 1000) if small.fullmatch(str(n))] == list(range(1, 306))
