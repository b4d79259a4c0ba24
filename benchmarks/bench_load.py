"""Load benchmark: the respondent save path under gunicorn, driven by wrk on loopback.

For each backend (SQLite in a temporary folder, PostgreSQL in a temporary database):

1. migrate a fresh database, load Taking Stock and issue `--links` respondent links;
2. start gunicorn with `deploy/gunicorn.conf.py` (production settings, access log on) on
   127.0.0.1 with `--workers` workers;
3. open every link once over HTTP as a browser would (GET /r/<token>, then the first
   section page) to get its session cookie and CSRF token, and check one save works;
4. `--runs` times: run wrk for `--duration` seconds at `--connections` connections on
   GET /healthz (the server's trivial endpoint), GET /respond/section/principles (a full
   page render) and POST /respond/section/principles (a save: validate, lock, replace the
   section's answers, commit, 303), rotating across every link;
5. print requests/s and p50/p99 latency per endpoint, the ratios to /healthz from the same
   run, the server's CPU per request (gunicorn's master and workers, from /proc, recycled
   workers included), the cores kept busy, and the cores busy outside gunicorn and wrk
   (the kernel's threads, PostgreSQL, and anyone else's work: on SQLite 0.05-0.1 on a
   quiet machine; a run with much more there was disturbed), and the medians over the runs.

    .venv/bin/python benchmarks/bench_load.py                # both backends, 3 runs of 10 s
    .venv/bin/python benchmarks/bench_load.py --backend sqlite --runs 1 --duration 5
    .venv/bin/python benchmarks/bench_load.py --backend sqlite --max-requests 0   # no worker recycling

Needs `wrk` (Debian package) and, for PostgreSQL, a server at CONSULT_BENCH_POSTGRES_URL
(default postgresql+psycopg://postgres@127.0.0.1:5432/test, trust auth).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
LUA = Path(__file__).resolve().parent / "wrk_consult.lua"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
POSTGRES_ADMIN_URL = os.environ.get(
    "CONSULT_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SECRET = "benchmark-secret-key-" + uuid.uuid4().hex
SECTION = "principles"
MODES = ("health", "page", "save")
TARGETS = {"page": 0.40, "save": 0.25}
P99_TARGET_MS = 250.0

sys.path.insert(0, str(ROOT))


@dataclass
class Session:
    cookie: str
    csrf: str
    body: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'consult.sqlite3'}"
        return
    import sqlalchemy as sa

    name = f"consult_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def prepare_database(url: str, links: int) -> list[str]:
    """Migrate, load Taking Stock, issue `links` links; return their tokens."""
    from flask_migrate import upgrade

    from consult import create_app
    from consult.data import consultations
    from consult.data import links as link_data
    from consult.extensions import db

    app = create_app({"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        consultation, _ = consultations.ensure_consultation("taking-stock")
        tokens = [link_data.issue_link(consultation).token for _ in range(links)]
        db.session.commit()
        db.engine.dispose()
    return tokens


def server_environment(url: str, folder: Path, group_commit: bool = True) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONSULT_", "GUNICORN_"))}
    env.update(
        {
            "CONSULT_SECRET_KEY": SECRET,
            "CONSULT_DATABASE_URL": url,
            "CONSULT_INSTANCE_PATH": str(folder / "instance"),
            "CONSULT_GROUP_COMMIT": "true" if group_commit else "false",
            # Several workers need a shared rate-limit store, or the server refuses to start.
            "CONSULT_RATE_LIMIT_STORAGE_URL": os.environ.get(
                "CONSULT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"
            ),
            "CONSULT_RATE_LIMIT_KEY_PREFIX": "consult-bench:",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


@contextlib.contextmanager
def gunicorn(
    url: str,
    folder: Path,
    workers: int,
    threads: int,
    group_commit: bool = True,
    max_requests: int | None = None,
) -> Iterator[tuple[int, Path, int]]:
    """gunicorn on a free loopback port: (port, access log, process group of master and workers)."""
    port = free_port()
    access_log = folder / "access.log"
    command = [
        str(VENV_BIN / "gunicorn"),
        "-c", str(GUNICORN_CONF),
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--threads", str(threads),
        "--access-logfile", str(access_log),
        "--error-logfile", str(folder / "error.log"),
        *(["--max-requests", str(max_requests)] if max_requests is not None else []),
        "consult:create_app()",
    ]  # fmt: skip
    env = server_environment(url, folder, group_commit)
    process = subprocess.Popen(command, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {(folder / 'error.log').read_text()[-2000:]}")
            try:
                status, _, _ = http_request(port, "GET", "/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer /healthz within 30 s")
            time.sleep(0.2)
        yield port, access_log, process.pid  # start_new_session: the group id is the master's pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def http_request(
    port: int, method: str, path: str, cookie: str | None = None, body: str | None = None
) -> tuple[int, dict[str, str], str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        set_cookie = response.getheader("Set-Cookie") or ""
        return (
            response.status,
            {"set-cookie": set_cookie, "location": response.getheader("Location") or ""},
            text,
        )
    finally:
        conn.close()


def _cookie(set_cookie: str, previous: str | None) -> str | None:
    match = re.match(r"\s*([^=;\s]+=[^;]*)", set_cookie)
    return match.group(1) if match else previous


def answers_for_section() -> dict[str, str]:
    from questions import load_questionnaire

    questionnaire = load_questionnaire("taking-stock")
    section = questionnaire.section(SECTION)
    answers = {}
    for question in section.questions:
        if question.is_single_choice:
            answers[question.id] = question.options[0]
        else:
            answers[question.id] = "We value peer challenge and would like more of it. " * 4
    return answers


def prepare_sessions(port: int, tokens: list[str]) -> list[Session]:
    """Open every link as a browser would; check one save per link is accepted (303)."""
    answers = answers_for_section()
    sessions = []
    for token in tokens:
        status, headers, _ = http_request(port, "GET", f"/r/{token}")
        assert status == 303, f"redeeming a link gave {status}"
        cookie = _cookie(headers["set-cookie"], None)
        status, headers, page = http_request(port, "GET", f"/respond/section/{SECTION}", cookie)
        assert status == 200, f"the section page gave {status}"
        cookie = _cookie(headers["set-cookie"], cookie)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert csrf and cookie
        shown = re.findall(r'name="shown" value="([^"]+)"', page)
        fields = [("shown", q) for q in shown] + [(q, answers[q]) for q in shown] + [("action", "continue")]
        body = urllib.parse.urlencode(fields)
        status, headers, _ = http_request(
            port,
            "POST",
            f"/respond/section/{SECTION}",
            cookie,
            f"csrf_token={urllib.parse.quote(csrf.group(1))}&{body}",
        )
        assert status == 303, f"a save gave {status}"
        sessions.append(Session(cookie, csrf.group(1), body))
    return sessions


def _busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy (user, system, interrupts) since boot."""
    with open("/proc/stat", encoding="ascii") as stat:
        ticks = [int(x) for x in stat.readline().split()[1:]]
    idle = ticks[3] + ticks[4]  # idle and iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _group_cpu_seconds(group: int) -> float:
    """CPU seconds of the processes in a process group, with the children they have reaped.

    gunicorn's master reaps the workers it recycles, so their CPU moves into its own
    children's time and is still counted.
    """
    ticks = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == group:  # pgrp; then utime, stime, cutime, cstime
            ticks += sum(int(x) for x in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def run_wrk(
    port: int,
    mode: str,
    sessions_file: Path,
    duration: int,
    connections: int,
    threads: int,
    server_group: int,
) -> dict:
    """One wrk run; with the CPU per request of the server's processes and of everything else."""
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
        "-s", str(LUA), f"http://127.0.0.1:{port}", "--", mode, str(sessions_file),
    ]  # fmt: skip
    busy, wrk_cpu, server = _busy_cpu_seconds(), _children_cpu_seconds(), _group_cpu_seconds(server_group)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    wrk_cpu = _children_cpu_seconds() - wrk_cpu  # wrk is the only child reaped meanwhile
    server = _group_cpu_seconds(server_group) - server
    busy = _busy_cpu_seconds() - busy
    line = next(line for line in output.splitlines() if line.startswith("{"))
    result = json.loads(line)
    seconds = result["duration_us"] / 1e6
    result["rps"] = result["requests"] / seconds
    result["errors"] = sum(
        result[k] for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
    )
    result["server_cpu_ms"] = 1000 * server / max(result["requests"], 1)
    # Neither gunicorn nor wrk: the kernel's own threads, PostgreSQL's server processes and
    # anyone else's work. On SQLite 0.05-0.1 of a core when the machine is quiet; much more
    # means something else ran during the run, and its ratios are not to be trusted.
    result["other_cores"] = max(busy - wrk_cpu - server, 0.0) / seconds
    result["cores_busy"] = busy / seconds
    return result


