"""Benchmark: how much disclosure control hides, on a small skewed export and a realistic one.

    .venv/bin/python benchmarks/bench_disclosure_loss.py
    .venv/bin/python benchmarks/bench_disclosure_loss.py --by region role organisation_type channel
    .venv/bin/python benchmarks/bench_disclosure_loss.py --audit     # also attack every output by LP
    .venv/bin/python benchmarks/bench_disclosure_loss.py --bound     # and a lower bound on "all"

Two exports are generated deterministically (the disclosure tests' generators, fixed seeds):

- "900 skewed": `tests.analysis.realistic.small_skewed_rows` — 900 responses, skewed roles
  and regions, a region of 1 (Wales), one of 2 (North East), an empty one, an organisation type
  of 4, follow-up questions, 10% blank answers, a few blank roles and regions;
- "2,400 realistic": `tests.analysis.realistic.realistic_rows` — 2,400 responses, a region of
  3 (Wales), an option nobody chose.

Each is counted as `consult-analysis counts EXPORT --by region --by role` does (threshold 10),
and the loss printed against the targets (at most 10% of the counts of 10 or more hidden, at
most 12% of all figures of 10 or more):

- "counts": options and "Not answered" of 10 or more, share hidden;
- "all": counts, bases (asked) and numbers answered of 10 or more, share hidden;
- "folded": figures of 10 or more of segments not shown because they were folded into a
  combined group (they are lost too, though not "hidden"); counted into "all+folded";
- "distinct": "all" with each figure printed in several tables counted once (a segment's
  size is the number asked of every question asked of everyone; a follow-up's number asked
  is its parent's count of the answers leading to it);
- the large figures hidden, by kind (option, not answered, asked, answered);
- the time spent (one process, after imports).

With --audit, the independent attacker of the tests (`tests/analysis/disclosure_audit.py`)
solves the LP of every hidden figure and the script prints how many it narrowed below half the
threshold and how many figures from 1 to 9 are published (both must be 0).

With --bound, it also prints the fewest figures of 10 or more that any pattern can hide under
the same rules (`benchmarks/disclosure_bound.py`, two floors: the second is stronger): a floor
no method can go below.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

THRESHOLD = 10


def exports() -> dict[str, list[dict[str, str]]]:
    """The two exports' rows, by name (deterministic)."""
    from tests.analysis.realistic import realistic_rows, small_skewed_rows

    return {"900 skewed": small_skewed_rows(), "2,400 realistic": realistic_rows()}


def folded_large(rows: list[dict[str, str]], by: tuple[str, ...], merged: dict[str, tuple[str, ...]]) -> int:
    """Figures of 10 or more that the folded segments of `merged` would have had on their own
    (every single-choice question's options, not answered, asked and answered) — only for
    segments of the threshold or more: smaller ones could never be shown alone."""
    from analysis.counts.counting import count_answers
    from analysis.loading import load_export
    from tests.analysis.builders import QUESTIONNAIRE, write_export

    with tempfile.TemporaryDirectory() as folder:
        loaded = load_export(write_export(Path(folder) / "e.csv", rows), QUESTIONNAIRE)
    raw = count_answers(loaded.responses, QUESTIONNAIRE, by)
    total = 0
    for b in by:
        names = set(merged.get(b, ()))
        part = raw[(raw["segment_by"] == b) & raw["segment"].isin(names)]
        large_segments = part.loc[part["base"] >= THRESHOLD, "segment"]
        part = part[part["segment"].isin(set(large_segments))]
        if part.empty:
            continue
        total += int((part["count"] >= THRESHOLD).sum())
        firsts = part.drop_duplicates(["question_id", "segment"])
        total += int((firsts["base"] >= THRESHOLD).sum() + (firsts["answered"] >= THRESHOLD).sum())
    return total


