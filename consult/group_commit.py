"""Group commit: saves that arrive together share one SQLite transaction, and one fsync.

With `synchronous=FULL` every SQLite commit waits for the disk to flush the WAL, a few
milliseconds on ordinary disks, and only one writer at a time can hold the write lock:
one save per flush caps the whole server at a few hundred saves a second however many
workers it runs. Here the saves waiting in one process go through the write lock
together: the first to arrive leads; while it waits for the lock, others queue behind
it; once it holds the lock it applies every queued save in turn, each inside its own
SAVEPOINT (a save that fails is undone alone and its error goes back to its request),
commits once, and only then are the saves acknowledged. Nothing is acknowledged before
it is on disk, and saves through one link are applied in the order they queued, so the
"last acknowledged wins" rule and crash safety hold as before.

PostgreSQL commits each save in its request's own transaction: its row locks taken in
one batch could deadlock with another process's batch, and it has its own group commit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import current_app
from sqlalchemy.engine import Connection, Engine, RootTransaction

from consult.extensions import db

T = TypeVar("T")
Work = Callable[[Connection], T]


@dataclass
class _Job(Generic[T]):
    work: Work[T]
    done: bool = False
    result: Any = None
    error: BaseException | None = None

    def outcome(self) -> T:
        if self.error is not None:
            raise self.error
        return self.result


class CommitGroup:
    """Runs write transactions of one process's threads together, one commit per group.

    `run(work)` returns once `work`'s changes are committed, with what `work` returned,
    or raises what it (or the commit) raised. `work` gets a Connection in a transaction
    that holds the write lock and must do everything through it.
    """

    def __init__(self, engine: Engine, largest: int = 64) -> None:
        self.engine = engine
        self.largest = largest  # bounds how long the first save of a group waits for the rest
        self._condition = threading.Condition()
        self._waiting: list[_Job[Any]] = []
        self._leading = False

    def run(self, work: Work[T]) -> T:
        job: _Job[T] = _Job(work)
        with self._condition:
            self._waiting.append(job)
        while True:
            with self._condition:
                while self._leading and not job.done:
                    self._condition.wait()
                if job.done:
                    return job.outcome()
                self._leading = True
            try:
                self._lead()  # a full group may leave this job for the next one
            finally:
                with self._condition:
                    self._leading = False
                    self._condition.notify_all()  # a waiting job's thread leads the next group

    def _lead(self) -> None:
        batch: list[_Job[Any]] = []
        try:
            with self.engine.connect() as connection:
                with connection.begin() as transaction:  # BEGIN IMMEDIATE, after the writer queue
                    with self._condition:  # everyone who queued while the lock was awaited
                        batch = self._waiting[: self.largest]
                        del self._waiting[: self.largest]
                    _apply(batch, connection, transaction)
        except BaseException as exc:  # BEGIN or COMMIT failed: nothing of the group is saved
            with self._condition:
                if not batch:  # the lock was never had: fail those who were waiting for it
                    batch = self._waiting[:]
                    self._waiting.clear()
            for job in batch:
                job.error = exc
        with self._condition:
            for job in batch:
                job.done = True
            self._condition.notify_all()


def _apply(batch: list[_Job[Any]], connection: Connection, transaction: RootTransaction) -> None:
    """Run the group's saves in `transaction`; a failed one is undone alone and keeps its error."""
    if len(batch) == 1:  # alone (always, with sync workers): the transaction is its savepoint
        try:
            batch[0].result = batch[0].work(connection)
        except Exception as exc:
            batch[0].error = exc
            transaction.rollback()
        return
    for job in batch:
        try:
            with connection.begin_nested():
                job.result = job.work(connection)
        except Exception as exc:  # its request reports it
            job.error = exc


def write(work: Work[T]) -> T:
    """Run `work` in a committed write transaction of its own; what it returned.

    The request's own session must hold no transaction (see `database.begin_writing`).
    On SQLite the write joins this process's commit group; elsewhere it runs on the
    session's connection and is committed at once.
    """
    group: CommitGroup | None = current_app.extensions.get("consult_commit_group")
    if group is not None:
        return group.run(work)
    result = work(db.session.connection())
    db.session.commit()
    return result
