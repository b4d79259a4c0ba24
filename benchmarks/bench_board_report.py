"""Benchmark: the Board report on a generated realistic export, by command line and as the web app makes it.

    .venv/bin/python benchmarks/bench_board_report.py              # 2,400 responses, 3 runs
    .venv/bin/python benchmarks/bench_board_report.py --n 2400 --runs 5

The export is the tests' realistic one (skewed roles, types and regions, an empty region, a
region of 3, conditional questions, free text). Printed, as medians of the runs:

- `cli docx s`: `consult-analysis report EXPORT --format docx --out …`, wall time of the
  whole process (it themes the free-text questions with the core engine too);
- `counts s`: the report's one `count_responses` call over role, type of organisation and
  region (the protected family), alone;
- `findings s`: the findings about groups on those counts (every comparison tested and
  corrected together), alone, statsmodels already imported;
- `web docx s`: what the officer's download does: `read_report_source` on a SQLite database
  holding the same responses, then `make_report(..., run_engine=False)` (no theming in a
  request), timed in this process after the imports.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=2400, help="responses in the export")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from analysis.board_report import make_report
    from analysis.board_report.group_findings import group_findings
    from analysis.board_report.response_summary import REPORT_BREAKDOWNS
    from analysis.board_report.sources import read_report_source
    from analysis.counts.counting import count_responses
    from analysis.loading import load_responses
    from tests.analysis.builders import write_database, write_export
    from tests.analysis.realistic import realistic_rows

    folder = Path(tempfile.mkdtemp(prefix="bench-board-report-"))
    rows = realistic_rows(args.n)
    export = write_export(folder / "export.csv", rows)
    url = write_database(folder / "responses.db", rows)
    cli = str(Path(sys.executable).with_name("consult-analysis"))
    timings: dict[str, list[float]] = {"cli docx s": [], "counts s": [], "findings s": [], "web docx s": []}
    loaded = load_responses(export)
    for _ in range(args.runs):
        start = time.perf_counter()
        subprocess.run(
            [cli, "report", str(export), "--format", "docx", "--out", str(folder / "r.docx"), "-q"],
            check=True,
            capture_output=True,
        )
        timings["cli docx s"].append(time.perf_counter() - start)
        start = time.perf_counter()
        counts = count_responses(loaded, by=REPORT_BREAKDOWNS)
        timings["counts s"].append(time.perf_counter() - start)
        group_findings(counts)  # the first call imports statsmodels
        start = time.perf_counter()
        group_findings(counts)
        timings["findings s"].append(time.perf_counter() - start)
        start = time.perf_counter()
        make_report(read_report_source(url), fmt="docx", run_engine=False)
        timings["web docx s"].append(time.perf_counter() - start)
    print(f"{args.n:,} responses, median of {args.runs} runs")
    for name, values in timings.items():
        print(
            f"{name:>12}: {statistics.median(values):6.2f}  (runs: {', '.join(f'{v:.2f}' for v in values)})"
        )


if __name__ == "__main__":
    main()
