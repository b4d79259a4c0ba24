"""Loading a questionnaire file as a consultation: new, or replacing its questionnaire safely.

A consultation's questionnaire is the file `questions/<slug>.toml`, read by the app and
the analysis alike. Loading a file checks it, copies it there and creates the
consultation, or, for a consultation that exists, replaces its file only where that
cannot change what a stored answer means:

- while no one has responded (not even a saved draft), any valid file may replace the old
  one, as nothing has been answered against it;
- once anyone has, only the text around the questions and the translations may change
  (`questions.compatibility`), and every answer and category already stored must still
  be one the new file has.

Invitations carry a role, organisation type and region that become their responses', so
those must stay in the file's lists in either case.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from consult.data import audit, closing, consultations
from consult.extensions import db
from consult.models import Answer, Consultation, Invitation, Response
from questions import (
    Questionnaire,
    QuestionnaireError,
    load,
    load_questionnaire,
    path_of,
)
from questions.compatibility import breaking_changes

__all__ = ["LoadRefused", "LoadedFile", "load_file"]

_CATEGORIES = {"role": "roles", "organisation_type": "organisation_types", "region": "regions"}


class LoadRefused(ValueError):
    """A file that would break what is stored; the message says why, for the person loading it."""


@dataclass(frozen=True)
class LoadedFile:
    consultation: Consultation
    questionnaire: Questionnaire
    created: bool
    # Whether questions/<slug>.toml was written (False when FILE was that file, unchanged).
    copied: bool
    responses: int
    date_changes: list[str] = field(default_factory=list)


def load_file(
    file: Path,
    opens_on: dt.date | None = None,
    closes_on: dt.date | None = None,
    directory: Path | None = None,
) -> LoadedFile:
    """Check `file`, make it the questionnaire of the consultation it names, and flush.

    Raises `QuestionnaireError` for a faulty file and `LoadRefused` (or the dates'
    `DateError`) for one that cannot be used now: the file in use is then untouched, and
    the caller rolls back. `directory` is where questionnaires are kept (QUESTIONS_DIR).
    """
    new = load(file)
    target = path_of(new.slug, directory)
    consultation = consultations.get_by_slug(new.slug)
    created = consultation is None
    responses = 0
    date_changes: list[str] = []
    if consultation is None:
        consultation = consultations.create(new, opens_on, closes_on)
    else:
        responses = _response_count(consultation)
        if refusal := _refusal(consultation, _current(target, file), new, responses):
            raise LoadRefused(refusal)
        date_changes = closing.change_dates(consultation, opens_on, closes_on, None)
        consultation.title = new.title
    audit.record(
        "loaded the questionnaire",
        None,
        f"{new.slug}: {'new consultation' if created else 'replaced'} from {file.name}",
    )
    db.session.flush()
    # The file is written last, so that a refusal or bad dates leave it as it was; the
    # caller's rollback then undoes the rest if writing it fails.
    copied = _copy(file, target)
    load_questionnaire.cache_clear()
    return LoadedFile(consultation, new, created, copied, responses, date_changes)


def _current(target: Path, file: Path) -> Questionnaire | None:
    """The questionnaire in use, if it can be read and is not `file` itself."""
    if not target.exists() or target.resolve() == file.resolve():
        return None
    try:
        return load(target)
    except QuestionnaireError:
        return None


def _refusal(
    consultation: Consultation, current: Questionnaire | None, new: Questionnaire, responses: int
) -> str:
    """Why `new` cannot replace `consultation`'s questionnaire now ("" if it can)."""
    misfits = _misfitting_categories(Invitation, consultation, new)
    if responses:
        if current is not None and (changes := breaking_changes(current, new)):
            misfits = [*changes, *misfits]
        misfits += _misfitting_answers(consultation, new) + _misfitting_categories(
            Response, consultation, new
        )
    if not misfits:
        return ""
    held = f"{responses} response{'' if responses == 1 else 's'}" if responses else "invitations"
    return (
        f"{consultation.slug} already has {held}, and this file would change what they mean: "
        f"{'; '.join(dict.fromkeys(misfits))}. Nothing was changed."
    )


def _response_count(consultation: Consultation) -> int:
    return (
        db.session.scalar(select(func.count(Response.id)).where(Response.consultation_id == consultation.id))
        or 0
    )


def _misfitting_answers(consultation: Consultation, new: Questionnaire) -> list[str]:
    """Stored answers (submitted or draft) that `new` has no question or option for."""
    of_consultation = select(Response.id).where(Response.consultation_id == consultation.id)
    answered = db.session.scalars(
        select(Answer.question_id).where(Answer.response_id.in_(of_consultation)).distinct()
    ).all()
    found = []
    for qid in sorted(answered, key=lambda q: (len(q), q)):
        if qid not in new.question_ids:
            found.append(f"{qid} has answers but is not in the file")
            continue
        question = new.question(qid)
        if not question.is_single_choice:
            continue
        values = db.session.scalars(
            select(Answer.value)
            .where(Answer.response_id.in_(of_consultation), Answer.question_id == qid)
            .distinct()
        ).all()
        if unknown := sorted(set(values) - set(question.options)):
            found.append(f"{qid} has answers {', '.join(map(repr, unknown))}, which are not its options")
    return found


def _misfitting_categories(
    model: type[Invitation | Response], consultation: Consultation, new: Questionnaire
) -> list[str]:
    """Roles, organisation types and regions stored on `model` rows that `new` does not list."""
    found = []
    for column, listed in _CATEGORIES.items():
        values = db.session.scalars(
            select(getattr(model, column))
            .where(model.consultation_id == consultation.id, getattr(model, column).is_not(None))
            .distinct()
        ).all()
        if unknown := sorted(set(values) - set(getattr(new.profile, listed))):
            holder = "invitations" if model is Invitation else "responses"
            found.append(
                f"{holder} have {column.replace('_', ' ')} {', '.join(map(repr, unknown))}, "
                "which the file does not list"
            )
    return found


def _copy(file: Path, target: Path) -> bool:
    """Make `target` hold `file`'s text (replaced in one step); whether it was written."""
    text = file.read_bytes()
    if target.exists() and target.read_bytes() == text:
        return False
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        partial.write_bytes(text)
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise LoadRefused(
            f"Could not write {target} ({exc.strerror}): the app reads questionnaires from {target.parent}"
        ) from None
    return True
