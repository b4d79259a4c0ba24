"""Reviewing a question's themes (analysts and officers): plain forms, POST-redirect-GET.

Every form carries the versions of the themes or answers it changes, as the page showed
them. Saving over a newer change to the same theme or answer (someone else saved first)
shows the same page again with what was entered and a message naming that change (who,
when, what), and saves nothing; the other person's change stays. Changes to other themes
or answers never get in the way. Every change is audited by `consult.data.theme_review`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectChoice

from consult.data import consultations, theme_listing, theme_review, theme_sets
from consult.data.clock import LONDON
from consult.data.theme_review import ReviewError, StaleChange
from consult.extensions import db
from consult.models import Consultation, ThemeSet
from consult.officer.blueprint import bp, current_consultation
from consult.officer.theme_review_forms import (
    AcceptForm,
    AnswerReviewForm,
    MergeForm,
    MoveAnswersForm,
    RenameForm,
    StatusForm,
    ThemeNameForm,
    choices,
    seen_of,
)
from questions import Questionnaire

Page = str | tuple[str, int] | WerkzeugResponse


REOPENED = (
    "The review had been marked finished: this change has opened it again. "
    "Mark it finished again when the review is complete."
)


def conflict_message(exc: StaleChange) -> str:
    """What changed since the page was shown, by whom and when; what to do now."""
    change = exc.change
    if change is None:
        happened = f"Someone else changed {exc.subject} after you opened this page."
    else:
        when = change.at.astimezone(LONDON) if hasattr(change.at, "astimezone") else change.at
        stamp = f"{when:%H:%M} on {when.day} {when:%B %Y}" if hasattr(when, "strftime") else str(when)
        happened = (
            f"{change.who or 'Someone'} changed {exc.subject} at {stamp} (UK time), after you opened "
            f"this page: {change.what}."
        )
    return f"{happened} Your change has not been saved: it is shown below. Check it, then save again."


def _saved(message: str, reopened: bool) -> None:
    flash(message, "success")
    if reopened:
        flash(REOPENED, "information")


@dataclass
class Context:
    consultation: Consultation
    questionnaire: Questionnaire
    question: Any
    theme_set: ThemeSet | None


def _context(question_id: str) -> Context:
    consultation = current_consultation()
    questionnaire = consultations.questionnaire_of(consultation)
    question = next(
        (q for q in questionnaire.questions if q.id == question_id and not q.is_single_choice), None
    )
    if question is None:
        abort(404)
    return Context(consultation, questionnaire, question, theme_sets.theme_set_for(consultation, question_id))


def _reviewed_set(question_id: str) -> tuple[Context, ThemeSet]:
    ctx = _context(question_id)
    if ctx.theme_set is None:
        abort(404)
    return ctx, ctx.theme_set


def _refused(form: Any, exc: StaleChange | ReviewError) -> tuple[int, str]:
    """Undo a refused change; its status (409 for a conflict, else 400) and message. After a
    conflict the page shows the form with what was typed and the current versions (see
    `_current_versions`), so saving it again, having seen the other change, goes through."""
    db.session.rollback()
    if isinstance(exc, StaleChange):
        form.stale = True
        return 409, conflict_message(exc)
    return 400, str(exc)


def _current_versions(form: Any) -> bool:
    """Whether a form being shown should carry the current versions: a new one, or one
    refused by a conflict (not one refused for what was typed: its versions stand)."""
    return not form.is_submitted() or getattr(form, "stale", False)


def _theme_pairs(theme_set: ThemeSet) -> list[tuple[int, str]]:
    return [(c.theme.id, f"{c.theme.name} ({c.count})") for c in theme_listing.theme_counts(theme_set)]


def _theme_choices(theme_set: ThemeSet, leaving_out: int | None = None) -> list[SelectChoice]:
    """The set's themes as choices ("Name (count)"), without `leaving_out`."""
    return choices([(i, n) for i, n in _theme_pairs(theme_set) if i != leaving_out])


# --- A question's theme set -----------------------------------------------------------------


