"""`consult backup` and `consult restore`: a backup taken under load holds every save
acknowledged before it began; restore refuses newer schemas, damaged or incomplete backups,
a database another process has open and, without --force, a database that holds responses.
On SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text

from consult import create_app
from consult.cli import main
from consult.data import backup as backups
from consult.data import consultations, links, responses
from consult.data import restore as restores
from consult.extensions import db
from consult.models import Response
from tests.conftest import (
    TEST_SECRET,
    _postgres_database,
    csrf_token,
    issue_token,
    save_about,
    shown_questions,
)

WRITERS = 4


@contextmanager
def new_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database of `backend` (dropped afterwards for PostgreSQL)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    urls = _postgres_database()
    try:
        yield next(urls)
    finally:
        next(urls, None)


def app_on(url: str) -> Flask:
    return create_app({"TESTING": True, "SECRET_KEY": TEST_SECRET, "SQLALCHEMY_DATABASE_URI": url})


class Writer(threading.Thread):
    """Saves a free-text answer again and again through its own link, noting each acknowledged save."""

    def __init__(self, app: Flask, number: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.app, self.number, self.stop = app, number, stop
        self.token = issue_token(app)
        self.acknowledged: list[int] = []
        self.attempted = -1
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            client = self.app.test_client()
            assert client.get(f"/r/{self.token}").status_code == 303
            page = client.get("/respond/section/principles")
            form = {
                "csrf_token": csrf_token(page.data),
                "shown": shown_questions(page.data),
                "action": "continue",
            }
            i = 0
            while not self.stop.is_set():
                self.attempted = i
                saved = client.post("/respond/section/principles", data={**form, "q3": self.answer(i)})
                assert saved.status_code == 303, saved.data[:300]
                self.acknowledged.append(i)
                i += 1
        except BaseException as exc:  # reported by the test
            self.failure = exc

    def answer(self, i: int) -> str:
        return f"writer {self.number} save {i}"


def stored_answer(app: Flask, token: str) -> str | None:
    with app.app_context():
        consultation = consultations.get_by_slug("taking-stock")
        assert consultation is not None
        key_hash = links.response_key_hash(consultation, token)
        response = db.session.scalar(select(Response).where(Response.key_hash == key_hash))
        return None if response is None else responses.answers(response).get("q3")


def test_a_backup_under_concurrent_saves_restores_every_acknowledged_save(
    app: Flask, backend: str, tmp_path: Path
) -> None:
    stop = threading.Event()
    writers = [Writer(app, n, stop) for n in range(WRITERS)]
    for writer in writers:
        writer.start()
    try:
        deadline = time.monotonic() + 60
        while any(len(w.acknowledged) < 3 for w in writers):
            assert time.monotonic() < deadline and not any(w.failure for w in writers), [
                w.failure for w in writers
            ]
            time.sleep(0.05)
        # Everything acknowledged before the backup starts must be in it.
        before = {w.number: w.acknowledged[-1] for w in writers}
        saves_before = sum(len(w.acknowledged) for w in writers)
        with app.app_context():
            report = backups.back_up(db.engine, tmp_path / "consult.data.backup")
        time.sleep(0.3)  # saves go on after the backup too
    finally:
        stop.set()
        for writer in writers:
            writer.join(timeout=60)
    assert not any(w.failure for w in writers), [w.failure for w in writers]
    assert sum(len(w.acknowledged) for w in writers) > saves_before  # it really was under load
    head, _ = backups.known_revisions()
    assert report.backend == backend and report.revision == head

    with new_database(backend, tmp_path) as url:
        restored_app = app_on(url)
        with restored_app.app_context():
            assert restores.restore(db.engine, report.path).revision == head
        for writer in writers:
            answer = stored_answer(restored_app, writer.token)
            assert answer is not None, f"writer {writer.number}: the response is missing"
            saved = int(answer.rsplit(" ", 1)[1])
            # The backup is one moment: at or after the last save acknowledged before it began,
            # and never a save that was not made.
            assert before[writer.number] <= saved <= writer.attempted, (writer.number, before, saved)
        with restored_app.app_context():
            db.engine.dispose()


def test_restore_refuses_a_backup_from_a_newer_schema(app: Flask, tmp_path: Path) -> None:
    with app.app_context():
        head, _ = backups.known_revisions()
        db.session.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
        db.session.commit()
        try:
            backups.back_up(db.engine, tmp_path / "future.backup")
        finally:
            db.session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
            db.session.commit()
    result = app.test_cli_runner().invoke(main, ["restore", str(tmp_path / "future.backup"), "--force"])
    assert result.exit_code == 1
    assert "schema revision 9999_future, which this version of consult does not know" in result.output


def test_restore_never_overwrites_responses_unless_forced(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    out = tmp_path / "empty.backup"
    taken = runner.invoke(main, ["backup", "--out", str(out)])
    assert taken.exit_code == 0, taken.output
    assert "Backed up the" in taken.output and out.stat().st_mode & 0o077 == 0
    client = app.test_client()
    client.get(f"/r/{issue_token(app)}")
    save_about(client, {"role": "Leader", "organisation_type": "County", "region": "Wales",
                        "consent_to_be_named": "no"})  # fmt: skip
    refused = runner.invoke(main, ["restore", str(out)])
    assert refused.exit_code == 1 and "already holds 1 responses" in refused.output
    with app.app_context():
        assert backups.responses_held(db.engine) == 1  # untouched
    forced = runner.invoke(main, ["restore", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    with app.app_context():
        assert backups.responses_held(db.engine) == 0
        assert consultations.get_by_slug("taking-stock") is not None


def test_a_file_that_is_not_a_backup_or_of_the_other_database_is_refused(
    app: Flask, backend: str, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup at all")
    with app.app_context(), pytest.raises(backups.BackupError, match="not a consult backup"):
        restores.restore(db.engine, junk)
    other = tmp_path / "other.backup"
    other.write_bytes(backups.PG_CUSTOM_MAGIC if backend == "sqlite" else backups.SQLITE_MAGIC)
    with app.app_context(), pytest.raises(backups.BackupError, match="the configured database is"):
        restores.restore(db.engine, other)


def test_postgresql_without_its_client_tools_says_what_to_install(
    app: Flask, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backups.shutil, "which", lambda name: None)
    with app.app_context():
        if backend == "sqlite":  # needs no tools
            assert backups.back_up(db.engine, tmp_path / "x.backup").backend == "sqlite"
            return
        with pytest.raises(backups.BackupError, match="pg_dump was not found: install the PostgreSQL client"):
            backups.back_up(db.engine, tmp_path / "x.backup")
    assert not list(tmp_path.iterdir())  # no partial file left behind


# Damaged backups and a database in use --------------------------------------------------------


@contextmanager
def filled_database(backend: str, tmp_path: Path, entries: int = 1500) -> Iterator[Flask]:
    """An app on a new migrated database holding Taking Stock, one response and `entries`
    audit entries (so a backup has data pages throughout, not only schema)."""
    from flask_migrate import upgrade

    from consult.data import audit

    with new_database(backend, tmp_path) as url:
        filled = app_on(url)
        with filled.app_context():
            upgrade()
            consultations.ensure_consultation("taking-stock")
            for i in range(entries):
                audit.record("exported", f"officer{i}@lga.example", f"entry {i} " + "detail " * 12)
            db.session.commit()
        client = filled.test_client()
        client.get(f"/r/{issue_token(filled)}")
        save_about(client, {"role": "Leader", "organisation_type": "County", "region": "Wales",
                            "consent_to_be_named": "no"})  # fmt: skip
        try:
            yield filled
        finally:
            with filled.app_context():
                db.engine.dispose()


def audit_entries(app: Flask) -> int:
    from consult.models import AuditEvent

    with app.app_context():
        count = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
        db.session.remove()
        db.engine.dispose()
        return int(count or 0)


def assert_intact(app: Flask, backend: str, entries: int) -> None:
    assert audit_entries(app) == entries
    with app.app_context():
        assert backups.responses_held(db.engine) == 1
        if backend == "sqlite":
            checked = db.session.execute(text("PRAGMA integrity_check")).scalar()
            assert checked == "ok"
        db.session.remove()
        db.engine.dispose()


def test_a_backup_damaged_in_the_middle_is_refused_and_the_data_kept(backend: str, tmp_path: Path) -> None:
    with filled_database(backend, tmp_path) as filled:
        out = tmp_path / "damaged.backup"
        with filled.app_context():
            backups.back_up(db.engine, out)
        entries = audit_entries(filled)
        data = bytearray(out.read_bytes())
        middle = len(data) // 2 // 4096 * 4096  # a whole page of SQLite's, 4 KiB of a dump
        assert middle > 4096
        data[middle : middle + 4096] = bytes(range(256)) * 16
        out.write_bytes(bytes(data))
        result = filled.test_cli_runner().invoke(main, ["restore", str(out), "--force"])
        assert result.exit_code == 1
        assert "is damaged" in result.output and "Nothing was changed" in result.output, result.output
        assert_intact(filled, backend, entries)


def test_a_truncated_backup_is_refused_as_incomplete(backend: str, tmp_path: Path) -> None:
    with filled_database(backend, tmp_path) as filled:
        out = tmp_path / "truncated.backup"
        with filled.app_context():
            backups.back_up(db.engine, out)
        entries = audit_entries(filled)
        out.write_bytes(out.read_bytes()[: out.stat().st_size // 2])
        result = filled.test_cli_runner().invoke(main, ["restore", str(out), "--force"])
        assert result.exit_code == 1
        expected = "is incomplete" if backend == "sqlite" else "is damaged or incomplete"
        assert expected in result.output and "holds no consult schema" not in result.output, result.output
        assert_intact(filled, backend, entries)


def test_restore_refuses_while_another_connection_holds_the_database(backend: str, tmp_path: Path) -> None:
    import sqlalchemy as sa

    with filled_database(backend, tmp_path) as filled:
        out = tmp_path / "good.backup"
        with filled.app_context():
            backups.back_up(db.engine, out)
            url = db.engine.url
        entries = audit_entries(filled)
        serving = sa.create_engine(url)  # the app, still running in another process
        try:
            with serving.connect() as connection:
                connection.execute(text("SELECT count(*) FROM audit_event")).scalar()
                result = filled.test_cli_runner().invoke(main, ["restore", str(out), "--force"])
                assert result.exit_code == 1
                assert "stop the app" in result.output and "first" in result.output, result.output
        finally:
            serving.dispose()
        assert_intact(filled, backend, entries)
        # With the app stopped, the same backup restores, replacing the database.
        before = database_identity(filled, backend)
        restored = filled.test_cli_runner().invoke(main, ["restore", str(out), "--force"])
        assert restored.exit_code == 0, restored.output
        assert_intact(filled, backend, entries)
        # A new database was swapped in, and the replaced one kept only until it was proven.
        assert database_identity(filled, backend) != before
        if backend == "sqlite":
            leftovers = [p.name for p in Path(url.database).parent.iterdir() if "replaced" in p.name]
        else:
            admin = sa.create_engine(url.set(database="postgres"))
            with admin.connect() as connection:
                leftovers = connection.execute(
                    text("SELECT datname FROM pg_database WHERE datname LIKE :like"),
                    {"like": f"{url.database[:39]}_%"},
                ).scalars().all()
            admin.dispose()
        assert leftovers == []


def database_identity(app: Flask, backend: str) -> int:
    """The database file's inode (SQLite) or the database's oid (PostgreSQL)."""
    with app.app_context():
        if backend == "sqlite":
            identity = Path(db.engine.url.database).stat().st_ino
        else:
            identity = db.session.execute(
                text("SELECT oid FROM pg_database WHERE datname = current_database()")
            ).scalar_one()
        db.session.remove()
        db.engine.dispose()
    return int(identity)


def test_a_restored_database_that_fails_its_upgrade_is_swapped_back(backend: str, tmp_path: Path) -> None:
    import sqlalchemy as sa

    def failing_upgrade() -> None:
        raise RuntimeError("migration 0011 failed")

    with filled_database(backend, tmp_path) as filled:
        out = tmp_path / "good.backup"
        with filled.app_context():
            backups.back_up(db.engine, out)
            url = db.engine.url
        entries = audit_entries(filled)
        before = database_identity(filled, backend)
        with filled.app_context(), pytest.raises(backups.BackupError) as refused:
            restores.restore(db.engine, out, force=True, bring_up_to_date=failing_upgrade)
        message = str(refused.value)
        assert "migration 0011 failed" in message and "the database is as it was" in message
        assert database_identity(filled, backend) == before  # the replaced database is back
        assert_intact(filled, backend, entries)
        # The failed copy is kept for inspection, under a name that says so.
        if backend == "sqlite":
            failed = [p for p in Path(url.database).parent.iterdir() if "restore-failed" in p.name]
            assert len(failed) == 1
        else:
            admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                failed = connection.execute(
                    text("SELECT datname FROM pg_database WHERE datname LIKE :like"),
                    {"like": f"{url.database[:39]}_failed_%"},
                ).scalars().all()
                assert len(failed) == 1
                connection.exec_driver_sql(f'DROP DATABASE "{failed[0]}"')
            admin.dispose()


def test_without_the_right_to_rename_databases_postgresql_restores_in_place(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend != "postgresql":
        pytest.skip("renaming databases is PostgreSQL's")
    from consult.data import restore_postgresql

    monkeypatch.setattr(restore_postgresql, "_may_swap", lambda engine: False)
    with filled_database(backend, tmp_path) as filled:
        out = tmp_path / "good.backup"
        with filled.app_context():
            backups.back_up(db.engine, out)
        entries = audit_entries(filled)
        before = database_identity(filled, backend)
        restored = filled.test_cli_runner().invoke(main, ["restore", str(out), "--force"])
        assert restored.exit_code == 0, restored.output
        assert database_identity(filled, backend) == before  # the same database, its data replaced
        assert_intact(filled, backend, entries)
