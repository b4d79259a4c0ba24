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

The client is this script itself (asyncio, one HTTP/1.1 connection per request, as gunicorn's
sync workers close the connection after each response): no wrk2 is needed. PostgreSQL is
reached at CONSULT_BENCH_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test,
trust auth).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import math
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
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
POSTGRES_ADMIN_URL = os.environ.get(
    "CONSULT_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SECRET = "benchmark-secret-key-" + uuid.uuid4().hex
SECTION = "principles"
OPEN_LOOP_MODES = ("save", "page")
CLOSED_LOOP_MODES = ("health", "page", "save")
P95_TARGET_MS = {"save": 300.0, "page": 200.0}
EXPECTED_STATUS = {"health": 200, "page": 200, "save": 303}
REQUEST_TIMEOUT_S = 30.0

sys.path.insert(0, str(ROOT))


@dataclass
class Session:
    cookie: str
    csrf: str
    body: str


@dataclass
class Sample:
    """What one run of one endpoint saw: latencies in seconds, and failures."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile in milliseconds (failed requests count at their time out)."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        rank = max(math.ceil(p / 100 * len(ordered)), 1)
        return ordered[rank - 1] * 1000

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


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


def server_environment(url: str, folder: Path, tree: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONSULT_", "GUNICORN_"))}
    env.update(
        {
            "CONSULT_SECRET_KEY": SECRET,
            "CONSULT_DATABASE_URL": url,
            "CONSULT_INSTANCE_PATH": str(folder / "instance"),
            "PYTHONPATH": str(tree),
        }
    )
    return env


@contextlib.contextmanager
def gunicorn(url: str, folder: Path, workers: int | None, tree: Path) -> Iterator[tuple[int, Path, int]]:
    """gunicorn serving the checkout `tree` on a free loopback port.

    Yields (port, access log, process group of master and workers).
    """
    port = free_port()
    access_log = folder / "access.log"
    command = [
        str(VENV_BIN / "gunicorn"),
        "-c", str(tree / "deploy" / "gunicorn.conf.py"),
        "--bind", f"127.0.0.1:{port}",
        *(["--workers", str(workers)] if workers else []),
        "--access-logfile", str(access_log),
        "--error-logfile", str(folder / "error.log"),
        "consult:create_app()",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, env=server_environment(url, folder, tree), cwd=tree, start_new_session=True
    )
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
    """One blocking request, for the set-up (not measured)."""
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
        body = urllib.parse.urlencode([("csrf_token", csrf.group(1)), *fields])
        status, headers, _ = http_request(port, "POST", f"/respond/section/{SECTION}", cookie, body)
        assert status == 303, f"a save gave {status}"
        sessions.append(Session(cookie, csrf.group(1), body))
    return sessions


def raw_requests(mode: str, sessions: list[Session]) -> list[bytes]:
    """The HTTP/1.1 requests of one mode, one per link, to send in rotation."""
    if mode == "health":
        return [b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"]
    path = f"/respond/section/{SECTION}"
    requests = []
    for s in sessions:
        if mode == "page":
            head = (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {s.cookie}\r\nConnection: close\r\n\r\n"
            )
            requests.append(head.encode())
        else:
            body = s.body.encode()
            head = (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {s.cookie}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            requests.append(head.encode() + body)
    return requests


async def send(port: int, request: bytes) -> int:
    """Send one request on a new connection, read the whole response, return its status."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
        if length:
            await reader.readexactly(int(length.group(1)))
        else:
            await reader.read()
        return status
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def open_loop(port: int, requests: list[bytes], expected: int, rate: float, duration: float) -> Sample:
    """Offer `rate` requests/s for `duration` s; each latency counts from its scheduled send time."""
    sample = Sample()
    loop = asyncio.get_running_loop()
    total = int(rate * duration)
    start = loop.time() + 0.1

    async def one(i: int) -> None:
        scheduled = start + i / rate
        await asyncio.sleep(max(scheduled - loop.time(), 0))
        try:
            status = await asyncio.wait_for(send(port, requests[i % len(requests)]), REQUEST_TIMEOUT_S)
            if status != expected:
                sample.errors += 1
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            sample.errors += 1
        sample.latencies.append(loop.time() - scheduled)

    await asyncio.gather(*(one(i) for i in range(total)))
    sample.seconds = duration
    return sample


async def closed_loop(
    port: int, requests: list[bytes], expected: int, clients: int, duration: float
) -> Sample:
    """`clients` clients, each sending its next request when the last is answered."""
    sample = Sample()
    loop = asyncio.get_running_loop()
    end = loop.time() + duration

    async def client(number: int) -> None:
        i = number
        while loop.time() < end:
            sent = loop.time()
            try:
                status = await asyncio.wait_for(send(port, requests[i % len(requests)]), REQUEST_TIMEOUT_S)
                if status != expected:
                    sample.errors += 1
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                sample.errors += 1
            sample.latencies.append(loop.time() - sent)
            i += clients

    began = loop.time()
    await asyncio.gather(*(client(n) for n in range(clients)))
    sample.seconds = loop.time() - began
    return sample


def _busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy (user, system, interrupts) since boot."""
    with open("/proc/stat", encoding="ascii") as stat:
        ticks = [int(x) for x in stat.readline().split()[1:]]
    idle = ticks[3] + ticks[4]  # idle and iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
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


def measured(run: object, server_group: int) -> dict:
    """Run a coroutine; return its Sample's figures with the machine's load meanwhile."""
    busy, own, server = _busy_cpu_seconds(), _own_cpu_seconds(), _group_cpu_seconds(server_group)
    began = time.monotonic()
    sample: Sample = asyncio.run(run)  # type: ignore[arg-type]
    wall = time.monotonic() - began
    busy = _busy_cpu_seconds() - busy
    own = _own_cpu_seconds() - own
    server = _group_cpu_seconds(server_group) - server
    with open("/proc/loadavg", encoding="ascii") as loadavg:
        load = float(loadavg.read().split()[0])
    return {
        "requests": len(sample.latencies),
        "errors": sample.errors,
        "rps": sample.rps,
        "p50_ms": sample.percentile(50),
        "p95_ms": sample.percentile(95),
        "p99_ms": sample.percentile(99),
        "cores_busy": busy / wall,
        "server_cores": server / wall,
        "server_cpu_ms": 1000 * server / max(len(sample.latencies), 1),
        "client_cores": own / wall,
        # Neither gunicorn nor this client: the kernel, PostgreSQL's server processes and
        # the other engineers' work on this shared machine.
        "other_cores": max(busy - own - server, 0.0) / wall,
        "loadavg_1min": load,
    }


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
