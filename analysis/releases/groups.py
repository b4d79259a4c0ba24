"""Response versions and the counts of groups of responses, at the finest level.

A response's *version* is a 64-bit digest of its id and of everything in it that counts
(role, organisation type, region, channel and every single-choice answer): the same
response saying the same things has the same version in every export and database read.
Releases record the versions they covered, so a later release knows which responses are
new, changed or gone since.

A group's counts are kept per single-choice question as one table: a row (*slot*) for all
respondents and for every category of every breakdown ("Not stated" included), a column
for each option, "Not answered", asked and answered. Any segment a release shows is a sum
of slots, so these tables serve every threshold and every choice of breakdowns.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from analysis.counts.rows import ALL_RESPONDENTS, NOT_ANSWERED, NOT_STATED, asked_mask
from analysis.response_frame import SEGMENT_COLUMNS

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from questions import Questionnaire

__all__ = [
    "ANSWERED",
    "ASKED",
    "group_counts",
    "layout_signature",
    "positions",
    "response_versions",
    "slots",
    "versions_digest",
]

ASKED = "asked"
ANSWERED = "answered"


def slots(questionnaire: Questionnaire) -> list[tuple[str, str]]:
    """(breakdown, category) of every slot: ("all", "All respondents") first, then each
    breakdown's categories in the questionnaire's order, each followed by "Not stated"."""
    from analysis.response_frame import CHANNELS

    profile = questionnaire.profile
    categories = {
        "role": profile.roles,
        "organisation_type": profile.organisation_types,
        "region": profile.regions,
        "channel": CHANNELS,
    }
    out = [("all", ALL_RESPONDENTS)]
    for column in SEGMENT_COLUMNS:
        out += [(column, str(c)) for c in categories[column]] + [(column, NOT_STATED)]
    return out


def positions(options: tuple[str, ...] | list[str]) -> list[str]:
    """A question's columns: its options, "Not answered", asked, answered."""
    return [*options, NOT_ANSWERED, ASKED, ANSWERED]


def layout_signature(questionnaire: Questionnaire) -> str:
    """A digest of the slots and every single-choice question's options: a record made
    under another layout cannot be read against this questionnaire."""
    text = repr(
        (
            slots(questionnaire),
            [(q.id, list(q.options)) for q in questionnaire.questions if q.is_single_choice],
        )
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _column_hash(series: pd.Series) -> np.ndarray:
    """A stable 64-bit hash of each value (missing values hash alike). A categorical column is
    hashed per category and indexed by code: a million rows cost one array lookup."""
    import numpy as np
    import pandas as pd

    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = np.asarray([str(c) for c in series.cat.categories] + ["\x00missing"], dtype=object)
        table = pd.util.hash_array(categories).astype(np.uint64)
        codes = series.cat.codes.to_numpy().astype(np.int64)
        codes[codes < 0] = len(categories) - 1
        return table[codes]
    values = series.astype(object).where(series.notna(), "\x00missing").astype(str).to_numpy()
    # Ids are (nearly) all different: hashing each directly beats finding the distinct ones first.
    return pd.util.hash_array(values, categorize=False).astype(np.uint64)


def response_ids(responses: pd.DataFrame) -> np.ndarray:
    """One uint64 per response: its id, hashed."""
    return _column_hash(responses["response_id"])


def response_versions(
    responses: pd.DataFrame, questionnaire: Questionnaire, ids: np.ndarray | None = None
) -> np.ndarray:
    """One uint64 per response: its id and every value that counts, hashed together (`ids`:
    `response_ids`, if already worked out)."""
    import numpy as np

    out = response_ids(responses) if ids is None else ids.copy()
    columns = [
        *SEGMENT_COLUMNS,
        *(q.id for q in questionnaire.questions if q.is_single_choice and q.id in responses.columns),
    ]
    with np.errstate(over="ignore"):
        for column in columns:
            out = out * np.uint64(1_000_003) + _column_hash(responses[column])
    return out


def versions_digest(versions: np.ndarray) -> str:
    """SHA-256 of the sorted versions: two releases covered the same responses, saying the
    same things, exactly when their digests agree."""
    import numpy as np

    return hashlib.sha256(np.sort(versions).astype("<u8").tobytes()).hexdigest()


def group_counts(
    responses: pd.DataFrame, questionnaire: Questionnaire, group: np.ndarray, n_groups: int
) -> dict[str, np.ndarray]:
    """Per single-choice question, an int64 array (n_groups, slots, positions) of counts.

    `group` gives each response's group number (0 … n_groups - 1). Vectorised: one
    `numpy.bincount` per question and breakdown.
    """
    import numpy as np

    layout = slots(questionnaire)
    offsets: dict[str, int] = {}
    for i, (column, _) in enumerate(layout):
        offsets.setdefault(column, i)
    slot_codes = []
    for column in SEGMENT_COLUMNS:
        codes = responses[column].cat.codes.to_numpy().astype(np.int64)
        width = len(responses[column].cat.categories)
        codes[codes < 0] = width  # "Not stated"
        slot_codes.append(codes + offsets[column])
    n_slots = len(layout)
    group = np.asarray(group, dtype=np.int64)
    out: dict[str, np.ndarray] = {}
    for question in questionnaire.questions:
        if not question.is_single_choice or question.id not in responses.columns:
            continue
        k = len(question.options)
        answer = responses[question.id].cat.codes.to_numpy().astype(np.int64)
        answer[answer < 0] = k
        answer[~asked_mask(responses, questionnaire, question)] = k + 1
        grid = np.zeros((n_groups, n_slots, k + 2), dtype=np.int64)
        for codes in [np.zeros(len(responses), dtype=np.int64), *slot_codes]:
            flat = np.bincount(
                (group * n_slots + codes) * (k + 2) + answer, minlength=n_groups * n_slots * (k + 2)
            )
            grid += flat.reshape(n_groups, n_slots, k + 2)
        table = np.zeros((n_groups, n_slots, k + 3), dtype=np.int64)
        table[:, :, : k + 1] = grid[:, :, : k + 1]
        table[:, :, k + 1] = grid[:, :, : k + 1].sum(axis=2)
        table[:, :, k + 2] = grid[:, :, :k].sum(axis=2)
        out[question.id] = table
    return out
