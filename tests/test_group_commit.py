"""Group commit: saves that arrive together share one transaction, and fail alone."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url

from consult import group_commit
from consult.data import consultations, links, responses
from consult.extensions import db
from consult.group_commit import CommitGroup
from tests.conftest import issue_token

SECTION = "principles"


def section_save(app: Flask, token: str, marker: str, fail: bool = False) -> Callable[[Connection], Any]:
    """A section save through `token`'s link, as the respondent route makes it."""
    with app.app_context():
        holder = links.recognise(token)
        assert holder is not None
        found = links.live_invitation_and_response(holder)
        assert found is not None
        invitation, consultation, _ = found
        questionnaire = consultations.questionnaire_of(consultation)
    section = questionnaire.section(SECTION)

    def save(connection: Connection) -> dict[str, str]:
        locked = responses.lock_row(connection, consultation, holder.response_key_hash, invitation)
        stored = responses.replace_section(connection, locked, questionnaire, section, {"q3": marker})
        if fail:
            raise RuntimeError(f"save {marker} failed after writing")
        return stored

    return save


def stored_q3(app: Flask, token: str) -> str | None:
    with app.app_context():
        holder = links.recognise(token)
        assert holder is not None
        return responses.answers(responses.find(holder.response_key_hash)).get("q3")


@contextmanager
def writer_queue_held(app: Flask) -> Iterator[None]:
    """Hold the SQLite writer queue (as another process's writer would) until the block ends."""
    with app.app_context():
        path = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    fd = os.open(f"{path}-writers.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


@contextmanager
def commits_counted(app: Flask) -> Iterator[list[int]]:
    with app.app_context():
        engine = db.engine
    counted: list[int] = []

    def count(_connection: Any) -> None:
        counted.append(1)

    event.listen(engine, "commit", count)
    try:
        yield counted
    finally:
        event.remove(engine, "commit", count)


def run_together(
    app: Flask, group: CommitGroup, saves: list[Callable[[Connection], Any]]
) -> tuple[list[Any], list[int]]:
    """Start every save in a thread of its own while the writer queue is held, then let go.

    What each save returned (or raised), and the order in which they queued.
    """
    outcomes: list[Any] = [None] * len(saves)

    def run(i: int) -> None:
        with app.app_context():
            try:
                outcomes[i] = group.run(saves[i])
            except Exception as exc:
                outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(saves))]
    with writer_queue_held(app):
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while len(group._waiting) < len(saves) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(group._waiting) == len(saves), "the saves did not all queue behind the lock"
        queued = [saves.index(job.work) for job in group._waiting]
    for thread in threads:
        thread.join(timeout=30)
    return outcomes, queued


def sqlite_group(app: Flask) -> CommitGroup:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("group commit is for SQLite; PostgreSQL commits each save alone")
    group = app.extensions["consult_commit_group"]
    assert isinstance(group, CommitGroup)
    return group


@pytest.mark.parametrize(("largest", "commits_expected"), [(None, 1), (2, 3)])
def test_saves_waiting_together_share_one_commit(
    app: Flask, largest: int | None, commits_expected: int
) -> None:
    """Five saves queued behind the lock: one commit, or three where a group holds at most two."""
    group = sqlite_group(app)
    if largest is not None:
        with app.app_context():
            group = CommitGroup(db.engine, largest=largest)
    tokens = [issue_token(app) for _ in range(5)]
    saves = [section_save(app, token, f"answer {i}") for i, token in enumerate(tokens)]
    with commits_counted(app) as commits:
        outcomes, _ = run_together(app, group, saves)
    assert [o["q3"] for o in outcomes] == [f"answer {i}" for i in range(5)]
    assert len(commits) == commits_expected
    assert [stored_q3(app, token) for token in tokens] == [f"answer {i}" for i in range(5)]


def test_a_failing_save_is_undone_alone_and_its_error_goes_to_its_request(app: Flask) -> None:
    group = sqlite_group(app)
    tokens = [issue_token(app) for _ in range(3)]
    saves = [section_save(app, token, f"answer {i}", fail=i == 1) for i, token in enumerate(tokens)]
    outcomes, _ = run_together(app, group, saves)
    assert isinstance(outcomes[1], RuntimeError) and "answer 1" in str(outcomes[1])
    assert outcomes[0]["q3"] == "answer 0" and outcomes[2]["q3"] == "answer 2"
    assert [stored_q3(app, token) for token in tokens] == ["answer 0", None, "answer 2"]


def test_a_failing_save_alone_is_undone_and_the_group_goes_on(app: Flask) -> None:
    group = sqlite_group(app)
    token = issue_token(app)
    (outcome,), _ = run_together(app, group, [section_save(app, token, "lost", fail=True)])
    assert isinstance(outcome, RuntimeError)
    assert stored_q3(app, token) is None
    (outcome,), _ = run_together(app, group, [section_save(app, token, "kept")])
    assert outcome["q3"] == "kept" and stored_q3(app, token) == "kept"


def test_saves_through_one_link_apply_in_the_order_they_queued(app: Flask) -> None:
    group = sqlite_group(app)
    token = issue_token(app)
    saves = [section_save(app, token, f"answer {i}") for i in range(4)]
    outcomes, queued = run_together(app, group, saves)
    assert all(not isinstance(o, Exception) for o in outcomes)
    # Each save saw the one queued before it; the one queued last is what is stored.
    assert stored_q3(app, token) == f"answer {queued[-1]}"
    with app.app_context():
        holder = links.recognise(token)
        assert holder is not None
        response = responses.find(holder.response_key_hash)
        assert response is not None and response.version == 4


def test_a_failed_commit_fails_every_save_of_the_group(app: Flask) -> None:
    group = sqlite_group(app)
    tokens = [issue_token(app) for _ in range(3)]
    saves = [section_save(app, token, f"answer {i}") for i, token in enumerate(tokens)]
    with app.app_context():
        engine = db.engine

    def refuse(_connection: Any) -> None:
        raise OSError("disk full")

    event.listen(engine, "commit", refuse)
    try:
        outcomes, _ = run_together(app, group, saves)
    finally:
        event.remove(engine, "commit", refuse)
    assert all(isinstance(o, OSError) for o in outcomes)
    assert [stored_q3(app, token) for token in tokens] == [None, None, None]
    # The group is usable afterwards.
    assert run_together(app, group, saves[:1])[0][0]["q3"] == "answer 0"


def test_without_a_group_a_save_commits_in_the_request_session(app: Flask) -> None:
    token = issue_token(app)
    save = section_save(app, token, "alone")
    app.extensions.pop("consult_commit_group", None)
    with app.test_request_context():
        assert group_commit.write(save)["q3"] == "alone"
    assert stored_q3(app, token) == "alone"


def test_a_write_that_cannot_get_the_lock_fails_as_sqlalchemy_error_and_frees_the_queue(app: Flask) -> None:
    """Another program holds the write lock past the busy timeout: SQLAlchemy's error, then recovery."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from consult import create_app

    sqlite_group(app)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    impatient = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t" * 40,
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLITE_BUSY_TIMEOUT_MS": 50,
        }
    )
    holder = sqlite3.connect(make_url(url).database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # outside the writer queue, as the sqlite3 shell would be
        with impatient.test_request_context():
            with pytest.raises(OperationalError, match="database is locked"):
                db.session.connection()
            db.session.remove()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    token = issue_token(impatient)  # the queue was let go: the next write goes through
    with impatient.test_request_context():
        assert group_commit.write(section_save(impatient, token, "after"))["q3"] == "after"
    with impatient.app_context():
        db.engine.dispose()
