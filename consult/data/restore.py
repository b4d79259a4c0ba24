"""Restore the database from a backup, verifying everything before anything is replaced.

Before a restore touches the database it proves the backup whole and readable: SQLite's
`PRAGMA integrity_check` over the backup (a file shorter than its own header says is
reported as incomplete), or for PostgreSQL `pg_restore --list` and a dry run that reads
every table's data. It refuses a backup of a schema this code does not know, a database
holding responses unless the caller forces it, and a database some other process is using
("stop the app first"): a restore under a serving app is what turned a PostgreSQL restore
into a deadlock and lets app writes land between SQLite's pages.

SQLite: the backup is copied to a new file beside the database and checked there; only
then is the database file swapped for it, the replaced file kept beside it until the new
one has passed its check (and the schema upgrade the caller asks for), and put back if it
does not. PostgreSQL: the same with databases (`consult.data.restore_postgresql`).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from consult.data.backup import (
    BackupError,
    backend_of,
    backup_kind,
    backup_revision,
    client_tool,
    known_revisions,
    responses_held,
    run_tool,
    sqlite_path,
)
from consult.data.restore_postgresql import STOP_THE_APP, restore_postgresql

__all__ = ["RestoreReport", "check_restorable", "restore"]


@dataclass(frozen=True)
class RestoreReport:
    """What a restore did: the backup's schema revision, and the file it kept, if any."""

    revision: str
    kept: Path | None = None


# Verifying the backup -----------------------------------------------------------------------


def _sqlite_header_size(path: Path) -> int | None:
    """The size in bytes a SQLite file's header says the file has (None if it does not say)."""
    with open(path, "rb") as fh:
        header = fh.read(100)
    if len(header) < 100:
        return None
    (page_size,) = struct.unpack(">H", header[16:18])
    change_counter, page_count = struct.unpack(">II", header[24:32])
    (valid_for,) = struct.unpack(">I", header[92:96])
    if page_count == 0 or valid_for != change_counter:  # the header's size is not maintained
        return None
    return (65536 if page_size == 1 else page_size) * page_count


