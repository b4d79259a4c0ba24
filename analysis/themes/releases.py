"""Theme reports as releases: what one published, and what a later one may print.

A theme report (HTML, the one for publication) is recorded per free-text question: the
answers it covered (a digest of each answer's response id and text) and every figure it
printed, keyed by what it is ("base", "theme|<label>|count", "theme|<label>|positive", …,
and for each group "group|<breakdown>|<its categories>|<label>" and "…|base").
A later report of the same question, set against the newest earlier one:

- if from 1 to threshold - 1 answers to the question arrived, changed or went since, the
  question is **not updated**: none of its new figures is printed (the difference would
  show those answers' themes), and the figures published then stand;
- otherwise a theme figure hidden before stays hidden, and one that differs from the value
  printed before by 1 to threshold - 1 is hidden (it would give the themes of that many new
  answers), the rest protected as usual; with the answers unchanged, a figure printed before
  with the same value is printed again (hiding it would protect nothing).

Theme labels may change between runs; a figure is compared only with one of the same label.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from analysis.releases.record import ReleaseRecord
    from analysis.themes.disclosure import ThemeFigures

__all__ = ["QuestionHistory", "answer_versions", "question_histories", "release_themes"]


@dataclass(frozen=True)
class QuestionHistory:
    """The newest earlier release that printed a question's themes, and what changed since."""

    release: int
    arrived: int
    gone: int
    figures: dict[str, int | None]

    def not_updated(self, threshold: int) -> bool:
        return 0 < self.arrived < threshold or 0 < self.gone < threshold

    @property
    def unchanged(self) -> bool:
        return not self.arrived and not self.gone


def answer_versions(answers: pd.DataFrame) -> dict[str, list[str]]:
    """Per question, the digests (hex) of its answers: response id and text together."""
    import pandas as pd

    out: dict[str, list[str]] = {}
    if answers.empty:
        return out
    hashes = pd.util.hash_pandas_object(answers[["response_id", "text"]].astype(str), index=False)
    for question_id, values in hashes.groupby(answers["question_id"].to_numpy()):
        out[str(question_id)] = sorted(f"{int(v):016x}" for v in values.to_numpy())
    return out


def question_histories(record: ReleaseRecord, versions: dict[str, list[str]]) -> dict[str, QuestionHistory]:
    """For each question with answers now, its newest earlier theme release (if any)."""
    out: dict[str, QuestionHistory] = {}
    for release in reversed(record.releases):
        for question_id, data in (release.themes or {}).items():
            if question_id in out or question_id not in versions:
                continue
            before, now = set(data["answers"]), set(versions[question_id])
            out[question_id] = QuestionHistory(
                release=release.number,
                arrived=len(now - before),
                gone=len(before - now),
                figures=dict(data["figures"]),
            )
    return out


def release_themes(figures: ThemeFigures, versions: dict[str, list[str]]) -> dict[str, Any]:
    """What a theme report printed, per question, as the record keeps it."""
    from analysis.themes.disclosure import SENTIMENTS, SUMMARY

    out: dict[str, Any] = {}
    for q in figures.questions.to_dict(orient="records"):
        question_id = str(q["question_id"])
        if question_id in figures.not_updated:
            continue
        printed: dict[str, int | None] = {
            name: None if q[f"{name}_hidden"] else int(q[name]) for name in SUMMARY
        }
        themes = figures.themes[figures.themes["question_id"] == question_id]
        for t in themes.to_dict(orient="records"):
            label = str(t["label"])
            printed[f"theme|{label}|count"] = None if t["suppressed"] else int(t["count"])
            for s in SENTIMENTS:
                printed[f"theme|{label}|{s}"] = None if t[f"{s}_hidden"] else int(t[f"{s}_count"])
        by_group = figures.by_group
        if by_group is not None:
            from analysis.themes.by_group import group_key

            label = dict(zip(themes["theme_id"], themes["label"], strict=True))
            for g in by_group[by_group["question_id"] == question_id].to_dict(orient="records"):
                what = str(label.get(g["theme_id"], g["theme_id"]))
                printed[group_key(g, what)] = None if g["count_hidden"] else int(g["count"])
                printed[group_key(g, "base")] = None if g["base_hidden"] else int(g["base"])
        out[question_id] = {"answers": versions.get(question_id, []), "figures": printed}
    return out
