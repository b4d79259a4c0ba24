"""Officer accounts, passwords (Argon2id) and server-side sign-in sessions."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import ARGON2_VERSION
from sqlalchemy import func, select, update

from consult import database
from consult.data import requested_emails
from consult.data.clock import today
from consult.extensions import db
from consult.models import Officer, OfficerRole, OfficerSession, SignInLink

PASSWORD_MIN, PASSWORD_MAX = 12, 128
SIGN_IN_LINK_LIFETIME = dt.timedelta(hours=24)

_hasher = PasswordHasher()  # Argon2id with argon2-cffi's recommended parameters


class AccountError(ValueError):
    """A request about an account that cannot be met; the message is fit to show."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("consult.auth").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def password_problem(password: str, email: str = "") -> str | None:
    """Why `password` cannot be used (a GOV.UK-style message), or None if it can."""
    if len(password) < PASSWORD_MIN:
        return f"Password must be {PASSWORD_MIN} characters or more"
    if len(password) > PASSWORD_MAX:
        return f"Password must be {PASSWORD_MAX} characters or fewer"
    lowered = password.lower()
    if lowered in common_passwords() or lowered.rstrip("0123456789!") in common_passwords():
        return "Choose a password that is harder to guess: this one is among the most common passwords"
    local_part = email.split("@", 1)[0].lower()
    if len(local_part) >= 4 and local_part in lowered:
        return "Choose a password that does not contain your email address"
    if len(set(password)) < 5:
        return "Choose a password with more different characters"
    return None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_by_email(email: str) -> Officer | None:
    return db.session.scalar(select(Officer).where(Officer.email == normalise_email(email)))


def add_officer(email: str, role: OfficerRole, password: str | None = None) -> Officer:
    email = normalise_email(email)
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise AccountError("Enter an email address in the correct format, like name@example.org")
    if get_by_email(email) is not None:
        raise AccountError(f"There is already an account for {email}")
    officer = Officer(email=email, role=role.value, created_on=today())
    if password is not None:
        set_password(officer, password)
    db.session.add(officer)
    db.session.flush()
    return officer


def set_password(officer: Officer, password: str) -> None:
    if problem := password_problem(password, officer.email):
        raise AccountError(problem)
    officer.password_hash = _hasher.hash(password)
    db.session.flush()


