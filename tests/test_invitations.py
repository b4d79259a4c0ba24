"""The invitation list: upload (CSV and XLSX), whole-file validation, re-upload, mail merge, roles."""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from consult.data import consultations, invitations
from consult.extensions import db
from consult.models import AuditEvent, Invitation
from tests.conftest import INVITEE_REGIONS, csrf_token, invitee

HEADER = ["Name", "Email", "Organisation", "Role", "Organisation type", "Region"]


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER, bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(client: FlaskClient, data: bytes, filename: str = "list.csv") -> object:
    page = client.get("/officer/invitations/upload")
    assert page.status_code == 200
    return client.post(
        "/officer/invitations/upload",
        data={"csrf_token": csrf_token(page.data), "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def listed(app: Flask) -> list[Invitation]:
    with app.app_context():
        people = list(db.session.scalars(select(Invitation).order_by(Invitation.id)))
        db.session.expunge_all()
        return people


def test_a_valid_700_row_csv_is_imported_whole(app: Flask, officer_client: FlaskClient) -> None:
    response = upload(officer_client, csv_bytes([invitee(i) for i in range(700)]))
    assert response.status_code == 303
    people = listed(app)
    assert len(people) == 700
    assert all(p.kind == "invited" and p.token_digest is None and p.sent_on is None for p in people)
    assert people[0].email == "person0@council0.gov.uk" and people[1].role == "Chief executive"
    page = officer_client.get("/officer/invitations")
    assert b"700 people added" in page.data and b"Person 49" in page.data and b"Person 50" not in page.data
    assert b"Person 50" in officer_client.get("/officer/invitations?page=2").data
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "imported invitation list"))
        assert event is not None and event.officer_email == "officer@lga.example"
        assert event.detail.startswith("700 rows: 700 added")


def test_a_file_with_three_bad_rows_is_rejected_whole_with_the_reasons(
    app: Flask, officer_client: FlaskClient
) -> None:
    rows = [invitee(i) for i in range(700)]
    rows[9][3] = "Mayor"  # row 11: unknown role
    rows[99][1] = "not-an-email"  # row 101
    rows[499][1] = rows[4][1].upper()  # row 501: the same address as row 6, in capitals
    response = upload(officer_client, csv_bytes(rows))
    assert response.status_code == 400
    text = response.data.decode()
    assert "The list was not uploaded: 3 rows have problems" in text
    cells = re.findall(r"<tr[^>]*><td[^>]*>(\d+)</td><td[^>]*>([^<]+)</td><td[^>]*>([^<]+)</td></tr>", text)
    assert [(row, column) for row, column, _ in cells] == [("11", "Role"), ("101", "Email"), ("501", "Email")]
    assert "is not one of the roles in this consultation" in cells[0][2]
    assert cells[1][2] == "Enter an email address in the correct format, like name@example.org"
    assert "also in row 6" in cells[2][2]
    assert listed(app) == []


def test_missing_fields_and_unknown_categories_are_reported_per_column(app: Flask) -> None:
    with app.app_context():
        profile = consultations.questionnaire_of(consultations.get_by_slug("taking-stock")).profile
    rows = [
        HEADER,
        ["", "a@b.org", "Org", "Leader", "County", "Wales"],
        ["Ann", "", "", "leader", "county", "WALES"],
        ["Bob", "bob@x.org", "Org", "Leader", "Parish", "Atlantis"],
        [],
        ["Cy", "cy@x.org", "Org", "  chief   EXECUTIVE ", "London", "Greater London"],
    ]
    checked = invitations.check_rows(rows, profile)
    assert [(e.row, e.column, e.reason) for e in checked.errors] == [
        (2, "Name", "Enter a name"),
        (3, "Organisation", "Enter an organisation"),
        (3, "Email", "Enter an email address"),
        (4, "Organisation type", "‘Parish’ is not one of the organisation types in this consultation"),
        (4, "Region", "‘Atlantis’ is not one of the regions in this consultation"),
    ]
    assert [p.role for p in checked.people] == ["Chief executive"]  # spelled as in the questionnaire


