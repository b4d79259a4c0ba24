"""Where a release record is kept: a file beside an export, or the app's database.

`ReleaseFile` (the command line working from an export, `--releases FILE`): the record is
read once, the file locked meanwhile against another run, and replaced whole and atomically
(written beside it, then renamed) only after the output itself is written. A damaged file,
or one of another consultation, is refused and never overwritten.

`DatabaseReleases` (the web app, and the command line working from a database URL): the
tables `release_group` and `release` (migration "release record"), read and added to with
SQLAlchemy Core by table and column name (no Flask, no `consult`). Rows are only ever added;
a release numbered as one recorded meanwhile by another process is refused by the tables'
unique keys, so two outputs made at once cannot both claim to be protected together.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis.releases.record import (
    ReleaseRecord,
    ReleaseRecordError,
    check_structure,
    empty_record,
    from_json,
    group_from_dict,
    group_to_dict,
    release_from_dict,
    release_to_dict,
    to_json,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from questions import Questionnaire

__all__ = ["DatabaseReleases", "ReleaseFile", "replace_atomically"]


def replace_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never half."""
    folder = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(handle, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


class ReleaseFile:
    """A release record in a file (created on the first release recorded)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._seen: tuple[int, int] | None = None
        self._lock: Any = None

    @contextlib.contextmanager
    def locked(self) -> Iterator[ReleaseFile]:
        """Hold a lock beside the file while it is read and written (other runs wait)."""
        import fcntl

        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            handle = open(lock_path, "a")
        except OSError as exc:
            raise ReleaseRecordError(
                f"{self.path}: cannot lock the release record ({exc.strerror})"
            ) from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield self
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()

    def read(self, questionnaire: Questionnaire, consultation: str | None = None) -> ReleaseRecord:
        """The record (an empty one if the file does not exist yet)."""
        if not self.path.exists():
            self._seen = None
            return empty_record(questionnaire, consultation)
        try:
            data = self.path.read_bytes()
            stat = self.path.stat()
        except OSError as exc:
            raise ReleaseRecordError(
                f"{self.path}: cannot read the release record ({exc.strerror})"
            ) from None
        self._seen = (stat.st_mtime_ns, stat.st_size)
        record = from_json(data, questionnaire, source=str(self.path))
        if consultation is not None and record.consultation not in (None, consultation):
            raise ReleaseRecordError(
                f"{self.path}: the release record is of consultation {record.consultation!r}, "
                f"not {consultation!r}"
            )
        if consultation is not None and record.consultation is None:
            record = replace(record, consultation=consultation)
        return record

    def save(self, record: ReleaseRecord) -> None:
        """Replace the file with `record`, unless it changed since it was read."""
        try:
            stat = self.path.stat()
            now: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            now = None
        if now != self._seen:
            raise ReleaseRecordError(f"{self.path}: the release record changed while this output was made")
        try:
            replace_atomically(self.path, to_json(record).encode("utf-8"))
        except OSError as exc:
            raise ReleaseRecordError(
                f"{self.path}: cannot write the release record ({exc.strerror})"
            ) from None


def _pack(value: Any) -> bytes:
    return zlib.compress(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)


def _unpack(data: bytes | memoryview) -> Any:
    return json.loads(zlib.decompress(bytes(data)).decode("utf-8"))


class DatabaseReleases:
    """The release record of one consultation in the app's database."""

    def __init__(self, conn: Connection, consultation_id: int, slug: str) -> None:
        self.conn = conn
        self.consultation_id = consultation_id
        self.slug = slug
        self._read: ReleaseRecord | None = None

    @staticmethod
    def available(conn: Connection) -> bool:
        """Whether the database has the record's tables (an older schema may not)."""
        import sqlalchemy as sa

        inspector = sa.inspect(conn)
        return inspector.has_table("release") and inspector.has_table("release_group")

    def read(self, questionnaire: Questionnaire) -> ReleaseRecord:
        """The record as the tables hold it now."""
        import sqlalchemy as sa

        source = f"the release record of {self.slug}"
        params = {"cid": self.consultation_id}
        groups = self.conn.execute(
            sa.text(
                "SELECT number, parent, made_by, step, versions, counts FROM release_group "
                "WHERE consultation_id = :cid ORDER BY number"
            ),
            params,
        ).all()
        releases = self.conn.execute(
            sa.text(
                "SELECT number, layout, body, figures FROM release "
                "WHERE consultation_id = :cid ORDER BY number"
            ),
            params,
        ).all()
        record = empty_record(questionnaire, self.slug)
        try:
            if any(row.layout != record.layout for row in releases):
                raise ReleaseRecordError(
                    f"{source} was made with other options, categories or questions than the "
                    "questionnaire has now"
                )
            parsed_groups = []
            for row in groups:
                data = {"number": row.number, "parent": row.parent, "made_by": row.made_by, "step": row.step}
                data |= _unpack(row.versions) | {"counts": _unpack(row.counts)}
                parsed_groups.append(group_from_dict(data, questionnaire))
            parsed_releases = [
                release_from_dict(_unpack(row.body) | {"figures": _unpack(row.figures)}) for row in releases
            ]
        except ReleaseRecordError:
            raise
        except (KeyError, TypeError, ValueError, zlib.error) as exc:
            raise ReleaseRecordError(f"{source} is damaged ({type(exc).__name__}: {exc})") from None
        record = check_structure(
            replace(record, groups=tuple(parsed_groups), releases=tuple(parsed_releases)), source
        )
        self._read = record
        return record

    def save(
        self, record: ReleaseRecord, *, since: ReleaseRecord | None = None, made_by: str | None = None
    ) -> None:
        """Add the groups and releases `record` has beyond those of `since` (by default, the
        record this store read); flushed in the caller's transaction. Raises
        `ReleaseRecordError` if another release was recorded meanwhile."""
        import sqlalchemy as sa

        before = (
            since or self._read or ReleaseRecord(record.questionnaire, record.consultation, record.layout)
        )
        known_groups = {g.number for g in before.groups}
        new_groups = [g for g in record.groups if g.number not in known_groups]
        new_releases = record.releases[len(before.releases) :]
        group_table = sa.table(
            "release_group",
            *(
                sa.column(c)
                for c in ("consultation_id", "number", "parent", "made_by", "step", "versions", "counts")
            ),
        )
        release_table = sa.table(
            "release",
            *(
                sa.column(c)
                for c in (
                    "consultation_id",
                    "number",
                    "made_at",
                    "made_by",
                    "output",
                    "format",
                    "threshold",
                    "responses",
                    "layout",
                    "body",
                    "figures",
                )
            ),
        )
        try:
            with self.conn.begin_nested():
                for g in new_groups:
                    data = group_to_dict(g)
                    self.conn.execute(
                        sa.insert(group_table).values(
                            consultation_id=self.consultation_id,
                            number=g.number,
                            parent=g.parent,
                            made_by=g.made_by,
                            step=g.step,
                            versions=_pack({"versions": data["versions"]}),
                            counts=_pack(data["counts"]),
                        )
                    )
                for r in new_releases:
                    data = release_to_dict(r)
                    figures = data.pop("figures")
                    self.conn.execute(
                        sa.insert(release_table).values(
                            consultation_id=self.consultation_id,
                            number=r.number,
                            made_at=_timestamp(r.made_at),
                            made_by=made_by,
                            output=r.output,
                            format=r.format,
                            threshold=r.threshold,
                            responses=r.responses,
                            layout=record.layout,
                            body=_pack(data),
                            figures=_pack(figures),
                        )
                    )
        except sa.exc.IntegrityError:
            raise ReleaseRecordError(
                f"another release of {self.slug} was recorded while this one was made: make it again"
            ) from None


def _timestamp(text: str) -> Any:
    import datetime as dt

    return dt.datetime.fromisoformat(text)
