"""The release record: every release of one consultation, and the groups of responses they covered.

Groups: the responses a release covered form a group; when later responses arrive, change
or go, a group is split into the part still there and the part gone, and the newcomers
form a new group. So every release covers a set of groups (*leaves* of the splits), and
every figure it published is a sum of the groups' counts. A group that some releases
covered and others did not (late responses, or old versions of changed ones) is a
*difference group*: a reader holding two releases may try to read its figures.

Serialised as JSON (`to_json`, `from_json`), checked on reading: a damaged record, one of
another questionnaire or consultation, or one made under another layout is refused with a
`ReleaseRecordError` saying why.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from analysis.errors import AnalysisError
from analysis.releases.groups import (
    group_counts,
    layout_signature,
    positions,
    response_ids,
    response_versions,
    slots,
    versions_digest,
)

if TYPE_CHECKING:
    import numpy as np

    from analysis.response_frame import LoadedResponses
    from questions import Questionnaire

__all__ = [
    "FORMAT",
    "Coverage",
    "Figure",
    "Group",
    "Release",
    "ReleaseRecord",
    "ReleaseRecordError",
    "empty_record",
]

FORMAT = "consult-release-record"
VERSION = 1
WARNING = (
    "Working file holding exact counts of groups of responses: keep it with the export, never publish it."
)
# (question id, position, breakdown, segment members, published value or None if hidden)
Figure = tuple[str, str, str, tuple[str, ...], int | None]
_SKETCH = 16  # response-id digests kept per release, to tell another consultation's record


class ReleaseRecordError(AnalysisError):
    """A release record that cannot be used: damaged, another consultation's, or changed meanwhile."""


@dataclass(frozen=True)
class Group:
    """A group of response versions: `counts` per question, shape (slots, positions)."""

    number: int
    parent: int | None
    made_by: int  # the release that made the group (0: none yet)
    versions: np.ndarray  # sorted uint64
    counts: dict[str, np.ndarray]
    step: float  # the protection its figures need, as a difference group

    @property
    def responses(self) -> int:
        return len(self.versions)


@dataclass(frozen=True)
class Release:
    """One output as published: what, when, at which threshold, over which responses."""

    number: int
    made_at: str
    output: str
    format: str
    file: str
    threshold: int
    breakdowns: tuple[str, ...]
    show_zeros: bool
    responses: int
    digest: str
    groups: tuple[int, ...]
    id_sketch: tuple[str, ...]
    figures: tuple[Figure, ...]
    themes: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def step(self) -> float:
        return self.threshold / 2


