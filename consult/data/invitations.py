"""The invitation list: reading an uploaded CSV or XLSX, checking every row, importing it.

A file is checked whole before anything is stored: any bad row rejects the file, with a
list of (row, column, reason) for the person who uploaded it, so a list is never half
imported. Importing adds only people not already on the list (matched by email address,
ignoring case), so uploading a corrected or longer list again never invites anyone twice.
People on the list get no link until one is sent to them (`consult.mail.sending`).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select

from analysis.plain_text import control_character_problem
from consult.data.clock import today
from consult.extensions import db
from consult.models import Consultation, Invitation, Origin
from questions import Profile

COLUMNS = ("name", "email", "organisation", "role", "organisation_type", "region")
COLUMN_LABELS = {
    "name": "Name",
    "email": "Email",
    "organisation": "Organisation",
    "role": "Role",
    "organisation_type": "Organisation type",
    "region": "Region",
}
MAX_LENGTHS = {"name": 200, "email": 320, "organisation": 300}
MAX_ROWS = 20_000
MAX_COLUMNS = 50

# name@domain.tld: no spaces, one @, a dot in the domain, no empty labels.
_EMAIL = re.compile(r"^[^@\s\"<>(),;:\\\[\]]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}$")


class ListFileError(ValueError):
    """A file that cannot be read as an invitation list at all (not one row's fault)."""


@dataclass(frozen=True)
class RowError:
    """One problem in one row: the spreadsheet row number (the header is row 1)."""

    row: int
    column: str
    reason: str


@dataclass(frozen=True)
class Person:
    """A valid row of the list, with categories spelled as in the questionnaire."""

    row: int
    name: str
    email: str
    organisation: str
    role: str
    organisation_type: str
    region: str


@dataclass
class CheckedList:
    """Every row of a file, checked: `people` are usable only if `errors` is empty."""

    people: list[Person] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ImportResult:
    added: int
    already_invited: int


def normalise_email(email: str) -> str:
    """An email address as stored and compared: trimmed and lower case."""
    return email.strip().lower()


def is_email(email: str) -> bool:
    """Whether `email` looks like a deliverable address (name@example.org)."""
    return len(email) <= 320 and bool(_EMAIL.match(email))


def _header_key(text: object) -> str:
    return re.sub(r"[\s_-]+", "_", str(text or "").strip().lower())


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", str(value)).strip()


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ListFileError(
            "The selected file could not be read: save it as ‘CSV UTF-8’ or as an Excel workbook (.xlsx)"
        ) from exc
    if "\x00" in text:
        raise ListFileError("The selected file must be a CSV or an Excel workbook (.xlsx)")
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as exc:
        raise ListFileError(f"The selected file could not be read as a CSV: {exc}") from exc


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ListFileError("The selected file could not be read as an Excel workbook (.xlsx)") from exc
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            yield [_cell(v) for v in values]
    finally:
        workbook.close()


def read_rows(filename: str, data: bytes) -> Iterator[list[str]]:
    """The rows of an uploaded CSV (UTF-8, with or without a BOM) or XLSX file, as text."""
    if not data.strip():
        raise ListFileError("The selected file is empty")
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm")):
        return _xlsx_rows(data)
    if filename.lower().endswith((".xls", ".ods", ".numbers")):
        raise ListFileError("The selected file must be a CSV or an Excel workbook (.xlsx)")
    return _csv_rows(data)


def _column_positions(header: Sequence[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        key = _header_key(title)
        if key in COLUMNS:
            if key in positions:
                raise ListFileError(f"The file has more than one column called ‘{COLUMN_LABELS[key]}’")
            positions[key] = index
    missing = [COLUMN_LABELS[c] for c in COLUMNS if c not in positions]
    if missing:
        raise ListFileError(
            "The first row must name the columns name, email, organisation, role, organisation type "
            f"and region. Missing: {', '.join(missing)}"
        )
    return positions


def _lookup(options: Iterable[str]) -> dict[str, str]:
    return {re.sub(r"\s+", " ", o).strip().casefold(): o for o in options}


def check_rows(rows: Iterable[Sequence[object]], profile: Profile) -> CheckedList:
    """Check every row of a list (first row the header) against the questionnaire's categories.

    Raises `ListFileError` for a file that is not a list at all; otherwise returns every
    valid person and every row error, so the uploader sees all the problems at once.
    """
    iterator = iter(rows)
    header = next(iterator, None)
    if header is None:
        raise ListFileError("The selected file is empty")
    positions = _column_positions([_cell(h) for h in header])
    categories = {
        "role": (_lookup(profile.roles), "roles"),
        "organisation_type": (_lookup(profile.organisation_types), "organisation types"),
        "region": (_lookup(profile.regions), "regions"),
    }
    result = CheckedList()
    first_row_of: dict[str, int] = {}
    count = 0
    for number, raw in enumerate(iterator, start=2):
        cells = [_cell(v) for v in raw]
        values = {c: cells[i] if i < len(cells) else "" for c, i in positions.items()}
        if not any(cells):
            continue  # blank lines are not people
        count += 1
        if count > MAX_ROWS:
            raise ListFileError(f"The file must have {MAX_ROWS:,} people or fewer: split it into parts")
        errors = _row_errors(number, values, categories, first_row_of)
        result.errors.extend(errors)
        if not errors:
            result.people.append(
                Person(
                    row=number,
                    name=values["name"],
                    email=normalise_email(values["email"]),
                    organisation=values["organisation"],
                    role=categories["role"][0][values["role"].casefold()],
                    organisation_type=categories["organisation_type"][0][
                        values["organisation_type"].casefold()
                    ],
                    region=categories["region"][0][values["region"].casefold()],
                )
            )
    if count == 0:
        raise ListFileError("The file has a header row but no people in it")
    return result


def _row_errors(
    number: int,
    values: dict[str, str],
    categories: dict[str, tuple[dict[str, str], str]],
    first_row_of: dict[str, int],
) -> list[RowError]:
    errors: list[RowError] = []

    def fault(column: str, reason: str) -> None:
        errors.append(RowError(number, COLUMN_LABELS[column], reason))

    unreadable = set()
    for column, value in values.items():
        if problem := control_character_problem(value, COLUMN_LABELS[column]):
            fault(column, problem)
            unreadable.add(column)  # one error per cell: its other checks are skipped
    for column, what in (("name", "a name"), ("organisation", "an organisation")):
        if column in unreadable:
            continue
        if not values[column]:
            fault(column, f"Enter {what}")
        elif len(values[column]) > MAX_LENGTHS[column]:
            fault(column, f"{COLUMN_LABELS[column]} must be {MAX_LENGTHS[column]} characters or fewer")
    email = normalise_email(values["email"])
    if "email" in unreadable:
        pass
    elif not email:
        fault("email", "Enter an email address")
    elif not is_email(email):
        fault("email", "Enter an email address in the correct format, like name@example.org")
    elif email in first_row_of:
        fault("email", f"This email address is also in row {first_row_of[email]}: each person once only")
    else:
        first_row_of[email] = number
    for column, (allowed, plural) in categories.items():
        value = values[column]
        label = COLUMN_LABELS[column].lower()
        if column in unreadable:
            continue
        if not value:
            fault(column, f"Enter a {label}")
        elif value.casefold() not in allowed:
            fault(column, f"‘{value[:60]}’ is not one of the {plural} in this consultation")
    return errors


def check_file(filename: str, data: bytes, profile: Profile) -> CheckedList:
    """Read and check an uploaded list; raises `ListFileError` if it cannot be read at all."""
    return check_rows(read_rows(filename, data), profile)


def import_people(consultation: Consultation, people: Sequence[Person]) -> ImportResult:
    """Add the people not already on the list (by email, ignoring case); no links are issued.

    Only for a list whose check found no errors. Takes the consultation's row lock (on
    PostgreSQL) so that two uploads at once cannot add the same person twice.
    """
    db.session.execute(select(Consultation.id).where(Consultation.id == consultation.id).with_for_update())
    existing = set(
        db.session.scalars(
            select(func.lower(Invitation.email)).where(
                Invitation.consultation_id == consultation.id, Invitation.email.is_not(None)
            )
        )
    )
    added = 0
    for person in people:
        if person.email in existing:
            continue
        existing.add(person.email)
        db.session.add(
            Invitation(
                consultation_id=consultation.id,
                token_digest=None,
                kind=Origin.INVITED.value,
                name=person.name,
                email=person.email,
                organisation=person.organisation,
                role=person.role,
                organisation_type=person.organisation_type,
                region=person.region,
                issued_on=today(),
            )
        )
        added += 1
    db.session.flush()
    return ImportResult(added=added, already_invited=len(people) - added)


def is_on_list(consultation: Consultation, email: str) -> bool:
    """Whether `email` (ignoring case) is on the consultation's invitation list."""
    return (
        db.session.scalar(
            select(Invitation.id).where(
                Invitation.consultation_id == consultation.id,
                func.lower(Invitation.email) == normalise_email(email),
            )
        )
        is not None
    )


@dataclass(frozen=True)
class ListCounts:
    on_list: int
    not_sent: int
    emailed: int
    link_issued: int
    reminded: int
    responded: int


def counts(consultation: Consultation) -> ListCounts:
    """How many people are on the list, have a link, were emailed or reminded, have responded."""
    on_list = Invitation.consultation_id == consultation.id, Invitation.kind == Origin.INVITED.value

    def count(*where: object) -> int:
        return db.session.scalar(select(func.count(Invitation.id)).where(*on_list, *where)) or 0

    return ListCounts(
        on_list=count(),
        not_sent=count(Invitation.token_digest.is_(None)),
        emailed=count(Invitation.sent_on.is_not(None)),
        link_issued=count(Invitation.token_digest.is_not(None)),
        reminded=count(Invitation.reminded_on.is_not(None)),
        responded=count(Invitation.responded.is_(True)),
    )


def page_of(consultation: Consultation, page: int, per_page: int = 50) -> list[Invitation]:
    """One page of the invitation list, in the order people were added."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.consultation_id == consultation.id, Invitation.kind == Origin.INVITED.value)
            .order_by(Invitation.id)
            .limit(per_page)
            .offset(max(page - 1, 0) * per_page)
        )
    )