def _set_page(ctx: Context, status: int = 200, problem: str | None = None, **forms: Any) -> Page:
    theme_set = ctx.theme_set
    if theme_set is None:
        return render_template("officer/theme_set.html", ctx=ctx, theme_set=None), status
    counted = theme_listing.theme_counts(theme_set)
    merge = forms.get("merge") or MergeForm(formdata=None)
    merge.themes.choices = merge.into.choices = _theme_choices(theme_set)
    if forms.get("merge") is None or _current_versions(merge):
        merge.seen.data = seen_of([(c.theme.id, c.theme.version) for c in counted])
    page = render_template(
        "officer/theme_set.html",
        ctx=ctx,
        theme_set=theme_set,
        themes=counted,
        counts=theme_listing.state_counts(theme_set),
        create=forms.get("create") or ThemeNameForm(formdata=None),
        merge=merge,
        problem=problem,
        filters=theme_listing.FILTERS,
    )
    return page, status


@bp.get("/themes/<question_id>")
def theme_set(question_id: str) -> Page:
    """A question's themes with counts and key terms, and how far the review has got."""
    return _set_page(_context(question_id))


@bp.post("/themes/<question_id>/new-theme")
def create_theme(question_id: str) -> Page:
    ctx, theme_set = _reviewed_set(question_id)
    form = ThemeNameForm()
    if not form.validate():
        return _set_page(ctx, 400, create=form)
    theme, reopened = theme_review.create_theme(
        theme_set, form.name.data, form.description.data, current_user.email
    )
    db.session.commit()
    _saved(f"Theme ‘{theme.name}’ created", reopened)
    return redirect(url_for("officer.theme_set", question_id=question_id), 303)


@bp.post("/themes/<question_id>/merge")
def merge_themes(question_id: str) -> Page:
    ctx, theme_set = _reviewed_set(question_id)
    form = MergeForm()
    form.themes.choices = form.into.choices = _theme_choices(theme_set)
    if not form.validate():
        return _set_page(ctx, 400, merge=form)
    into = theme_listing.theme_of(theme_set, form.into.data)
    sources = [t for t in (theme_listing.theme_of(theme_set, i) for i in form.themes.data) if t is not None]
    seen = {int(k): v for k, v in form.seen.data.items() if k.isdigit()}
    try:
        if into is None:
            raise ReviewError("The theme to merge into no longer exists: choose again")
        reopened = theme_review.merge_themes(theme_set, sources, into, seen, current_user.email)
    except (StaleChange, ReviewError) as exc:
        status, problem = _refused(form, exc)
        return _set_page(_context(question_id), status, problem, merge=form)
    db.session.commit()
    _saved(f"Themes merged into ‘{into.name}’", reopened)
    return redirect(url_for("officer.theme_set", question_id=question_id), 303)


@bp.post("/themes/<question_id>/accept")
def accept_suggestions(question_id: str) -> Page:
    """Accept one answer's suggested theme (`answer`), or every suggestion."""
    ctx, theme_set = _reviewed_set(question_id)
    form = AcceptForm()
    back = url_for("officer.theme_answers", question_id=question_id, show="suggested")
    if not form.validate():
        return _set_page(ctx, 400, problem="The page had expired: try again")
    try:
        accepted, reopened = theme_review.accept_suggestions(
            theme_set, form.answer.data or None, form.version.data, current_user.email
        )
    except (StaleChange, ReviewError) as exc:
        status, problem = _refused(form, exc)
        return _set_page(_context(question_id), status, problem)
    db.session.commit()
    _saved(f"{accepted} suggested theme{'s' if accepted != 1 else ''} accepted", reopened)
    return redirect(back if form.answer.data else url_for("officer.theme_set", question_id=question_id), 303)