@dataclass(frozen=True)
class ReleaseRecord:
    """Every release of one consultation (`releases`, oldest first) and their groups."""

    questionnaire: str
    consultation: str | None
    layout: str
    groups: tuple[Group, ...] = ()
    releases: tuple[Release, ...] = ()

    def leaves(self) -> list[Group]:
        """Groups not split further: every response version ever covered is in exactly one."""
        parents = {g.parent for g in self.groups if g.parent is not None}
        return [g for g in self.groups if g.number not in parents]

    def covered_leaves(self, release: Release) -> set[int]:
        """The leaf groups `release` covered (its groups, or the parts they were split into)."""
        parent = {g.number: g.parent for g in self.groups}
        wanted = set(release.groups)
        out = set()
        for leaf in self.leaves():
            n: int | None = leaf.number
            while n is not None and n not in wanted:
                n = parent.get(n)
            if n is not None:
                out.add(leaf.number)
        return out

    def cover(self, loaded: LoadedResponses, threshold: int) -> Coverage:
        """Split the groups by the responses of `loaded` and count the newcomers' group.

        Checks first that the record belongs to these responses: same questionnaire and
        layout, and (if anything was released) some of the responses released before are
        among them."""
        import numpy as np

        questionnaire = loaded.questionnaire
        ids = response_ids(loaded.responses)
        self.check(questionnaire, loaded, ids)
        versions = response_versions(loaded.responses, questionnaire, ids)
        leaves = self.leaves()
        next_number = max((g.number for g in self.groups), default=0) + 1
        release_number = len(self.releases) + 1
        # Which leaf each current response's version belongs to (-1: a newcomer).
        owner = np.full(len(versions), -1, dtype=np.int64)
        if leaves:
            known = np.concatenate([g.versions for g in leaves])
            label = np.concatenate([np.full(len(g.versions), i) for i, g in enumerate(leaves)])
            order = np.argsort(known, kind="stable")
            known, label = known[order], label[order]
            if len(known):
                # Sorted queries into a sorted array: each search starts near the last.
                order = np.argsort(versions, kind="stable")
                queries = versions[order]
                where = np.clip(np.searchsorted(known, queries), 0, len(known) - 1)
                match = known[where] == queries
                owner[order[match]] = label[where[match]]
        present_groups: list[int] = []  # index into `leaves`, or -1 for the newcomers
        for i, _ in enumerate(leaves):
            if (owner == i).any():
                present_groups.append(i)
        newcomers = bool((owner < 0).any())
        codes = np.zeros(len(versions), dtype=np.int64)
        for position, i in enumerate(present_groups):
            codes[owner == i] = position
        if newcomers:
            codes[owner < 0] = len(present_groups)
        n_current = len(present_groups) + int(newcomers)
        counts = group_counts(loaded.responses, questionnaire, codes, n_current)
        groups = list(self.groups)
        current: list[int] = []
        made: list[int] = []
        for position, i in enumerate(present_groups):
            leaf = leaves[i]
            mine = {q: c[position] for q, c in counts.items()}
            present = np.sort(versions[owner == i])
            if len(present) == len(leaf.versions):
                if any(not np.array_equal(mine[q], leaf.counts[q]) for q in mine):
                    raise ReleaseRecordError(
                        "the release record does not match these responses (a group's counts differ)"
                    )
                current.append(leaf.number)
                continue
            kept = Group(next_number, leaf.number, release_number, present, mine, threshold / 2)
            gone_versions = np.setdiff1d(leaf.versions, present, assume_unique=True)
            gone_counts = {q: leaf.counts[q] - mine[q] for q in mine}
            gone = Group(
                next_number + 1, leaf.number, release_number, gone_versions, gone_counts, threshold / 2
            )
            groups += [kept, gone]
            current.append(kept.number)
            made += [kept.number, gone.number]
            next_number += 2
        # A leaf wholly gone (every response in it changed or withdrawn) stays as it is.
        if newcomers:
            mine = {q: c[len(present_groups)] for q, c in counts.items()}
            group = Group(
                next_number, None, release_number, np.sort(versions[owner < 0]), mine, threshold / 2
            )
            groups.append(group)
            current.append(group.number)
            made.append(group.number)
        record = replace(self, groups=tuple(groups))
        return Coverage(
            record=record,
            current=tuple(current),
            made=tuple(made),
            responses=len(versions),
            digest=versions_digest(versions),
            id_sketch=_id_sketch(ids),
        )

    def check(
        self,
        questionnaire: Questionnaire,
        loaded: LoadedResponses | None = None,
        ids: np.ndarray | None = None,
    ) -> None:
        """Refuse a record of another questionnaire, layout or consultation (see `cover`)."""
        if self.questionnaire != questionnaire.slug:
            raise ReleaseRecordError(
                f"the release record is of questionnaire {self.questionnaire!r}, not {questionnaire.slug!r}"
            )
        if self.layout != layout_signature(questionnaire):
            raise ReleaseRecordError(
                "the release record was made with other options, categories or questions than this "
                "questionnaire has"
            )
        if loaded is None or not self.releases or loaded.responses.empty:
            return
        import numpy as np

        ids = response_ids(loaded.responses) if ids is None else ids
        sketch = {int(h, 16) for r in self.releases for h in r.id_sketch}
        # A few digests against every id: one comparison pass each, no sorting of the ids.
        if sketch and not any(bool((ids == np.uint64(h)).any()) for h in sketch):
            raise ReleaseRecordError(
                "the release record is from another consultation: none of the responses it "
                "released is among these"
            )

    def figures_published(self) -> int:
        return sum(1 for r in self.releases for f in r.figures if f[4] is not None)


@dataclass(frozen=True)
class Coverage:
    """The record with its groups split by the current responses, and the groups those are."""

    record: ReleaseRecord
    current: tuple[int, ...]  # leaf groups the current responses are in
    made: tuple[int, ...]  # groups made now (newcomers, and both parts of each split)
    responses: int
    digest: str
    id_sketch: tuple[str, ...]

    def with_release(self, release: Release) -> ReleaseRecord:
        """The record with `release` (numbered next) added."""
        return replace(self.record, releases=(*self.record.releases, release))

    def next_release(self, **fields: Any) -> Release:
        """A `Release` numbered next, covering the current groups, made now."""
        return Release(
            number=len(self.record.releases) + 1,
            made_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            responses=self.responses,
            digest=self.digest,
            groups=self.current,
            id_sketch=self.id_sketch,
            **fields,
        )


def _id_sketch(ids: np.ndarray) -> tuple[str, ...]:
    """The smallest few id digests: enough to tell another consultation's responses."""
    import numpy as np

    small = np.unique(np.partition(ids, min(_SKETCH, len(ids) - 1))[:_SKETCH]) if len(ids) else ids
    return tuple(f"{int(h):016x}" for h in np.sort(small)[:_SKETCH])


def empty_record(questionnaire: Questionnaire, consultation: str | None = None) -> ReleaseRecord:
    """A record with no release yet."""
    return ReleaseRecord(questionnaire.slug, consultation, layout_signature(questionnaire))


# ---- JSON ----------------------------------------------------------------------------