def _integrity_problem(path: Path, pragma: str) -> str | None:
    """What SQLite's `pragma` (integrity_check, quick_check) finds wrong with `path`, or None."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        rows = [row[0] for row in connection.execute(f"PRAGMA {pragma}(20)")]
    except sqlite3.Error as exc:
        return str(exc)
    finally:
        connection.close()
    return None if rows == ["ok"] else "; ".join(rows[:3]) + (" …" if len(rows) > 3 else "")


def _verify_sqlite_backup(path: Path) -> None:
    size, promised = path.stat().st_size, _sqlite_header_size(path)
    if promised is not None and size < promised:
        raise BackupError(
            f"{path} is incomplete: it holds {size:,} bytes of the {promised:,} its header records "
            "(a copy cut short?). Nothing was changed: restore a complete backup"
        )
    if problem := _integrity_problem(path, "integrity_check"):
        raise BackupError(
            f"{path} is damaged and cannot be restored (SQLite's integrity check: {problem}). "
            "Nothing was changed: restore an earlier backup"
        )


def _verify_postgresql_backup(path: Path) -> None:
    for what, command in (
        ("its table of contents", [client_tool("pg_restore"), "--list", str(path)]),
        # A dry run: the whole archive, every table's data, read and decompressed to nowhere.
        ("its data", [client_tool("pg_restore"), "-f", os.devnull, str(path)]),
    ):
        try:
            run_tool(command, dict(os.environ))
        except BackupError as exc:
            raise BackupError(
                f"{path} is damaged or incomplete: pg_restore could not read {what} ({exc}). "
                "Nothing was changed: restore an earlier backup"
            ) from None


def check_restorable(engine: Engine, path: Path, *, force: bool) -> str:
    """The backup's revision, once it is proven whole and safe to restore over `engine`'s database.

    Refuses a backup from another backend, a damaged or incomplete one, one of a schema this
    code does not know (newer code wrote it), and, unless `force`, a restore over a database
    that holds responses or (SQLite) fails its own quick check.
    """
    backend, kind = backend_of(engine), backup_kind(path)
    if kind != backend:
        raise BackupError(f"{path} is a {kind} backup; the configured database is {backend}")
    if kind == "sqlite":
        _verify_sqlite_backup(path)
    else:
        _verify_postgresql_backup(path)
    revision = backup_revision(path)
    head, known = known_revisions()
    if revision is None:
        raise BackupError(f"{path} holds no consult schema (no migration revision)")
    if revision not in known:
        raise BackupError(
            f"{path} was taken at schema revision {revision}, which this version of consult does not "
            f"know (its newest is {head}): restore it with the version of consult that made it"
        )
    if backend == "sqlite" and (live := Path(sqlite_path(engine))).exists():
        if problem := _integrity_problem(live, "quick_check"):
            if not force:
                raise BackupError(
                    f"the database {live} is damaged (SQLite's quick check: {problem}); restoring "
                    "would replace it. Restore with --force if that is what you mean"
                )
            return revision  # damaged: its responses cannot be counted, and --force was given
    if not force and (held := responses_held(engine)):
        raise BackupError(
            f"the database already holds {held} responses; restoring would replace them. "
            "Back it up first, then restore with --force if that is what you mean"
        )
    return revision


# Restoring ----------------------------------------------------------------------------------


def restore(
    engine: Engine,
    path: Path,
    *,
    force: bool = False,
    bring_up_to_date: Callable[[], None] | None = None,
) -> RestoreReport:
    """Replace the database behind `engine` with the backup at `path`, once both are checked.

    `bring_up_to_date`, if given, upgrades the restored schema (the migrations); on SQLite
    it is part of proving the new database, which replaces the old one only if it succeeds.
    """
    revision = check_restorable(engine, path, force=force)
    engine.dispose()  # no pooled connection of this process holds the database open
    if backup_kind(path) == "sqlite":
        _restore_sqlite(engine, path, revision, bring_up_to_date)
    else:
        restore_postgresql(engine, path, revision, bring_up_to_date)
    return RestoreReport(revision)


def _restore_sqlite(
    engine: Engine, path: Path, revision: str, bring_up_to_date: Callable[[], None] | None
) -> None:
    live = Path(sqlite_path(engine))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    staged = live.with_name(f"{live.name}.restoring-{stamp}")
    kept = live.with_name(f"{live.name}.replaced-{stamp}")
    had_database = live.exists()
    # Held from before the copy until the swap: nobody else can open the database meanwhile.
    holder = _hold_alone(live) if had_database else None
    try:
        _copy_sqlite(path, staged)
        if problem := _integrity_problem(staged, "integrity_check"):
            raise BackupError(
                f"the restored copy failed its integrity check ({problem}); nothing was changed"
            )
        if holder is not None:
            os.replace(live, kept)
        os.replace(staged, live)
    finally:
        if holder is not None:
            holder.close()
        if staged.exists():
            staged.unlink()
    try:
        _prove(engine, live, revision, bring_up_to_date)
    except Exception as exc:
        engine.dispose()
        failed = live.with_name(f"{live.name}.restore-failed-{stamp}")
        os.replace(live, failed)
        if had_database:
            os.replace(kept, live)
        raise BackupError(
            f"the restored database failed its check after the swap ({exc}); "
            f"{'the database is as it was' if had_database else 'there is no database, as before'}, "
            f"and the failed copy is {failed}"
        ) from exc
    if had_database:
        kept.unlink()  # the new database is proven


def _copy_sqlite(path: Path, staged: Path) -> None:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target = sqlite3.connect(staged)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file to move into place
    except sqlite3.Error as exc:
        raise BackupError(
            f"the SQLite restore failed while copying the backup: {exc}; nothing was changed"
        ) from exc
    finally:
        target.close()
        source.close()
    os.chmod(staged, 0o600)


def _hold_alone(live: Path) -> sqlite3.Connection:
    """A connection holding `live` exclusively, or "stop the app first" if any other holds it open.

    Leaving WAL mode needs every other connection closed, idle ones too, so it is how another
    process's open connection shows; an exclusive transaction then keeps newcomers out while
    the file is moved. The write-ahead log is folded into the file on the way.
    """
    holder = sqlite3.connect(live, timeout=0, isolation_level=None)
    try:
        mode = holder.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        holder.execute("BEGIN EXCLUSIVE")
    except sqlite3.OperationalError as exc:
        holder.close()
        if "locked" in str(exc) or "busy" in str(exc):
            raise BackupError(f"the database {live} is in use by another process: {STOP_THE_APP}") from None
        raise BackupError(f"the database {live} could not be opened for the restore: {exc}") from None
    if mode != "delete" or Path(f"{live}-wal").exists():
        holder.close()
        raise BackupError(f"the database {live} is in use by another process: {STOP_THE_APP}")
    shared_memory = Path(f"{live}-shm")
    if shared_memory.exists():  # left from WAL mode; it must not be taken for the new file's
        shared_memory.unlink()
    return holder


def _prove(engine: Engine, live: Path, revision: str, bring_up_to_date: Callable[[], None] | None) -> None:
    if problem := _integrity_problem(live, "quick_check"):
        raise BackupError(f"quick check: {problem}")
    if (found := backup_revision(live)) != revision:
        raise BackupError(f"it holds schema revision {found}, not {revision}")
    if bring_up_to_date is not None:
        bring_up_to_date()
        engine.dispose()
        if problem := _integrity_problem(live, "quick_check"):
            raise BackupError(f"quick check after the upgrade: {problem}")