def test_control_characters_in_the_list_are_refused_once_per_cell(app: Flask) -> None:
    with app.app_context():
        profile = consultations.questionnaire_of(consultations.get_by_slug("taking-stock")).profile
    rows = [
        HEADER,
        ["Ann\x01", "ann@x.org", "Org", "Leader", "County", "Wales"],
        ["Bob", "bob@x.org", "Org\x7f", "Leader\x02", "County", "Wales"],
        ["Cy\x0c Smith", "cy@x.org", "Org", "Leader", "County", "Wales"],  # read as a space
    ]
    checked = invitations.check_rows(rows, profile)
    found = [(e.row, e.column, e.reason.split(":")[0]) for e in checked.errors]
    assert found == [
        (2, "Name", "Name must not contain control characters"),
        (3, "Organisation", "Organisation must not contain control characters"),
        (3, "Role", "Role must not contain control characters"),
    ]
    assert [code for e in checked.errors for code in ("U+0001", "U+007F", "U+0002") if code in e.reason] == [
        "U+0001", "U+007F", "U+0002"
    ]
    assert [p.name for p in checked.people] == ["Cy Smith"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The selected file is empty"),
        (b"name,email\nA,a@b.org\n", "Missing: Organisation, Role, Organisation type, Region"),
        ("\xe9".encode("latin-1") + b"name\n", "save it as ‘CSV UTF-8’"),
        (b"Name,Email,Organisation,Role,Organisation type,Region\n", "no people in it"),
    ],
)
def test_unreadable_files_get_a_clear_error(
    app: Flask, officer_client: FlaskClient, data: bytes, message: str
) -> None:
    response = upload(officer_client, data)
    assert response.status_code == 400
    assert message in response.data.decode()
    assert listed(app) == []


def test_headers_ignore_case_spaces_and_order_and_a_bom(app: Flask, officer_client: FlaskClient) -> None:
    header = [" REGION", "organisation_TYPE", "Role ", "organisation", "E-mail", "NAME"]
    header[4] = "EMAIL"
    rows = [list(reversed(invitee(i))) for i in range(3)]
    assert upload(officer_client, csv_bytes(rows, header=header, bom=True)).status_code == 303
    people = listed(app)
    assert [p.name for p in people] == ["Person 0", "Person 1", "Person 2"]
    assert people[2].region == INVITEE_REGIONS[2]


def test_xlsx_lists_are_read(app: Flask, officer_client: FlaskClient) -> None:
    rows: list[list[object]] = [invitee(i) for i in range(20)]
    rows[3][0] = 12345  # a number in a text column is read as text
    response = upload(officer_client, xlsx_bytes(rows), "Leaders list.xlsx")
    assert response.status_code == 303
    people = listed(app)
    assert len(people) == 20 and people[3].name == "12345"

    rows[5][5] = "Narnia"
    response = upload(officer_client, xlsx_bytes([*rows, invitee(99)]), "list.xlsx")
    assert response.status_code == 400
    assert re.search(rb'<td [^>]+>7</td><td [^>]+>Region</td>', response.data)
    assert len(listed(app)) == 20


def test_reupload_adds_only_new_people_and_never_reissues_a_link(
    app: Flask, officer_client: FlaskClient
) -> None:
    assert upload(officer_client, csv_bytes([invitee(i) for i in range(5)])).status_code == 303
    with app.app_context():
        from consult.data import links

        first = db.session.scalar(select(Invitation).order_by(Invitation.id))
        token = links.mint_link(first)
        db.session.commit()
    again = [invitee(i) for i in range(7)]
    again[0][1] = again[0][1].upper()  # same person, address in capitals
    again[0][2] = "A renamed council"
    response = upload(officer_client, csv_bytes(again))
    assert response.status_code == 303
    assert (
        "2 people added to the invitation list. 5 already on the list"
        in officer_client.get("/officer/invitations").data.decode()
    )
    people = listed(app)
    assert len(people) == 7
    assert people[0].organisation == "Council 0"  # left as it was
    assert officer_client.get(f"/r/{token}").status_code == 303  # the link still works


