"""Benchmark: load an export, count every single-choice question, cross-tabulate, suppress.

    .venv/bin/python benchmarks/bench_counts.py                 # 10k, 100k, 1M; 5 runs each
    .venv/bin/python benchmarks/bench_counts.py --sizes 1000000 --runs 3 --by region role
    .venv/bin/python benchmarks/bench_counts.py --realistic --by role region organisation_type channel
    .venv/bin/python benchmarks/bench_counts.py --sizes 1000000 --runs 3 --releases late

Synthetic exports (Taking Stock, 21 questions, ~5% drafts, conditional questions honoured,
some free text) are generated once into a cache folder; generation is not timed. Each run is
a fresh subprocess, so peak memory (ru_maxrss) is that of one load-and-count alone; the
time starts after pandas and the analysis modules are imported (shown separately). The
timed work is exactly what `consult-analysis counts EXPORT --by region --by role` (or the
breakdowns given with --by) does before writing output: counting, then disclosure control
over the whole family of tables (its mixed-integer programmes depend on the number of
cells, not of responses). "protect s" is the part spent choosing what to hide.

With --realistic the export is instead the generated realistic one the disclosure tests use
(2,400 responses unless --sizes says otherwise: skewed roles, organisation types and
regions, a region of 3, blanks, follow-up questions, an option nobody chose). There almost
all the time is disclosure control, and the information loss is printed too: the share of
figures of 10 or more that are hidden, over all figures and over counts only.

With --releases the run works as `counts --releases FILE` does: a release record is present
(made once, not timed) and read, the counts are protected together with the release in it,
and the record with this release added is written. "same": the earlier release is of the
same export and breakdowns; "late": of the same export less its last 1,000 responses (so
1,000 responses arrived since).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BY = ("region", "role")


def generate_export(n: int, path: Path, seed: int = 2015) -> None:
    """Write a synthetic export of `n` responses (vectorised; not timed)."""
    import numpy as np
    import pandas as pd

    from questions import load_questionnaire

    qn = load_questionnaire("taking-stock")
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {
        "response_id": np.char.add("r", np.arange(n).astype(str)),
        "status": np.where(rng.random(n) < 0.05, "draft", "submitted"),
        "channel": rng.choice(["web", "email", "paper", "other"], n, p=[0.85, 0.08, 0.05, 0.02]),
    }
    for column, values in (
        ("role", qn.profile.roles),
        ("organisation_type", qn.profile.organisation_types),
        ("region", qn.profile.regions),
    ):
        weights = rng.random(len(values)) + 0.2
        data[column] = rng.choice(np.array(values, dtype=object), n, p=weights / weights.sum())
    days = pd.date_range("2015-01-12", "2015-03-06").strftime("%Y-%m-%d").to_numpy()
    data["updated_on"] = rng.choice(days, n)
    frame = pd.DataFrame(data)
    comments = np.array(
        [
            "More peer support, please.",
            "Publish everything; transparency builds trust.",
            '=SUM(A1:A9) "quoted", with commas',
            "Scrutiny needs resourcing\nand training.",
        ],
        dtype=object,
    )
    for q in qn.questions:
        if q.is_single_choice:
            options = np.array([*q.options, ""], dtype=object)
            weights = np.r_[rng.random(len(q.options)) + 0.1, 0.05]
            answers = rng.choice(options, n, p=weights / weights.sum())
            if q.shown_if is not None:
                shown = frame[q.shown_if.question].isin(q.shown_if.any_of).to_numpy()
                answers = np.where(shown, answers, "")
        else:
            answers = np.where(rng.random(n) < 0.15, rng.choice(comments, n), "")
            answers = np.where(
                np.char.startswith(answers.astype(str), "="), np.char.add("'", answers.astype(str)), answers
            )
            if q.shown_if is not None:
                shown = frame[q.shown_if.question].isin(q.shown_if.any_of).to_numpy()
                answers = np.where(shown, answers, "")
        frame[q.id] = answers
    frame.to_csv(path, index=False)


def generate_realistic_export(n: int, path: Path) -> None:
    """Write the disclosure tests' realistic export of `n` responses (not timed)."""
    from tests.analysis.builders import write_export
    from tests.analysis.realistic import realistic_rows

    write_export(path, realistic_rows(n))


def make_record(path: Path, record: Path, by: tuple[str, ...], late: int) -> None:
    """A release record holding one release of `path` (less its last `late` rows), not timed."""
    import pandas as pd

    from analysis.counts.counting import count_responses
    from analysis.loading import load_export, questionnaire_by_slug
    from analysis.releases.publish import with_counts_release
    from analysis.releases.record import empty_record, to_json

    source = path
    if late:
        source = record.with_suffix(".earlier.csv")
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame.iloc[: len(frame) - late].to_csv(source, index=False)
    questionnaire = questionnaire_by_slug("taking-stock")
    loaded = load_export(source, questionnaire)
    result = count_responses(loaded, by=by, threshold=10, releases=empty_record(questionnaire))
    record.write_text(to_json(with_counts_release(result, output="counts", fmt="csv", file="earlier.csv")))


