"""Engine settings that make SQLite safe for concurrent saves, and which transactions write.

SQLite (the default) runs in WAL mode (readers never wait for the writer, nor it for
them), with a busy timeout (a writer waits its turn instead of failing) and
`synchronous=FULL`. A transaction that will write takes the write lock up front
(`BEGIN IMMEDIATE`), so it never fails half way with "database is locked" when another
writer got in between its reads and its first write; a transaction that only reads begins
deferred (`BEGIN`), reads a snapshot and takes no lock at all.

Which transactions write, decided in one place (`_reads_only`):

- In a web request: GET, HEAD and OPTIONS requests read; other methods write. A GET view
  that writes (an audited file download, a one-time sign-in link) says so with
  `@database.writes`; a data function that writes now and then on any page (refreshing
  an officer's session) writes in a `short_write()` block of its own. A POST that validates a long form
  first marks itself reading (`mark_read_only`) and calls `begin_writing` just before its
  write.
- Outside a request (CLI commands, background jobs): transactions write, unless begun
  inside `with database.reading():`, which jobs use for their long reads.

A write attempted in a reading transaction is refused with `WriteInReadingTransaction`,
so a view or job that forgets to say it writes fails in the tests, not under load.

BEGIN is issued the way SQLAlchemy's documentation describes for pysqlite ("Serializable
isolation / Savepoints / Transactional DDL"): the driver's own transaction handling is
switched off on connect, and the engine's "begin" event emits BEGIN itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from consult.extensions import db

View = TypeVar("View", bound=Callable[..., Any])
# Methods whose requests only read, unless the view is marked `writes`.
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Set inside `reading()`, per thread (each job runs in a thread or process of its own).
_reading: ContextVar[bool] = ContextVar("consult_reading", default=False)
# Where a connection remembers whether its current transaction began as a reading one.
_READING_KEY = "consult_reading"
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class WriteInReadingTransaction(RuntimeError):
    """A statement that writes, run in a transaction that was begun as a reading one."""


def writes(view: View) -> View:
    """Mark a GET view that writes: its transactions take the write lock up front."""
    view.consult_writes = True  # type: ignore[attr-defined]
    return view


def mark_read_only() -> None:
    """Declare that this request reads until it calls `begin_writing` (a POST that validates first)."""
    g.consult_read_only = True


def begin_writing() -> None:
    """End a request's reading phase; its next statement begins the write transaction.

    A save validates what was posted while only reading, then calls this: the write lock
    (BEGIN IMMEDIATE on SQLite, FOR UPDATE on PostgreSQL) is held just for the locked
    re-read, the replacement and the commit. Objects loaded so far stay usable, detached
    with what was loaded; everything the write depends on is read again under the lock.
    """
    db.session.close()
    g.consult_read_only = False


@contextmanager
def short_write() -> Iterator[None]:
    """A write transaction of its own, committed at the end of the block, in the middle of
    whatever the request or job is doing (refreshing an officer's session on any page).

    The transaction so far ends first (objects loaded stay usable, detached with what was
    loaded); afterwards the request reads or writes as it did before, so a page that only
    reads holds the write lock for this block alone, never while it renders.
    """
    db.session.close()
    in_request = has_request_context()
    before = g.get("consult_read_only") if in_request else None
    token = _reading.set(False)
    if in_request:
        g.consult_read_only = False
    try:
        yield
        db.session.commit()
    finally:
        db.session.close()
        _reading.reset(token)
        if in_request:
            if before is None:
                g.pop("consult_read_only", None)
            else:
                g.consult_read_only = before


@contextmanager
def reading() -> Iterator[None]:
    """Read in transactions that never take SQLite's write lock; the block's transaction
    ends with it.

    For long work outside a request (jobs): objects loaded inside stay usable afterwards
    with what was loaded (detached), so nothing is loaded lazily, in a transaction held
    open, later; load everything needed inside. Writing inside is refused.
    """
    db.session.close()
    token = _reading.set(True)
    try:
        yield
    finally:
        db.session.close()
        _reading.reset(token)


def _reads_only() -> bool:
    if not has_request_context():
        return _reading.get()
    if "consult_read_only" in g:
        return bool(g.consult_read_only)
    if request.method not in READING_METHODS:
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, "consult_writes", False)


def _sqlite_settings(busy_timeout_ms: int) -> tuple[Callable[..., None], ...]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN, not the sqlite3 module.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    def on_begin(connection: Connection) -> None:
        reads = _reads_only()
        connection.info[_READING_KEY] = reads
        connection.exec_driver_sql("BEGIN" if reads else "BEGIN IMMEDIATE")

    def before_cursor_execute(connection: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        if connection.info.get(_READING_KEY) and statement.lstrip()[:7].upper().startswith(_WRITES):
            raise WriteInReadingTransaction(
                "a write in a transaction begun as reading: mark the GET view with "
                "@database.writes, or write outside `database.reading()`"
            )

    def on_end(connection: Connection) -> None:
        connection.info.pop(_READING_KEY, None)

    return on_connect, on_begin, before_cursor_execute, on_end


def configure_engine(app: Flask) -> None:
    """Set SQLite's pragmas and its BEGIN on the app's engine (PostgreSQL needs nothing)."""
    with app.app_context():
        engine: Engine = db.engine
    if engine.dialect.name == "sqlite":
        on_connect, on_begin, before_cursor_execute, on_end = _sqlite_settings(
            app.config["SQLITE_BUSY_TIMEOUT_MS"]
        )
        event.listen(engine, "connect", on_connect)
        event.listen(engine, "begin", on_begin)
        event.listen(engine, "before_cursor_execute", before_cursor_execute)
        event.listen(engine, "commit", on_end)
        event.listen(engine, "rollback", on_end)