def measure(
    name: str, rows: list[dict[str, str]], by: tuple[str, ...], audit: bool, bound: bool = False
) -> dict[str, object]:
    """Count one export and return its loss figures."""
    from analysis.counts.counting import count_responses
    from analysis.loading import load_export
    from tests.analysis.builders import QUESTIONNAIRE, write_export

    with tempfile.TemporaryDirectory() as folder:
        loaded = load_export(write_export(Path(folder) / "e.csv", rows), QUESTIONNAIRE)
    start, cpu = time.perf_counter(), time.process_time()
    result = count_responses(loaded, by=by, threshold=THRESHOLD)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    detail = result.detail
    count = detail["count"].to_numpy()
    is_option = detail["is_option"].to_numpy(dtype=bool)
    hidden = detail["suppressed"].to_numpy(dtype=bool)
    large = count >= THRESHOLD
    firsts = detail.drop_duplicates(["question_id", "segment_by", "segment"])
    asked_large = firsts["base"].to_numpy() >= THRESHOLD
    answered_large = firsts["answered"].to_numpy() >= THRESHOLD
    asked_hidden = firsts["asked_suppressed"].to_numpy(dtype=bool) & asked_large
    answered_hidden = firsts["answered_suppressed"].to_numpy(dtype=bool) & answered_large
    all_large = int(large.sum() + asked_large.sum() + answered_large.sum())
    all_hidden = int((hidden & large).sum() + asked_hidden.sum() + answered_hidden.sum())
    folded = folded_large(rows, by, result.merged or {})
    # The same figure printed in several tables: a segment's size is the number asked of every
    # question asked of everyone, and a follow-up's number asked is its parent's count of the
    # answers that lead to it. To a reader each is one figure: counted once here.
    conditional = firsts["question_id"].map(lambda q: result.questionnaire.question(q).shown_if is not None)
    conditional = conditional.to_numpy(dtype=bool)
    size_rows = ~conditional
    first_size = ~firsts[["segment_by", "segment"]].duplicated().to_numpy() | conditional
    repeats = (size_rows & ~first_size) | conditional
    repeated_large = int((asked_large & repeats).sum())
    repeated_hidden = int((asked_hidden & repeats).sum())
    distinct = (all_hidden - repeated_hidden, all_large - repeated_large)
    out: dict[str, object] = {
        "export": name,
        "counts": (int((hidden & large).sum()), int(large.sum())),
        "all": (all_hidden, all_large),
        "folded": folded,
        "distinct": distinct,
        "kinds": {
            "option": int((hidden & large & is_option).sum()),
            "not answered": int((hidden & large & ~is_option).sum()),
            "asked (segment size)": int((asked_hidden & size_rows).sum()),
            "asked (follow-up)": int((asked_hidden & conditional).sum()),
            "answered": int(answered_hidden.sum()),
        },
        "merged": {b: names for b, names in (result.merged or {}).items() if names},
        "seconds": seconds,
        "cpu": cpu,
    }
    if bound:
        from benchmarks.disclosure_bound import hidden_large_bound, hidden_large_bound_moves

        out["bound"] = hidden_large_bound(result, THRESHOLD)
        start = time.perf_counter()
        out["bound_moves"] = hidden_large_bound_moves(result, THRESHOLD)
        out["bound_seconds"] = time.perf_counter() - start
    if audit:
        from tests.analysis.disclosure_audit import narrowed_cells
        from tests.analysis.test_disclosure import published_small

        out["narrowed"] = len(narrowed_cells(result))
        out["published_small"] = len(published_small(result))
    return out


def share(pair: tuple[int, int]) -> str:
    hidden, large = pair
    return f"{hidden} of {large} = {hidden / max(large, 1):.1%}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--by", nargs="+", default=["region", "role"], help="breakdowns (default: region role)"
    )
    parser.add_argument("--audit", action="store_true", help="attack every output by LP (slower)")
    parser.add_argument("--bound", action="store_true", help="also a lower bound on the figures hidden")
    args = parser.parse_args()
    import analysis.counts.counting  # noqa: F401 - imported before timing

    for name, rows in exports().items():
        m = measure(name, rows, tuple(args.by), args.audit, args.bound)
        counts, every = m["counts"], m["all"]
        with_folded = (every[0] + m["folded"], every[1] + m["folded"])
        print(f"{name} (by {', '.join(args.by)}), {m['seconds']:.2f} s, {m['cpu']:.2f} s CPU")
        print(f"  counts of 10 or more hidden:      {share(counts):>20}   target 10%")
        print(f"  all figures of 10 or more hidden: {share(every):>20}   target 12%")
        print(f"  all, with folded segments' ones:  {share(with_folded):>20}")
        print(f"  all, each distinct figure once:   {share(m['distinct']):>20}")
        if args.bound:
            two = share((m["bound"], every[1]))
            print(f"  fewest any pattern can hide:      {two:>20}   (two per relation)")
            floor, _, status = m["bound_moves"]
            print(
                f"  fewest any pattern can hide:      {share((floor, every[1])):>20}   (moves per relation; "
                f"{m['bound_seconds']:.1f} s, {status})"
            )
        print("  large figures hidden by kind:     " + ", ".join(f"{k} {v}" for k, v in m["kinds"].items()))
        print("  merged: " + ("; ".join(f"{b}: {', '.join(n)}" for b, n in m["merged"].items()) or "none"))
        if args.audit:
            print(
                f"  narrowed below {THRESHOLD / 2:g} by LP: {m['narrowed']}; "
                f"published 1-9: {m['published_small']}"
            )


if __name__ == "__main__":
    main()