@bp.post("/themes/<question_id>/status")
def review_status(question_id: str) -> Page:
    """Mark the review finished, or open it again."""
    ctx, theme_set = _reviewed_set(question_id)
    form = StatusForm()
    if not form.validate():
        return _set_page(ctx, 400, problem="The page had expired: try again")
    try:
        theme_review.set_status(theme_set, form.status.data, current_user.email)
    except ReviewError as exc:
        status, problem = _refused(form, exc)
        return _set_page(_context(question_id), status, problem)
    db.session.commit()
    flash("Review marked finished" if form.status.data == "reviewed" else "Review opened again", "success")
    return redirect(url_for("officer.theme_set", question_id=question_id), 303)


# --- One theme ------------------------------------------------------------------------------


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and int(raw) > 0 else 1


def _theme_page(
    ctx: Context, theme_id: int, status: int = 200, problem: str | None = None, **forms: Any
) -> Page:
    theme_set = ctx.theme_set
    assert theme_set is not None
    theme = theme_listing.theme_of(theme_set, theme_id)
    if theme is None:
        abort(404)
    words = request.args.get("words", "")[:200]
    answers = theme_listing.answers_page(theme_set, theme_id=theme.id, words=words, page=_page_number())
    rename = forms.get("rename")
    if rename is None:
        rename = RenameForm(formdata=None)
        rename.name.data, rename.description.data = theme.name, theme.description
    if _current_versions(rename):
        rename.version.data = theme.version
    move = forms.get("move") or MoveAnswersForm(formdata=None)
    move.to_theme.choices = _theme_choices(theme_set, leaving_out=theme.id)
    move.answers.choices = choices([(r.public_id, r.public_id) for r in answers.rows])
    if forms.get("move") is None or _current_versions(move):
        move.seen.data = seen_of([(r.public_id, r.version) for r in answers.rows])
    names = {c.theme.id: c.theme.name for c in theme_listing.theme_counts(theme_set)}
    page = render_template(
        "officer/theme.html",
        ctx=ctx,
        theme_set=theme_set,
        theme=theme,
        answers=answers,
        words=words,
        names=names,
        rename=rename,
        move=move,
        problem=problem,
    )
    return page, status


@bp.get("/themes/<question_id>/themes/<id:theme_id>")
def theme(question_id: str, theme_id: int) -> Page:
    """One theme: its name and description, and its answers, paged and searchable."""
    ctx, _ = _reviewed_set(question_id)
    return _theme_page(ctx, theme_id)


@bp.post("/themes/<question_id>/themes/<id:theme_id>")
def rename_theme(question_id: str, theme_id: int) -> Page:
    ctx, theme_set = _reviewed_set(question_id)
    theme = theme_listing.theme_of(theme_set, theme_id)
    if theme is None:
        abort(404)
    form = RenameForm()
    if not form.validate():
        return _theme_page(ctx, theme_id, 400, rename=form)
    try:
        reopened = theme_review.rename_theme(
            theme_set, theme, form.name.data, form.description.data, form.version.data, current_user.email
        )
    except (StaleChange, ReviewError) as exc:
        status, problem = _refused(form, exc)
        return _theme_page(_context(question_id), theme_id, status, problem, rename=form)
    db.session.commit()
    _saved("Theme saved", reopened)
    return redirect(url_for("officer.theme", question_id=question_id, theme_id=theme_id), 303)


@bp.post("/themes/<question_id>/themes/<id:theme_id>/move")
def move_answers(question_id: str, theme_id: int) -> Page:
    """Move the selected answers of a theme to another theme, add them to one, or take them out."""
    ctx, theme_set = _reviewed_set(question_id)
    theme = theme_listing.theme_of(theme_set, theme_id)
    if theme is None:
        abort(404)
    form = MoveAnswersForm()
    form.to_theme.choices = _theme_choices(theme_set, leaving_out=theme.id)
    form.answers.choices = choices([(p, p) for p in request.form.getlist("answers")])
    if not form.validate():
        return _theme_page(ctx, theme_id, 400, move=form)
    try:
        to_theme = None
        if form.action.data != "none":
            to_theme = theme_listing.theme_of(theme_set, form.to_theme.data or 0)
            if to_theme is None:
                raise ReviewError("Choose the theme to move the answers to")
        found = [theme_listing.answer_for_review(theme_set, p) for p in form.answers.data]
        answers = [f[0] for f in found if f is not None]
        seen = {
            a.id: form.seen.data[a.response_public_id]
            for a in answers
            if a.response_public_id in form.seen.data
        }
        reopened = theme_review.move_answers(
            theme_set,
            answers,
            theme,
            to_theme,
            form.action.data == "add",
            seen,
            current_user.email,
        )
    except (StaleChange, ReviewError) as exc:
        status, problem = _refused(form, exc)
        return _theme_page(_context(question_id), theme_id, status, problem, move=form)
    db.session.commit()
    _saved(f"{len(answers)} answer{'s' if len(answers) != 1 else ''} saved", reopened)
    return redirect(url_for("officer.theme", question_id=question_id, theme_id=theme_id), 303)