def run_once(path: Path, by: tuple[str, ...] = BY, record: Path | None = None) -> dict[str, float]:
    """Load and count in this process (against `record` if given, then writing it anew);
    return seconds and peak memory (MiB)."""
    import resource

    began = time.perf_counter()
    import pandas  # noqa: F401 - imported before timing: the interpreter's start-up is not the work

    from analysis.counts.counting import count_responses
    from analysis.loading import load_export, questionnaire_by_slug

    start = time.perf_counter()
    loaded = load_export(path, questionnaire_by_slug("taking-stock"))
    loaded_at = time.perf_counter()
    import analysis.counts.family as family

    protect = family.protect_cells
    spent = [0.0]

    def timed(*args: object, **kwargs: object) -> object:
        began_protect = time.perf_counter()
        try:
            return protect(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - began_protect

    family.protect_cells = timed
    import analysis.counts.disclosure as disclosure

    disclosure_protect = disclosure.protect_cells

    def timed_across(*args: object, **kwargs: object) -> object:
        began_protect = time.perf_counter()
        try:
            return disclosure_protect(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - began_protect

    disclosure.protect_cells = timed_across
    releases = None
    if record is not None:
        from analysis.releases.record import from_json

        releases = from_json(record.read_bytes(), loaded.questionnaire, source=str(record))
    result = count_responses(loaded, by=by, threshold=10, releases=releases)
    if record is not None:
        from analysis.releases.publish import with_counts_release
        from analysis.releases.record import to_json

        updated = to_json(with_counts_release(result, output="counts", fmt="csv", file="now.csv"))
        record.with_suffix(".new.json").write_text(updated)
    done = time.perf_counter()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cells = result.detail.attrs["cells"]
    large = result.detail["count"].to_numpy() >= 10
    counts_hidden = result.detail["suppressed"].to_numpy(dtype=bool) & large
    return {
        "large_hidden_share": cells["large_hidden"] / max(cells["large"], 1),
        "large_counts_hidden_share": int(counts_hidden.sum()) / max(int(large.sum()), 1),
        "seconds": done - start,
        "import_seconds": start - began,
        "load_seconds": loaded_at - start,
        "count_seconds": done - loaded_at,
        "protect_seconds": spent[0],
        "hidden": result.suppressed_cells,
        "rows": len(result.table),
        "responses": len(loaded.responses),
        "peak_mib": peak_kib / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "consult-bench")
    parser.add_argument("--by", nargs="+", default=list(BY), help="breakdowns (default: region role)")
    parser.add_argument(
        "--realistic", action="store_true", help="the disclosure tests' realistic export (default 2,400)"
    )
    parser.add_argument(
        "--releases",
        choices=("none", "same", "late"),
        default="none",
        help="a release record present: of the same export, or before its last 1,000 responses",
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--record", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.realistic and args.sizes == parser.get_default("sizes"):
        args.sizes = [2400]
    if args.child:
        print(json.dumps(run_once(args.child, tuple(args.by), args.record)))
        return

    args.cache.mkdir(parents=True, exist_ok=True)
    print(
        f"{'responses':>10} {'median s':>9} {'min s':>7} {'max s':>7} {'load s':>7} {'count s':>8} "
        f"{'protect s':>9} {'import s':>8} {'peak MiB':>9} {'loss all':>8} {'loss counts':>11}"
        f"   (by {', '.join(args.by)})"
    )
    for n in args.sizes:
        path = args.cache / f"{'realistic' if args.realistic else 'export'}-{n}.csv"
        if not path.exists():
            print(f"generating {path} …", file=sys.stderr, flush=True)
            (generate_realistic_export if args.realistic else generate_export)(n, path)
        extra: list[str] = []
        if args.releases != "none":
            record = args.cache / f"record-{path.stem}-{args.releases}-{'-'.join(args.by)}.json"
            if not record.exists():
                print(f"making the release record {record} …", file=sys.stderr, flush=True)
                make_record(path, record, tuple(args.by), 1000 if args.releases == "late" else 0)
            extra = ["--record", str(record)]
        runs = []
        for _ in range(args.runs):
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(path), "--by", *args.by, *extra],
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ, "OMP_NUM_THREADS": "1"},
            )
            runs.append(json.loads(out.stdout))
        seconds = [r["seconds"] for r in runs]
        print(
            f"{n:>10,} {statistics.median(seconds):>9.2f} {min(seconds):>7.2f} {max(seconds):>7.2f} "
            f"{statistics.median(r['load_seconds'] for r in runs):>7.2f} "
            f"{statistics.median(r['count_seconds'] for r in runs):>8.2f} "
            f"{statistics.median(r['protect_seconds'] for r in runs):>9.2f} "
            f"{statistics.median(r['import_seconds'] for r in runs):>8.2f} "
            f"{max(r['peak_mib'] for r in runs):>9.0f} "
            f"{runs[0]['large_hidden_share']:>8.1%} {runs[0]['large_counts_hidden_share']:>11.1%}",
            flush=True,
        )


if __name__ == "__main__":
    main()
