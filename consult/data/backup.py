"""Back up the database to one file while the app keeps serving, and read what a backup holds.

SQLite: the sqlite3 module's online backup API copies the database page by page under a
read transaction, so the copy is one consistent moment even while saves go on (WAL lets
them continue meanwhile). PostgreSQL: `pg_dump -Fc` (one consistent snapshot, custom
format) and `pg_restore` in one transaction; the client tools must be installed.

Restoring is `consult.data.restore`.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select
from sqlalchemy.engine import URL, Engine

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    backend: str
    revision: str | None
    size: int


def known_revisions() -> tuple[str | None, set[str]]:
    """(the migrations' head, every revision the code knows)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    scripts = ScriptDirectory.from_config(config)
    return scripts.get_current_head(), {s.revision for s in scripts.walk_revisions()}


def backend_of(engine: Engine) -> str:
    """ "sqlite" or "postgresql": the backends consult backs up (any other is a BackupError)."""
    name = engine.url.get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"consult cannot back up a {name} database")
    return name


def _database_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(select(_version_column())).scalar()


def _version_column():  # noqa: ANN202 - a SQLAlchemy column
    from sqlalchemy import column, table

    return table("alembic_version", column("version_num")).c.version_num


def responses_held(engine: Engine) -> int:
    """How many responses (draft or submitted) the database holds; 0 for an empty database."""
    from sqlalchemy import func

    from consult.models import Response

    with engine.connect() as connection:
        if not inspect(connection).has_table(Response.__tablename__):
            return 0
        return connection.execute(select(func.count()).select_from(Response.__table__)).scalar() or 0


# Backing up ---------------------------------------------------------------------------------


def back_up(engine: Engine, out: Path) -> BackupReport:
    """Write a backup of the database behind `engine` to `out` (replaced only once complete)."""
    backend = backend_of(engine)
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
    os.close(handle)
    try:
        if backend == "sqlite":
            _back_up_sqlite(engine, Path(partial))
        else:
            _back_up_postgresql(engine, Path(partial))
        os.chmod(partial, 0o600)  # it holds the contact list until that is purged
        os.replace(partial, out)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return BackupReport(out, backend, backup_revision(out), out.stat().st_size)


def sqlite_path(engine: Engine) -> str:
    """The file of the SQLite database behind `engine`."""
    path = engine.url.database
    if not path or path == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return path


def _back_up_sqlite(engine: Engine, partial: Path) -> None:
    source = sqlite3.connect(f"file:{sqlite_path(engine)}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(partial)
    try:
        # One step (pages=-1): the whole copy is one read transaction, one moment in time.
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        if (check := target.execute("PRAGMA quick_check").fetchone()[0]) != "ok":
            raise BackupError(f"the backup failed its integrity check: {check}")
    except sqlite3.Error as exc:
        raise BackupError(f"the SQLite backup failed: {exc}") from exc
    finally:
        target.close()
        source.close()


def libpq_target(url: URL) -> tuple[str, dict[str, str]]:
    """The URL as the PostgreSQL client tools take it, its password in the environment, not argv."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def client_tool(name: str) -> str:
    """The path of PostgreSQL client tool `name`, or a BackupError saying what to install."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found: install the PostgreSQL client tools (for example "
            f"`apt install postgresql-client`), of the server's major version or newer"
        )
    return path


def run_tool(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a client tool; a failure is a BackupError quoting the end of what it said."""
    finished = subprocess.run(command, env=env, capture_output=True, text=True)
    if finished.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {finished.stderr.strip()[-2000:]}")
    return finished


def _back_up_postgresql(engine: Engine, partial: Path) -> None:
    target, env = libpq_target(engine.url)
    # -Fc: custom format (compressed, restorable table by table); one snapshot throughout.
    dump = [client_tool("pg_dump"), "-Fc", "--no-owner", "--no-privileges", "-f", str(partial), target]
    run_tool(dump, env)


# Reading a backup ---------------------------------------------------------------------------


def backup_kind(path: Path) -> str:
    """ "sqlite" or "postgresql", from the file's first bytes."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror}") from exc
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_CUSTOM_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is not a consult backup (neither a SQLite file nor a pg_dump custom archive)")


def backup_revision(path: Path) -> str | None:
    """The schema revision a backup was taken at (None if it has no schema)."""
    if backup_kind(path) == "sqlite":
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        except (sqlite3.Error, TypeError):
            return None
        finally:
            connection.close()
    listing = run_tool(
        [client_tool("pg_restore"), "--data-only", "--table=alembic_version", "-f", "-", str(path)],
        dict(os.environ),
    ).stdout
    match = re.search(r"^COPY \S*alembic_version \(version_num\) FROM stdin;\n([^\n\\]+)\n", listing, re.M)
    return match.group(1) if match else None
