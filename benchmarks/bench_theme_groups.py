"""Benchmark: theme counts by group, counted and protected with the theme counts.

    .venv/bin/python benchmarks/bench_theme_groups.py                  # 500, 2,000, 10,000 answers
    .venv/bin/python benchmarks/bench_theme_groups.py --answers 2000 --themes 12 --runs 3

Synthetic assignments of one free-text question: answers spread over the Taking Stock roles,
organisation types and regions with skewed weights (so some groups are small and merged, and
some theme-group cells are small), each answer raising one theme and a fifth of them a second.
Timed: `theme_counts_by_group` (counting, merging) and `protect_theme_tables` (the cell
suppression over the theme counts and every group table). Prints seconds and how many group
figures were hidden (primary, and secondary of 10 or more).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from analysis.themes.by_group import protect_theme_tables, theme_counts_by_group
from questions import load_questionnaire


def assignments(answers: int, themes: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    profile = load_questionnaire("taking-stock").profile
    columns = {}
    for name, values in (
        ("role", profile.roles),
        ("organisation_type", profile.organisation_types),
        ("region", profile.regions),
    ):
        weights = rng.pareto(1.5, len(values)) + 0.05
        columns[name] = pd.Categorical(
            rng.choice(list(values), size=answers, p=weights / weights.sum()), categories=list(values)
        )
    frame = pd.DataFrame({"response_id": [f"r{i}" for i in range(answers)], **columns})
    popularity = rng.pareto(1.2, themes) + 0.1
    first = rng.choice(themes, size=answers, p=popularity / popularity.sum())
    second = (first + 1 + rng.integers(0, themes - 1, size=answers)) % themes
    extra = rng.random(answers) < 0.2
    rows = pd.concat(
        [frame.assign(theme_id=first), frame[extra].assign(theme_id=second[extra])], ignore_index=True
    )
    return rows.assign(question_id="q3")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, nargs="+", default=[500, 2_000, 10_000])
    parser.add_argument("--themes", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    heads = ("answers", 8), ("themes", 6), ("count s", 8), ("protect s", 9), ("figures", 8), ("hidden", 7)
    print(" ".join(f"{h:>{w}}" for h, w in heads), f"{'10+ hidden':>10}")
    for n in args.answers:
        for run in range(args.runs):
            frame = assignments(n, args.themes, seed=run)
            start = time.perf_counter()
            by_group = theme_counts_by_group(frame, merge_below=10)
            counted = time.perf_counter()
            totals = frame.groupby("theme_id").size()
            themes = pd.DataFrame({"question_id": "q3", "theme_id": totals.index, "count": totals.to_numpy()})
            _, protected = protect_theme_tables(themes, by_group, 10, {"q3": n})
            done = time.perf_counter()
            assert protected is not None
            large_hidden = int((protected["count_hidden"] & (protected["count"] >= 10)).sum())
            hidden = int(protected["count_hidden"].sum())
            print(
                f"{n:>8,} {args.themes:>6} {counted - start:>8.2f} {done - counted:>9.2f} "
                f"{len(protected):>8,} {hidden:>7,} {large_hidden:>10,}"
            )


if __name__ == "__main__":
    main()
