"""The release record at the command line: `--releases FILE`, or the database's own record.

Every analysis command that writes an output meant for publication (`counts`, `themes`,
`report`) opens the record with `open_release_record`, makes its output against it, writes
the output, and only then adds the release (`RecordSession.record_output`): if the output
cannot be written, nothing is recorded; if the release cannot be recorded, the output just
written is removed, so no file goes out that the record does not know.

- From a database URL the record is the database's (tables `release`, `release_group`);
  `--releases` is refused there, so the same consultation never has two records.
- From an export, `--releases FILE` is the record (made on the first release).
- Without either, the output is protected alone, and stderr and its methods note say so.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from analysis.releases.record import ReleaseRecordError

if TYPE_CHECKING:
    from analysis.releases.record import ReleaseRecord
    from analysis.response_frame import LoadedResponses

__all__ = ["ALONE", "RecordSession", "open_release_record"]

#: What stderr and the methods note say when no record is kept.
ALONE = (
    "only this output is protected: no release record was given (--releases FILE), so figures "
    "published before, at another threshold, with other breakdowns or before late responses, are "
    "not taken into account"
)


@dataclass
class RecordSession:
    """The record this output is made against (None: protected alone), and how to add to it."""

    record: ReleaseRecord | None
    _save: Callable[[ReleaseRecord], None] | None = None
    # Said on stderr once the output is written, when there is no record to add it to.
    warning: str = ""

    def record_output(self, updated: ReleaseRecord | None, written: list[Path]) -> None:
        """Add the release (`updated` is the record with it) now that its files are written;
        if that fails, remove those files and raise. Without a record, say so."""
        if self._save is None or updated is None:
            if self.warning:
                click.echo(f"warning: {self.warning}", err=True)
            return
        try:
            self._save(updated)
        except BaseException:
            for path in written:
                with contextlib.suppress(OSError):
                    path.unlink()
            raise


@contextlib.contextmanager
def open_release_record(
    source: str,
    releases_path: Path | None,
    loaded: LoadedResponses,
    *,
    say: Callable[[str], None],
) -> Iterator[RecordSession]:
    """The record for an output of `loaded` (read from `source`), held while it is made."""
    if "://" in source:
        if releases_path is not None:
            raise ReleaseRecordError("--releases is for exports: a database keeps its own release record")
        with _database_record(source, loaded, say) as session:
            yield session
        return
    if releases_path is None:
        yield RecordSession(None, warning=ALONE)
        return
    from analysis.releases.store import ReleaseFile

    store = ReleaseFile(releases_path)
    with store.locked():
        record = store.read(loaded.questionnaire)
        say(f"release record {releases_path}: {len(record.releases)} earlier releases")
        yield RecordSession(record, store.save)


@contextlib.contextmanager
def _database_record(
    source: str, loaded: LoadedResponses, say: Callable[[str], None]
) -> Iterator[RecordSession]:
    import sqlalchemy as sa

    from analysis.database_source import _safe_url
    from analysis.releases.store import DatabaseReleases

    engine = sa.create_engine(source)
    try:
        with engine.connect() as conn:
            if not DatabaseReleases.available(conn):
                yield RecordSession(
                    None,
                    warning="this database keeps no release record (upgrade it with `consult db upgrade`); "
                    + ALONE.split(":")[0],
                )
                return
            cid = conn.execute(
                sa.text("SELECT id FROM consultation WHERE slug = :slug"), {"slug": loaded.consultation}
            ).scalar_one()
            store = DatabaseReleases(conn, cid, str(loaded.consultation))
            record = store.read(loaded.questionnaire)
            conn.rollback()  # reading done: no transaction held while the output is made
        say(f"release record of {loaded.consultation}: {len(record.releases)} earlier releases")

        def save(updated: ReleaseRecord) -> None:
            with engine.begin() as conn:
                writer = DatabaseReleases(conn, cid, str(loaded.consultation))
                writer.save(updated, since=record, made_by="command line")

        yield RecordSession(record, save)
    except sa.exc.SQLAlchemyError as exc:
        raise ReleaseRecordError(
            f"{_safe_url(source)}: cannot use the release record ({str(exc).splitlines()[0]})"
        ) from None
    finally:
        engine.dispose()
