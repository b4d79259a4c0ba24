"""Engine settings that make SQLite safe for concurrent saves.

SQLite (the default) runs in WAL mode with a busy timeout and `synchronous=FULL`, and
every transaction takes the write lock up front (BEGIN IMMEDIATE): a save that reads
and then replaces a response can never be interleaved with another, and two writers
wait for each other instead of failing with "database is locked" mid-transaction.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from consult.extensions import db


def _sqlite_settings(busy_timeout_ms: int) -> tuple[Any, Any]:
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
        if read_only_request():
            # A page that only reads: a deferred transaction reads a WAL snapshot, and
            # neither waits for nor blocks the writers.
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return on_connect, on_begin


def mark_read_only() -> None:
    """Declare that this request only reads the database (a GET page that never writes).

    On SQLite its transaction is then a deferred one instead of taking the write lock; a
    write attempted anyway still works, but could meet "database is locked", so mark only
    views that never write.
    """
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


def read_only_request() -> bool:
    return has_request_context() and bool(g.get("consult_read_only"))


def configure_engine(app: Flask) -> None:
    with app.app_context():
        engine: Engine = db.engine
    if engine.dialect.name == "sqlite":
        on_connect, on_begin = _sqlite_settings(app.config["SQLITE_BUSY_TIMEOUT_MS"])
        event.listen(engine, "connect", on_connect)
        event.listen(engine, "begin", on_begin)
