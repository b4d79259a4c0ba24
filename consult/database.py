"""Engine settings that make SQLite safe for concurrent saves.

SQLite (the default) runs in WAL mode with a busy timeout and `synchronous=FULL`, and
every transaction takes the write lock up front (BEGIN IMMEDIATE): a save that reads
and then replaces a response can never be interleaved with another, and two writers
wait for each other instead of failing with "database is locked" mid-transaction.

Writers queue for that lock on an advisory file lock (`flock`) beside the database
before BEGIN IMMEDIATE: SQLite's own busy handler polls with sleeps of up to 100 ms, so
under load the write lock sat idle while waiters slept; a waiter on the file lock is
woken the moment the previous writer commits. The busy timeout stays as the backstop for
writers outside the queue (the sqlite3 shell, a read transaction that writes anyway).

BEGIN is issued the way SQLAlchemy's documentation describes for pysqlite ("Serializable
isolation / Savepoints / Transactional DDL"): the driver's own transaction handling is
switched off on connect, and the engine's "begin" event emits BEGIN itself.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from typing import Any

from flask import Flask, g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from consult.extensions import db

# Threads of this process that hold the writer queue, so that a thread never waits for
# itself (a second connection opened while its first holds the queue goes straight to
# SQLite's busy handler, as before the queue existed).
_queue_holders: set[int] = set()
_queue_holders_lock = threading.Lock()


class QueuedWriterConnection(sqlite3.Connection):
    """A sqlite3 connection whose write transactions queue on a file lock beside the database.

    `acquire_writer_queue` is called just before BEGIN IMMEDIATE; the lock is released
    after the transaction ends (commit, rollback or close), so it is never held longer
    than SQLite's own write lock. A process that dies releases it with its files.
    """

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        path = os.fspath(database) if isinstance(database, str | os.PathLike) else ""
        in_memory = not path or path == ":memory:" or kwargs.get("uri") or path.startswith("file:")
        self._queue_path = None if in_memory else f"{path}-writers.lock"
        self._queue_fd: int | None = None
        self._queue_pid = 0
        self._queue_thread: int | None = None

    def acquire_writer_queue(self) -> None:
        """Wait for this process's and every other process's earlier writers to finish."""
        if self._queue_path is None or self._queue_thread is not None:
            return
        thread = threading.get_ident()
        with _queue_holders_lock:
            if thread in _queue_holders:
                return
        if self._queue_fd is None or self._queue_pid != os.getpid():
            # A descriptor inherited through fork shares its lock with the parent: open anew.
            self._queue_fd = os.open(self._queue_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._queue_pid = os.getpid()
        fcntl.flock(self._queue_fd, fcntl.LOCK_EX)  # releases the GIL while it waits
        self._queue_thread = thread
        with _queue_holders_lock:
            _queue_holders.add(thread)

    def release_writer_queue(self) -> None:
        if self._queue_thread is None:
            return
        with _queue_holders_lock:
            _queue_holders.discard(self._queue_thread)
        self._queue_thread = None
        if self._queue_fd is not None and self._queue_pid == os.getpid():
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.release_writer_queue()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.release_writer_queue()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.release_writer_queue()
            if self._queue_fd is not None and self._queue_pid == os.getpid():
                os.close(self._queue_fd)
            self._queue_fd = None


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
            return
        dbapi_connection = connection.connection.dbapi_connection
        queued = isinstance(dbapi_connection, QueuedWriterConnection)
        if queued:
            dbapi_connection.acquire_writer_queue()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if queued:
                dbapi_connection.release_writer_queue()
            raise

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


def _queued_writer_connection(_dialect: Any, _record: Any, _args: Any, params: dict[str, Any]) -> None:
    # Only the connection class changes; SQLAlchemy still makes the connection.
    params.setdefault("factory", QueuedWriterConnection)


def configure_engine(app: Flask) -> None:
    with app.app_context():
        engine: Engine = db.engine
    if engine.dialect.name == "sqlite":
        on_connect, on_begin = _sqlite_settings(app.config["SQLITE_BUSY_TIMEOUT_MS"])
        event.listen(engine, "do_connect", _queued_writer_connection)
        event.listen(engine, "connect", on_connect)
        event.listen(engine, "begin", on_begin)