# --- Answers --------------------------------------------------------------------------------


@bp.get("/themes/<question_id>/answers")
def theme_answers(question_id: str) -> Page:
    """All of a question's answers in the set, by review state, searchable by words."""
    ctx, theme_set = _reviewed_set(question_id)
    show = request.args.get("show", "all")
    if show not in theme_listing.FILTERS:
        show = "all"
    words = request.args.get("words", "")[:200]
    answers = theme_listing.answers_page(theme_set, state=show, words=words, page=_page_number())
    names = {c.theme.id: c.theme.name for c in theme_listing.theme_counts(theme_set)}
    return render_template(
        "officer/theme_answers.html",
        ctx=ctx,
        theme_set=theme_set,
        answers=answers,
        show=show,
        words=words,
        names=names,
        filters=theme_listing.FILTERS,
        counts=theme_listing.state_counts(theme_set),
    )


def _answer_page(
    ctx: Context, public_id: str, form: Any = None, status: int = 200, problem: str | None = None
) -> Page:
    theme_set = ctx.theme_set
    assert theme_set is not None
    found = theme_listing.answer_for_review(theme_set, public_id)
    if found is None:
        abort(404)
    row = found[1]
    if form is None:
        form = AnswerReviewForm(formdata=None)
        form.themes.data = row.theme_ids
        form.quote.data = "yes" if row.quote_approved else "no"
        form.flag.data = row.flag or ""
    if _current_versions(form):
        form.version.data = row.version
    form.themes.choices = _theme_choices(theme_set)
    names = {c.theme.id: c.theme.name for c in theme_listing.theme_counts(theme_set)}
    page = render_template(
        "officer/theme_answer.html",
        ctx=ctx,
        theme_set=theme_set,
        row=row,
        form=form,
        names=names,
        problem=problem,
        next_suggested=theme_listing.neighbours(theme_set, public_id, "suggested"),
    )
    return page, status


@bp.get("/themes/<question_id>/answers/<public_id>")
def theme_answer(question_id: str, public_id: str) -> Page:
    """One answer: its themes (none, one or several), quote approval and flag."""
    ctx, _ = _reviewed_set(question_id)
    return _answer_page(ctx, public_id)


@bp.post("/themes/<question_id>/answers/<public_id>")
def review_answer(question_id: str, public_id: str) -> Page:
    ctx, theme_set = _reviewed_set(question_id)
    found = theme_listing.answer_for_review(theme_set, public_id)
    if found is None:
        abort(404)
    form = AnswerReviewForm()
    form.themes.choices = _theme_choices(theme_set)
    if not form.validate():
        return _answer_page(ctx, public_id, form, 400)
    try:
        reopened = theme_review.review_answer(
            theme_set,
            found[0],
            form.themes.data or [],
            form.quote.data == "yes",
            form.flag.data or None,
            form.version.data,
            current_user.email,
        )
    except (StaleChange, ReviewError) as exc:
        status, problem = _refused(form, exc)
        return _answer_page(_context(question_id), public_id, form, status, problem)
    db.session.commit()
    _saved("Answer saved", reopened)
    return redirect(url_for("officer.theme_answer", question_id=question_id, public_id=public_id), 303)