def bench_backend(backend: str, args: argparse.Namespace) -> dict:
    folder = Path(tempfile.mkdtemp(prefix=f"consult-bench-{backend}-"))
    try:
        with database(backend, folder) as url:
            tokens = prepare_database(url, args.links)
            server = gunicorn(
                url, folder, args.workers, args.server_threads, not args.no_group_commit, args.max_requests
            )
            with server as (port, access_log, server_group):
                sessions = prepare_sessions(port, tokens)
                sessions_file = folder / "sessions.tsv"
                sessions_file.write_text(
                    "".join(f"{s.cookie}\t{s.csrf}\t{s.body}\n" for s in sessions), encoding="utf-8"
                )
                runs = []
                for number in range(1, args.runs + 1):
                    run = {
                        mode: run_wrk(
                            port,
                            mode,
                            sessions_file,
                            args.duration,
                            args.connections,
                            args.wrk_threads,
                            server_group,
                        )
                        for mode in MODES
                    }
                    runs.append(run)
                    print_run(backend, number, run)
                log = access_log.read_text(encoding="utf-8", errors="replace")
                leaked = sum(token in log for token in tokens)
                server_errors = len(re.findall(r'" 5\d\d ', log))
        return {
            "backend": backend,
            "runs": runs,
            "tokens_in_access_log": leaked,
            "server_errors": server_errors,
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def print_run(backend: str, number: int, run: dict) -> None:
    health = run["health"]["rps"]
    parts = []
    for mode in MODES:
        r = run[mode]
        parts.append(
            f"{mode} {r['rps']:7.1f}/s p50 {r['p50_us'] / 1000:6.1f} ms p99 {r['p99_us'] / 1000:6.1f} ms"
            f" ({r['rps'] / health:4.0%}; server CPU {r['server_cpu_ms']:.2f} ms/request,"
            f" {r['cores_busy']:.2f} cores busy, {r['other_cores']:.2f} outside gunicorn and wrk)"
            f"{' ERRORS ' + str(r['errors']) if r['errors'] else ''}"
        )
    print(f"[{backend} run {number}] " + " | ".join(parts), flush=True)


def summarise(result: dict) -> list[str]:
    runs = result["runs"]
    lines = [f"## {result['backend']}: medians of {len(runs)} runs"]
    lines.append(
        "| endpoint | requests/s | p50 ms | p99 ms | ratio to /healthz | target | errors "
        "| server CPU ms/request | machine cores busy | cores busy outside gunicorn and wrk |"
    )
    lines.append("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    names = {"health": "GET /healthz", "page": "GET section page", "save": "POST section (save)"}
    verdicts = []
    for mode in MODES:
        rps = statistics.median(r[mode]["rps"] for r in runs)
        p50 = statistics.median(r[mode]["p50_us"] for r in runs) / 1000
        p99 = statistics.median(r[mode]["p99_us"] for r in runs) / 1000
        ratio = statistics.median(r[mode]["rps"] / r["health"]["rps"] for r in runs)
        errors = sum(r[mode]["errors"] for r in runs)
        cpu = statistics.median(r[mode]["server_cpu_ms"] for r in runs)
        cores = statistics.median(r[mode]["cores_busy"] for r in runs)
        others = max(r[mode]["other_cores"] for r in runs)
        target = ""
        if mode in TARGETS:
            ok = ratio >= TARGETS[mode] and (mode != "save" or p99 < P99_TARGET_MS)
            target = f"≥ {TARGETS[mode]:.0%}" + (f", p99 < {P99_TARGET_MS:.0f} ms" if mode == "save" else "")
            target += " — met" if ok else " — MISSED"
            verdicts.append(ok)
        lines.append(
            f"| {names[mode]} | {rps:,.0f} | {p50:.1f} | {p99:.1f} | {ratio:.0%} | {target} | {errors} "
            f"| {cpu:.2f} | {cores:.2f} | {others:.2f} (most) |"
        )
    lines.append(
        f"tokens found in the access log: {result['tokens_in_access_log']}; "
        f"5xx in the access log: {result['server_errors']}"
    )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", action="append", choices=("sqlite", "postgresql"))
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--server-threads", type=int, default=1, help="threads per worker (1 = sync)")
    parser.add_argument(
        "--no-group-commit", action="store_true", help="commit every SQLite save alone (the baseline)"
    )
    parser.add_argument(
        "--max-requests",
        type=int,
        help="gunicorn's worker recycling (default: deploy/gunicorn.conf.py's 5,000; 0 = never recycle)",
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--links", type=int, default=200)
    parser.add_argument("--json", type=Path, help="write the raw figures here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2
    results = []
    for backend in args.backend or ["sqlite", "postgresql"]:
        results.append(bench_backend(backend, args))
    print()
    print(
        f"gunicorn {args.workers} workers x {args.server_threads} threads, "
        f"max requests {'5000 (deploy)' if args.max_requests is None else args.max_requests}, "
        f"group commit {'off' if args.no_group_commit else 'on'}, wrk {args.wrk_threads} threads, "
        f"{args.connections} connections, {args.duration} s per endpoint per run, {args.links} links, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    for result in results:
        print()
        print("\n".join(summarise(result)))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