def group_to_dict(group: Group) -> dict[str, Any]:
    import numpy as np

    return {
        "number": group.number,
        "parent": group.parent,
        "made_by": group.made_by,
        "step": group.step,
        "versions": base64.b64encode(np.asarray(group.versions, dtype="<u8").tobytes()).decode("ascii"),
        "counts": {q: c.ravel().tolist() for q, c in group.counts.items()},
    }


def release_to_dict(release: Release) -> dict[str, Any]:
    return {
        "number": release.number,
        "made_at": release.made_at,
        "output": release.output,
        "format": release.format,
        "file": release.file,
        "threshold": release.threshold,
        "breakdowns": list(release.breakdowns),
        "show_zeros": release.show_zeros,
        "responses": release.responses,
        "digest": release.digest,
        "groups": list(release.groups),
        "id_sketch": list(release.id_sketch),
        "summary": release.summary,
        "figures": [[q, p, b, list(m), v] for q, p, b, m, v in release.figures],
        "themes": release.themes,
    }


def group_from_dict(g: dict[str, Any], questionnaire: Questionnaire) -> Group:
    """Raises KeyError, TypeError or ValueError if `g` is not a group's dict."""
    import numpy as np

    n_slots = len(slots(questionnaire))
    shapes = {q.id: len(positions(q.options)) for q in questionnaire.questions if q.is_single_choice}
    versions = np.frombuffer(base64.b64decode(g["versions"], validate=True), dtype="<u8").astype(np.uint64)
    counts = {
        q: np.asarray(flat, dtype=np.int64).reshape(n_slots, shapes[q]) for q, flat in g["counts"].items()
    }
    return Group(int(g["number"]), g["parent"], int(g["made_by"]), versions, counts, float(g["step"]))


def release_from_dict(r: dict[str, Any]) -> Release:
    """Raises KeyError, TypeError or ValueError if `r` is not a release's dict."""
    return Release(
        number=int(r["number"]),
        made_at=str(r["made_at"]),
        output=str(r["output"]),
        format=str(r["format"]),
        file=str(r["file"]),
        threshold=int(r["threshold"]),
        breakdowns=tuple(str(b) for b in r["breakdowns"]),
        show_zeros=bool(r["show_zeros"]),
        responses=int(r["responses"]),
        digest=str(r["digest"]),
        groups=tuple(int(n) for n in r["groups"]),
        id_sketch=tuple(str(h) for h in r["id_sketch"]),
        figures=tuple(
            (str(q), str(p), str(b), tuple(str(x) for x in m), None if v is None else int(v))
            for q, p, b, m, v in r["figures"]
        ),
        themes=dict(r.get("themes") or {}),
        summary=dict(r.get("summary") or {}),
    )


def check_structure(record: ReleaseRecord, source: str) -> ReleaseRecord:
    """`record` if its groups and releases fit together, else a `ReleaseRecordError`."""
    groups, releases = record.groups, record.releases
    numbers = {g.number for g in groups}
    if (
        len(numbers) != len(groups)
        or any(g.parent is not None and g.parent not in numbers for g in groups)
        or any(n not in numbers for r in releases for n in r.groups)
        or [r.number for r in releases] != list(range(1, len(releases) + 1))
    ):
        raise ReleaseRecordError(
            f"{source}: damaged release record (its groups or releases do not fit together)"
        )
    return record


def to_json(record: ReleaseRecord) -> str:
    """The record as JSON text (versions as base64 of little-endian uint64)."""
    body = {
        "format": FORMAT,
        "version": VERSION,
        "warning": WARNING,
        "questionnaire": record.questionnaire,
        "consultation": record.consultation,
        "layout": record.layout,
        "groups": [group_to_dict(g) for g in record.groups],
        "releases": [release_to_dict(r) for r in record.releases],
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def from_json(text: str | bytes, questionnaire: Questionnaire, *, source: str) -> ReleaseRecord:
    """Read a record written by `to_json`, checking its shape; `source` names it in errors."""
    try:
        body = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReleaseRecordError(f"{source}: damaged release record (not JSON: {exc})") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise ReleaseRecordError(f"{source}: not a release record")
    if body.get("version") != VERSION:
        raise ReleaseRecordError(f"{source}: release record version {body.get('version')!r} is not supported")
    try:
        record = ReleaseRecord(str(body["questionnaire"]), body["consultation"], str(body["layout"]))
        record.check(questionnaire)
        record = replace(
            record,
            groups=tuple(group_from_dict(g, questionnaire) for g in body["groups"]),
            releases=tuple(release_from_dict(r) for r in body["releases"]),
        )
    except ReleaseRecordError as exc:
        raise ReleaseRecordError(f"{source}: {exc}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ReleaseRecordError(f"{source}: damaged release record ({type(exc).__name__}: {exc})") from None
    return check_structure(record, source)