def check_password(officer: Officer, password: str) -> bool:
    """Whether `password` is the account's current password (False if it has none)."""
    if officer.password_hash is None or len(password) > PASSWORD_MAX:
        return False
    try:
        return _hasher.verify(officer.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def change_password(officer: Officer, password: str, keep_session: str | None) -> int:
    """Set a new password and end every other session of the account; returns how many ended.

    Whoever else was signed in as this account (perhaps with the old password) is signed
    out at their next request; `keep_session` (the session making the change) stays.
    """
    set_password(officer, password)
    cancel_sign_in_links(officer)
    return end_sessions(officer, keep_session)


def end_sessions(officer: Officer, keep_session: str | None = None) -> int:
    """End every live session of the account except `keep_session`'s; returns how many ended."""
    query = update(OfficerSession).where(
        OfficerSession.officer_id == officer.id, OfficerSession.ended_at.is_(None)
    )
    if keep_session is not None:
        query = query.where(OfficerSession.digest != _digest(keep_session))
    ended = db.session.execute(query.values(ended_at=_now()).execution_options(synchronize_session=False))
    return ended.rowcount


def disable_officer(officer: Officer) -> None:
    """Disable the account: it cannot sign in, and every session of it ends now."""
    officer.disabled_on = today()
    end_sessions(officer)
    cancel_sign_in_links(officer)
    db.session.flush()


def change_role(officer: Officer, role: OfficerRole) -> None:
    """Give the account another role; its sessions end, so it signs in again under the new one."""
    officer.role = role.value
    end_sessions(officer)
    cancel_sign_in_links(officer)
    db.session.flush()


@cache
def dummy_hash() -> str:
    """A hash to verify against when the email is unknown, so both failures take as long.

    Written out with the hasher's own parameters and random salt and digest, not computed:
    verifying costs the same, and no worker spends an Argon2 hash (~0.15 s, 64 MiB) on
    starting. No password matches it.
    """

    def encoded(size: int) -> str:
        return base64.b64encode(secrets.token_bytes(size)).decode().rstrip("=")

    h = _hasher
    return (
        f"$argon2{h.type.name.lower()}$v={ARGON2_VERSION}$m={h.memory_cost},t={h.time_cost},p={h.parallelism}"
        f"${encoded(h.salt_len)}${encoded(h.hash_len)}"
    )


def authenticate(email: str, password: str) -> Officer | None:
    """The officer with these credentials, or None; similar timing whatever the failure."""
    officer = get_by_email(email) if len(password) <= PASSWORD_MAX else None
    stored = officer.password_hash if officer is not None and officer.password_hash else dummy_hash()
    try:
        _hasher.verify(stored, password[:PASSWORD_MAX])
    except (VerificationError, InvalidHashError):
        return None
    if officer is None or officer.password_hash is None or officer.disabled_on is not None:
        return None
    if _hasher.check_needs_rehash(officer.password_hash):
        officer.password_hash = _hasher.hash(password)
    return officer


def start_session(officer: Officer) -> str:
    """A new session secret for `officer` (a new id at every sign-in)."""
    secret = secrets.token_urlsafe(32)
    now = _now()
    db.session.add(
        OfficerSession(digest=_digest(secret), officer_id=officer.id, created_at=now, last_seen_at=now)
    )
    db.session.flush()
    return secret


def session_officer(secret: str, idle: dt.timedelta, absolute: dt.timedelta) -> Officer | None:
    """The officer of a live session, refreshing its idle timer; None once ended or timed out.

    The refresh (at most once a minute, so that page views do not all write) and the end of
    a timed-out session are committed at once in a short write of their own: whatever page
    is being shown, and whether or not it writes, they are kept.
    """
    record = db.session.scalar(select(OfficerSession).where(OfficerSession.digest == _digest(secret)))
    if record is None or record.ended_at is not None:
        return None
    now = _now()
    timed_out = now - _aware(record.last_seen_at) > idle or now - _aware(record.created_at) > absolute
    officer = None if timed_out else record.officer
    if officer is not None and officer.disabled_on is not None:
        return None
    if timed_out or now - _aware(record.last_seen_at) > dt.timedelta(minutes=1):
        change = {"ended_at": now} if timed_out else {"last_seen_at": now}
        with database.short_write():
            db.session.execute(
                update(OfficerSession)
                .where(OfficerSession.id == record.id, OfficerSession.ended_at.is_(None))
                .values(**change)
            )
    return officer


def end_session(secret: str) -> None:
    record = db.session.scalar(select(OfficerSession).where(OfficerSession.digest == _digest(secret)))
    if record is not None and record.ended_at is None:
        record.ended_at = _now()
        db.session.flush()


def create_sign_in_link(officer: Officer) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(
        SignInLink(digest=_digest(token), officer_id=officer.id, expires_at=_now() + SIGN_IN_LINK_LIFETIME)
    )
    db.session.flush()
    return token


def cancel_sign_in_links(officer: Officer) -> int:
    """Spend every unused one-time link of the account (sign-in and set-password alike).

    A link emailed or printed before a change to the account (its password, its role, its
    being disabled) would otherwise still let its holder in afterwards, under the old terms.
    Returns how many links were cancelled.
    """
    requested_emails.forget_for(requested_emails.SIGN_IN_LINK, officer.email)
    cancelled = db.session.execute(
        update(SignInLink)
        .where(SignInLink.officer_id == officer.id, SignInLink.used_at.is_(None))
        .values(used_at=_now())
        .execution_options(synchronize_session=False)
    )
    return cancelled.rowcount or 0


def use_sign_in_link(token: str) -> Officer | None:
    """The officer a one-time link signs in, spending the link; None if unknown, used or expired."""
    link = db.session.scalar(select(SignInLink).where(SignInLink.digest == _digest(token)).with_for_update())
    if link is None or link.used_at is not None or _aware(link.expires_at) < _now():
        return None
    link.used_at = _now()
    db.session.flush()
    officer = db.session.get(Officer, link.officer_id)
    return officer if officer is not None and officer.disabled_on is None else None


def count() -> int:
    return db.session.scalar(select(func.count(Officer.id))) or 0