def test_an_oversized_upload_gets_a_clear_error(app: Flask, officer_client: FlaskClient) -> None:
    page = officer_client.get("/officer/invitations/upload")
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    big = csv_bytes([invitee(i) for i in range(15000)])
    assert len(big) > 1024 * 1024
    response = officer_client.post(
        "/officer/invitations/upload",
        data={"csrf_token": csrf_token(page.data), "file": (io.BytesIO(big), "big.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "The selected file must be smaller than 1 MB" in response.data.decode()
    assert listed(app) == []


def test_an_upload_needs_a_file(officer_client: FlaskClient) -> None:
    page = officer_client.get("/officer/invitations/upload")
    response = officer_client.post("/officer/invitations/upload", data={"csrf_token": csrf_token(page.data)})
    assert response.status_code == 400 and b"Select a CSV or Excel file" in response.data


CONTACT_PAGES = [
    ("GET", "/officer/invitations"),
    ("GET", "/officer/invitations?page=2"),
    ("GET", "/officer/invitations/upload"),
    ("POST", "/officer/invitations/upload"),
    ("GET", "/officer/invitations/send"),
    ("POST", "/officer/invitations/send"),
    ("GET", "/officer/invitations/reminders"),
    ("POST", "/officer/invitations/reminders"),
    ("POST", "/officer/invitations/outbox/continue"),
    ("POST", "/officer/invitations/outbox/release"),
    ("GET", "/officer/invitations/mail-merge"),
    ("POST", "/officer/invitations/mail-merge"),
]


def test_an_analyst_gets_403_on_every_contact_detail_page(
    app: Flask, officer_client: FlaskClient, analyst_client: FlaskClient
) -> None:
    upload(officer_client, csv_bytes([invitee(i) for i in range(3)]))
    token = csrf_token(analyst_client.get("/officer/").data)
    for method, path in CONTACT_PAGES:
        response = analyst_client.open(
            path, method=method, data={"csrf_token": token, "scope": "new", "confirm": "y"}
        )
        assert response.status_code == 403, (method, path)
        assert b"person0@" not in response.data
    assert b"/officer/invitations" not in analyst_client.get("/officer/").data  # no nav link either
    with app.app_context():
        assert (
            db.session.scalar(select(func.count(Invitation.id)).where(Invitation.token_digest.is_not(None)))
            == 0
        )


def _mail_merge(client: FlaskClient, **data: str) -> object:
    page = client.get("/officer/invitations/mail-merge")
    return client.post("/officer/invitations/mail-merge", data={"csrf_token": csrf_token(page.data), **data})


def test_mail_merge_needs_confirmation_then_gives_working_links(
    app: Flask, officer_client: FlaskClient
) -> None:
    rows = [invitee(i) for i in range(4)]
    rows[1][0] = '=HYPERLINK("http://evil.example")'
    upload(officer_client, csv_bytes(rows))
    page = officer_client.get("/officer/invitations/mail-merge")
    assert b"earlier link stops working" in page.data
    refused = _mail_merge(officer_client, scope="new")
    assert refused.status_code == 400 and b"Confirm that you understand" in refused.data
    assert all(p.token_digest is None for p in listed(app))

    response = _mail_merge(officer_client, scope="new", confirm="y")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [r["email"] for r in table] == [r[1] for r in rows]
    assert table[1]["name"].startswith("'=")  # made safe for spreadsheets
    tokens = [r["link"].rsplit("/r/", 1)[1] for r in table]
    visitor = app.test_client()
    assert visitor.get(f"/r/{tokens[0]}").headers["Location"].endswith("/respond/")

    # Nobody is left without a link, so a second "new" file is empty; re-issuing revokes.
    assert (
        len(
            list(csv.reader(io.StringIO(_mail_merge(officer_client, scope="new", confirm="y").data.decode())))
        )
        == 1
    )
    reissued = _mail_merge(officer_client, scope="not_responded", confirm="y")
    new_tokens = [r["link"].rsplit("/r/", 1)[1] for r in csv.DictReader(io.StringIO(reissued.data.decode()))]
    assert len(new_tokens) == 4 and not set(new_tokens) & set(tokens)
    assert app.test_client().get(f"/r/{tokens[0]}").status_code == 404
    assert app.test_client().get(f"/r/{new_tokens[0]}").status_code == 303
    with app.app_context():
        details = [
            e.detail
            for e in db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "downloaded mail-merge file")
            )
        ]
    assert details[0].startswith("4 links made (new)") and len(details) == 3
    assert not any(t in d for d in details for t in tokens + new_tokens)
