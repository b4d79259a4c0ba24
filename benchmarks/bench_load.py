"""Load benchmark: what a respondent feels under gunicorn, with an open-loop client on loopback.

For each backend (SQLite in a temporary folder, PostgreSQL in a temporary database):

1. migrate a fresh database, load Taking Stock and issue `--links` respondent links;
2. start gunicorn with `deploy/gunicorn.conf.py` (its workers, recycling and access log) on
   127.0.0.1;
3. open every link once over HTTP as a browser would (GET /r/<token>, then the first
   section page) to get its session cookie and CSRF token, and check one save works;
4. `--runs` times:
   - **open loop**: offer `--rate` requests per second for `--duration` seconds, first of
     section saves (POST /respond/section/principles: validate, replace the section's
     answers, commit, 303) and then of section page views (GET, a full page render). Request
     i is sent at start + i / rate whatever happened to the ones before it, and its latency
     is measured from that scheduled time, so a server (or client) stall shows up in the
     figures instead of silently lowering the offered load;
   - **closed loop**, for the record: `--clients` clients each send their next request as
     soon as the last one is answered, for `--saturation-duration` seconds, on /healthz
     (the trivial endpoint), the page and the save: the saturation throughput and the
     ratio of each to /healthz;
5. print p50/p95/p99 per run, the machine's load while it ran (cores busy, of which the
   server's and the client's own, the rest being anyone else's work on this shared machine,
   and /proc/loadavg), then the medians over the runs against the targets: save p95 < 300 ms,
   page p95 < 200 ms at 120/s offered.

    .venv/bin/python benchmarks/bench_load.py                   # both backends, 3 runs
    .venv/bin/python benchmarks/bench_load.py --backend sqlite --runs 1 --duration 5

The client is this script itself (`load_client.py`: asyncio, one HTTP/1.1 connection per
request, as gunicorn's sync workers close it after each response), so no wrk2 is needed;
the server side is `load_setup.py`. PostgreSQL is
reached at CONSULT_BENCH_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test,
trust auth).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from load_client import closed_loop, measured, open_loop
from load_setup import ROOT, Session, database, gunicorn, prepare_database, prepare_sessions, raw_requests

OPEN_LOOP_MODES = ("save", "page")
CLOSED_LOOP_MODES = ("health", "page", "save")
P95_TARGET_MS = {"save": 300.0, "page": 200.0}
EXPECTED_STATUS = {"health": 200, "page": 200, "save": 303}


def bench_backend(backend: str, trees: dict[str, Path], args: argparse.Namespace) -> list[dict]:
    """Every run of every tree on one fresh database; runs of the trees alternate."""
    folder = Path(tempfile.mkdtemp(prefix=f"consult-bench-{backend}-"))
    results = {name: {"backend": backend, "tree": name, "runs": [], "tokens_in_access_log": 0,
                      "server_errors": 0} for name in trees}  # fmt: skip
    try:
        with database(backend, folder) as url:
            tokens = prepare_database(url, args.links)
            for number in range(1, args.runs + 1):
                for name, tree in trees.items():
                    with gunicorn(url, folder, args.workers, tree) as (port, access_log, server_group):
                        run = one_run(port, server_group, prepare_sessions(port, tokens), args)
                        log = access_log.read_text(encoding="utf-8", errors="replace")
                    access_log.unlink()
                    results[name]["runs"].append(run)
                    results[name]["tokens_in_access_log"] += sum(token in log for token in tokens)
                    results[name]["server_errors"] += len(re.findall(r'" 5\d\d ', log))
                    print_run(f"{backend}, {name}", number, run, args)
        return list(results.values())
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def one_run(port: int, server_group: int, sessions: list[Session], args: argparse.Namespace) -> dict:
    """The open-loop runs (save, page), then the closed-loop ones (health, page, save)."""
    requests = {mode: raw_requests(mode, sessions) for mode in CLOSED_LOOP_MODES}
    run: dict = {"open": {}, "closed": {}}
    for mode in OPEN_LOOP_MODES:
        coroutine = open_loop(port, requests[mode], EXPECTED_STATUS[mode], args.rate, args.duration)
        run["open"][mode] = measured(coroutine, server_group)
    for mode in CLOSED_LOOP_MODES:
        coroutine = closed_loop(
            port, requests[mode], EXPECTED_STATUS[mode], args.clients, args.saturation_duration
        )
        run["closed"][mode] = measured(coroutine, server_group)
    return run


def print_run(label: str, number: int, run: dict, args: argparse.Namespace) -> None:
    parts = []
    for mode in OPEN_LOOP_MODES:
        r = run["open"][mode]
        parts.append(
            f"{mode} at {args.rate:.0f}/s: p50 {r['p50_ms']:.1f} p95 {r['p95_ms']:.1f}"
            f" p99 {r['p99_ms']:.1f} ms (server CPU {r['server_cpu_ms']:.1f} ms/request,"
            f" {r['cores_busy']:.2f} cores busy,"
            f" {r['other_cores']:.2f} by others, load {r['loadavg_1min']:.2f})"
            f"{' ERRORS ' + str(r['errors']) if r['errors'] else ''}"
        )
    health = run["closed"]["health"]["rps"]
    for mode in CLOSED_LOOP_MODES:
        r = run["closed"][mode]
        parts.append(
            f"{mode} x{args.clients}: {r['rps']:.0f}/s ({r['rps'] / health:.0%} of /healthz)"
            f"{' ERRORS ' + str(r['errors']) if r['errors'] else ''}"
        )
    print(f"[{label} run {number}] " + " | ".join(parts), flush=True)


def summarise(result: dict, args: argparse.Namespace) -> list[str]:
    runs = result["runs"]
    lines = [f"## {result['backend']}, {result['tree']}: medians of {len(runs)} runs", ""]
    lines.append(f"Open loop, {args.rate:.0f} requests/s offered for {args.duration:.0f} s per run:")
    lines.append("")
    lines.append(
        "| endpoint | p50 ms | p95 ms | p99 ms | target | errors | server CPU ms/request | cores busy "
        "| of which others' | load average |"
    )
    lines.append("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    names = {"health": "GET /healthz", "page": "GET section page", "save": "POST section (save)"}
    for mode in OPEN_LOOP_MODES:
        figures = [r["open"][mode] for r in runs]
        p50, p95, p99 = (statistics.median(f[k] for f in figures) for k in ("p50_ms", "p95_ms", "p99_ms"))
        errors = sum(f["errors"] for f in figures)
        verdict = "met" if p95 < P95_TARGET_MS[mode] and not errors else "MISSED"
        lines.append(
            f"| {names[mode]} | {p50:.1f} | {p95:.1f} | {p99:.1f} "
            f"| p95 < {P95_TARGET_MS[mode]:.0f} ms — {verdict} "
            f"| {errors} | {statistics.median(f['server_cpu_ms'] for f in figures):.1f} "
            f"| {statistics.median(f['cores_busy'] for f in figures):.2f} "
            f"| {statistics.median(f['other_cores'] for f in figures):.2f} "
            f"| {statistics.median(f['loadavg_1min'] for f in figures):.2f} |"
        )
    lines.append("")
    lines.append(
        f"Closed loop, {args.clients} clients, {args.saturation_duration:.0f} s per run (for the record):"
    )
    lines.append("")
    lines.append(
        "| endpoint | requests/s | ratio to /healthz | p50 ms | p99 ms | errors | server CPU ms/request "
        "| others' cores |"
    )
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for mode in CLOSED_LOOP_MODES:
        figures = [r["closed"][mode] for r in runs]
        rps = statistics.median(f["rps"] for f in figures)
        ratio = statistics.median(r["closed"][mode]["rps"] / r["closed"]["health"]["rps"] for r in runs)
        lines.append(
            f"| {names[mode]} | {rps:,.0f} | {ratio:.0%} "
            f"| {statistics.median(f['p50_ms'] for f in figures):.1f} "
            f"| {statistics.median(f['p99_ms'] for f in figures):.1f} | {sum(f['errors'] for f in figures)} "
            f"| {statistics.median(f['server_cpu_ms'] for f in figures):.1f} "
            f"| {statistics.median(f['other_cores'] for f in figures):.2f} |"
        )
    lines.append("")
    lines.append(
        f"tokens found in the access log: {result['tokens_in_access_log']}; "
        f"5xx in the access log: {result['server_errors']}"
    )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", action="append", choices=("sqlite", "postgresql"))
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: deploy/gunicorn.conf.py's)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=120.0, help="open-loop requests per second")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per open-loop run")
    parser.add_argument("--clients", type=int, default=32, help="closed-loop clients")
    parser.add_argument("--saturation-duration", type=float, default=8.0, help="seconds per closed-loop run")
    parser.add_argument("--links", type=int, default=200)
    parser.add_argument("--json", type=Path, help="write the raw figures here")
    parser.add_argument(
        "--compare",
        type=Path,
        metavar="CHECKOUT",
        help="also serve this other checkout of consult (e.g. the code before a change), its runs "
        "alternating with this one's on the same database, so both meet the same machine load",
    )
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # a stall leaves many requests open
    trees = {"this checkout": ROOT}
    if args.compare:
        trees = {f"compared ({args.compare})": args.compare.resolve(), **trees}
    results = [
        result
        for backend in args.backend or ["sqlite", "postgresql"]
        for result in bench_backend(backend, trees, args)
    ]
    print()
    print(
        f"gunicorn -c deploy/gunicorn.conf.py{f' --workers {args.workers}' if args.workers else ''}, "
        f"{os.cpu_count()} CPUs shared with other users, {args.links} links, "
        f"load average at the end {os.getloadavg()[0]:.2f}"
    )
    for result in results:
        print()
        print("\n".join(summarise(result, args)))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
