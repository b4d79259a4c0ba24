"""Restore a PostgreSQL database: into a new database, swapped in once it is proven.

The backup (already checked whole by `consult.data.restore.check_restorable`) is restored
into a new database beside the configured one, `<name>_restoring_<time>`, with the same
encoding and locale. Only when that has succeeded and holds the backup's schema revision
are the databases renamed: the configured one to `<name>_replaced_<time>`, the new one to
the configured name. The restored database must then take the schema upgrade; if it does
not, the two are renamed back (the new one kept as `<name>_restore_failed_<time>`), and only
when it does is the replaced database dropped.

Renaming databases needs a role that may create databases and owns the configured one (or
a superuser), and a maintenance database to connect to (`postgres` or `template1`). Where
that is not so, the restore runs in place instead: `pg_restore --clean --single-transaction`,
which replaces the data only when the whole restore commits and otherwise changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import SQLAlchemyError

from consult.data.backup import BackupError, client_tool, libpq_target, run_tool

__all__ = ["STOP_THE_APP", "restore_postgresql"]

STOP_THE_APP = "stop the app (and any `consult worker`) first, then restore again"
MAINTENANCE_DATABASES = ("postgres", "template1")
_NAME_LIMIT = 63  # PostgreSQL truncates longer identifiers


def restore_postgresql(
    engine: Engine, path: Path, revision: str, bring_up_to_date: Callable[[], None] | None
) -> None:
    """Restore `path` over the database behind `engine` (see the module's description)."""
    refuse_other_connections(engine)
    with _maintenance(engine) as admin:
        if admin is None or not _may_swap(engine):
            _pg_restore(engine.url, path, in_place=True)
            engine.dispose()
            if bring_up_to_date is not None:
                bring_up_to_date()
            return
        _restore_by_swapping(engine, admin, path, revision, bring_up_to_date)


def refuse_other_connections(engine: Engine) -> None:
    """ "Stop the app first" if any other session is connected to the database."""
    with engine.connect() as connection:
        count, names = connection.execute(
            text(
                "SELECT count(*), "
                "string_agg(DISTINCT coalesce(nullif(application_name, ''), 'unnamed'), ', ') "
                "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).one()
    engine.dispose()
    if count:
        raise BackupError(
            f"the database has {count} other connection(s) open ({names}): {STOP_THE_APP}. "
            "Nothing was changed"
        )


@contextmanager
def _maintenance(engine: Engine) -> Iterator[Engine | None]:
    """An autocommit engine on a maintenance database, or None if none can be reached."""
    for name in MAINTENANCE_DATABASES:
        admin = create_engine(engine.url.set(database=name), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect():
                pass
        except SQLAlchemyError:
            admin.dispose()
            continue
        try:
            yield admin
        finally:
            admin.dispose()
        return
    yield None


def _may_swap(engine: Engine) -> bool:
    with engine.connect() as connection:
        allowed = connection.execute(
            text(
                "SELECT r.rolsuper OR (r.rolcreatedb AND d.datdba = r.oid) FROM pg_roles r, pg_database d "
                "WHERE r.rolname = current_user AND d.datname = current_database()"
            )
        ).scalar()
    engine.dispose()
    return bool(allowed)


def _restore_by_swapping(
    engine: Engine, admin: Engine, path: Path, revision: str, bring_up_to_date: Callable[[], None] | None
) -> None:
    live = str(engine.url.database)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
    staged, kept, failed = (
        f"{live[: _NAME_LIMIT - 24]}_{what}_{stamp}" for what in ("restoring", "replaced", "failed")
    )
    quote = admin.dialect.identifier_preparer.quote
    with admin.connect() as connection:
        encoding, collate, ctype = connection.execute(
            text(
                "SELECT pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database "
                "WHERE datname = :name"
            ),
            {"name": live},
        ).one()
        # CREATE DATABASE takes no bound parameters: the server's own values, quoted as literals.
        connection.exec_driver_sql(
            f"CREATE DATABASE {quote(staged)} TEMPLATE template0 ENCODING {_literal(encoding)} "
            f"LC_COLLATE {_literal(collate)} LC_CTYPE {_literal(ctype)}"
        )
    try:
        _pg_restore(engine.url.set(database=staged), path, in_place=False)
        _check_revision(engine.url.set(database=staged), revision)
        refuse_other_connections(engine)  # again, just before the swap
        _rename(admin, live, kept)
        try:
            _rename(admin, staged, live)
        except BackupError:
            _rename(admin, kept, live)
            raise
    except BaseException:
        _drop(admin, staged)
        raise
    try:
        engine.dispose()
        if bring_up_to_date is not None:
            bring_up_to_date()
        engine.dispose()
    except Exception as exc:
        engine.dispose()
        _rename(admin, live, failed)
        _rename(admin, kept, live)
        raise BackupError(
            f"the restored database could not be brought up to date ({exc}); the database is as it "
            f"was, and the restored copy is database {failed}"
        ) from exc
    _drop(admin, kept)  # the new database is proven


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _rename(admin: Engine, old: str, new: str) -> None:
    quote = admin.dialect.identifier_preparer.quote
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"ALTER DATABASE {quote(old)} RENAME TO {quote(new)}")
    except SQLAlchemyError as exc:
        if "being accessed by other users" in str(exc):
            raise BackupError(f"another connection opened the database: {STOP_THE_APP}") from None
        raise BackupError(f"the database {old} could not be renamed to {new}: {exc.args[0]}") from None


def _drop(admin: Engine, name: str) -> None:
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {admin.dialect.identifier_preparer.quote(name)}")


def _check_revision(url: URL, revision: str) -> None:
    staged = create_engine(url)
    try:
        with staged.connect() as connection:
            found = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        raise BackupError(
            f"the restored database cannot be read: {exc.args[0]}. Nothing was changed"
        ) from None
    finally:
        staged.dispose()
    if found != revision:
        raise BackupError(f"the restored database holds schema {found}, not {revision}. Nothing was changed")


def _pg_restore(url: URL, path: Path, *, in_place: bool) -> None:
    target, env = libpq_target(url)
    command = [client_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction",
               "--exit-on-error", "-d", target, str(path)]  # fmt: skip
    if in_place:
        command[1:1] = ["--clean", "--if-exists"]
    try:
        run_tool(command, env)
    except BackupError as exc:
        if "deadlock detected" in str(exc) or "lock timeout" in str(exc):
            raise BackupError(
                f"another connection used the database during the restore, so it was undone and "
                f"nothing was changed: {STOP_THE_APP}"
            ) from None
        raise BackupError(f"{exc}. The restore ran as one transaction: nothing was changed") from None
