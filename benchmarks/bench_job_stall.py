"""Does a background job stall the app? Saves and pages while a Board report is prepared.

For each backend, on a fresh database holding `--responses` submitted responses (the
tests' realistic generator) and `--links` respondent links:

- **sqlite**: the README's default set-up, `consult serve` (one process; jobs run in a
  thread of the server) on a SQLite file;
- **postgresql**: gunicorn with `deploy/gunicorn.conf.py` and one `consult worker` taking
  jobs from Redis, on a new PostgreSQL database.

While respondents save a section page at `--rate` saves a second (open loop: save i is
sent at start + i / rate whatever became of the others, and its latency counts from then)
and an officer opens the dashboard every two seconds, the officer asks for the Board
report (DOCX) and watches its page until it is ready. Printed: how long the report took;
the first page after asking (from the click to the page, and whether it showed progress);
saves while the report was prepared (p50, p95, max, failures); the officer's pages in that
time (p95, max); and, to compare, the saves' p95 in the seconds before the officer asked.
Targets: save p95 ≤ 300 ms, officer pages ≤ 1 s, first page ≤ 1 s
showing progress.

    nice -n 10 .venv/bin/python benchmarks/bench_job_stall.py
    nice -n 10 .venv/bin/python benchmarks/bench_job_stall.py --backend sqlite --runs 1

PostgreSQL is reached at CONSULT_BENCH_POSTGRES_URL and Redis at CONSULT_BENCH_REDIS_URL
(defaults: 127.0.0.1, trust auth).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from load_setup import (
    BASE_URL,
    ROOT,
    SECRET,
    VENV_BIN,
    database,
    free_port,
    gunicorn,
    http_request,
    prepare_database,
    prepare_sessions,
    raw_requests,
    server_environment,
)

REDIS_URL = os.environ.get("CONSULT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
OFFICER_EMAIL = "bench.officer@lga.example"
OFFICER_PASSWORD = "a long benchmark passphrase " + uuid.uuid4().hex[:8]
TARGETS = {"save p95 ms": 300.0, "officer max ms": 1000.0, "first page ms": 1000.0}
# An officer on the dashboard, and the progress page, reload every two seconds (as run_progress.js).
OFFICER_EVERY_S = 2.0
# Saves and pages before the officer asks: what the app does without the job, to compare.
ASK_AFTER_S = 10.0
TIMEOUT_S = 120.0


def fill(url: str, n: int) -> None:
    """`n` submitted responses (the tests' realistic ones) and an officer account."""
    import datetime as dt

    from sqlalchemy import insert

    from consult import create_app
    from consult.data import consultations, officers
    from consult.extensions import db
    from consult.models import Answer, OfficerRole, Origin, Response
    from tests.analysis.realistic import realistic_rows

    app = create_app({"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url, "BASE_URL": BASE_URL})
    day = dt.date(2015, 2, 1)
    with app.app_context():
        consultation = consultations.get_by_slug("taking-stock")
        assert consultation is not None
        questions = [q.id for q in consultations.questionnaire_of(consultation).questions]
        rows = realistic_rows(n)
        db.session.execute(
            insert(Response),
            [
                {
                    "consultation_id": consultation.id,
                    "public_id": f"bench{i:06d}",
                    "status": "submitted",
                    "channel": row["channel"],
                    "origin": Origin.ISSUED if row["channel"] == "web" else Origin.KEYED_IN,
                    "role": row["role"],
                    "organisation_type": row["organisation_type"],
                    "region": row["region"],
                    "version": 1,
                    "started_on": day,
                    "updated_on": day,
                    "submitted_on": day,
                    "has_unsubmitted_changes": False,
                }
                for i, row in enumerate(rows)
            ],
        )
        ids = dict(
            db.session.execute(
                db.select(Response.public_id, Response.id).where(Response.public_id.like("bench%"))
            ).all()
        )
        db.session.execute(
            insert(Answer),
            [
                {"response_id": ids[f"bench{i:06d}"], "stage": "submitted", "question_id": q, "value": row[q]}
                for i, row in enumerate(rows)
                for q in questions
                if row.get(q)
            ],
        )
        officers.add_officer(OFFICER_EMAIL, OfficerRole("officer"), OFFICER_PASSWORD)
        db.session.commit()
        db.engine.dispose()


@contextlib.contextmanager
def process(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        child = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=out, start_new_session=True)
    try:
        yield child
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def wait_until_up(port: int, child: subprocess.Popen[bytes], log: Path) -> None:
    """Poll /healthz until the server answers (a start-up, not something measured)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()[-2000:]}")
        with contextlib.suppress(OSError):
            if http_request(port, "GET", "/healthz")[0] == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("the server did not answer /healthz within 60 s")


@contextlib.contextmanager
def served(backend: str, url: str, folder: Path) -> Iterator[int]:
    """The app on a free port: `consult serve` (SQLite) or gunicorn and a worker (PostgreSQL)."""
    if backend == "sqlite":
        port = free_port()
        log = folder / "serve.log"
        env = server_environment(url, folder, ROOT)
        with process([str(VENV_BIN / "consult"), "serve", "--port", str(port)], env, log) as child:
            wait_until_up(port, child, log)
            yield port
        return
    extra = {
        "CONSULT_JOBS_REDIS_URL": REDIS_URL,
        "CONSULT_JOBS_QUEUE": f"consult-bench-{uuid.uuid4().hex[:8]}",
    }
    env = server_environment(url, folder, ROOT, extra)
    with process([str(VENV_BIN / "consult"), "worker"], env, folder / "worker.log"):
        with gunicorn(url, folder, None, ROOT, extra) as (port, _log, _group):
            yield port


def _cookie(set_cookie: str, previous: str) -> str:
    match = re.match(r"\s*([^=;\s]+=[^;]*)", set_cookie)
    return match.group(1) if match else previous


def officer_session(port: int) -> tuple[str, str]:
    """Sign the officer in; return the session cookie and the Board report page's CSRF token."""
    status, headers, page = http_request(port, "GET", "/sign-in")
    cookie = _cookie(headers["set-cookie"], "")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert status == 200 and token
    body = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "email": OFFICER_EMAIL, "password": OFFICER_PASSWORD}
    )
    status, headers, _ = http_request(port, "POST", "/sign-in", cookie, body)
    assert status in (302, 303), f"signing in gave {status}"
    cookie = _cookie(headers["set-cookie"], cookie)
    status, headers, page = http_request(port, "GET", "/officer/board-report", cookie)
    assert status == 200, f"the Board report page gave {status}"
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    return _cookie(headers["set-cookie"], cookie), token.group(1)


async def fetch(port: int, request: bytes) -> tuple[int, str, str]:
    """Send one request on a new connection; status, head and body of the response."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        length = re.search(r"(?i)\r\ncontent-length:\s*(\d+)", head)
        body = await (reader.readexactly(int(length.group(1))) if length else reader.read())
        return int(head.split(" ", 2)[1]), head, body.decode("utf-8", "replace")
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def get(path: str, cookie: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n".encode()


def post(path: str, cookie: str, form: dict[str, str]) -> bytes:
    body = urllib.parse.urlencode(form).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


@dataclass
class Timeline:
    """What one run saw; times in seconds from the run's start."""

    saves: list[tuple[float, float, int]] = field(default_factory=list)  # scheduled, latency, status
    officer: list[tuple[float, float, int]] = field(default_factory=list)
    asked_at: float = math.nan
    first_page_s: float = math.nan
    first_page_progress: bool = False
    ready_at: float = math.nan
    outcome: str = ""


async def one_run(port: int, saves: list[bytes], cookie: str, csrf: str, rate: float) -> Timeline:
    seen = Timeline()
    start = time.monotonic()
    done = asyncio.Event()

    async def timed(request: bytes, scheduled: float, into: list[tuple[float, float, int]]) -> None:
        try:
            status, _, _ = await asyncio.wait_for(fetch(port, request), TIMEOUT_S)
        except (TimeoutError, OSError, asyncio.IncompleteReadError):
            status = 0
        into.append((scheduled - start, time.monotonic() - scheduled, status))

    async def respondents() -> None:
        tasks, i = [], 0
        while not done.is_set():
            scheduled = start + i / rate
            await asyncio.sleep(max(0.0, scheduled - time.monotonic()))
            tasks.append(asyncio.create_task(timed(saves[i % len(saves)], scheduled, seen.saves)))
            i += 1
        await asyncio.gather(*tasks)

    async def officer_pages() -> None:
        tasks, i = [], 0
        while not done.is_set():
            scheduled = start + i * OFFICER_EVERY_S
            await asyncio.sleep(max(0.0, scheduled - time.monotonic()))
            tasks.append(asyncio.create_task(timed(get("/officer/", cookie), scheduled, seen.officer)))
            i += 1
        await asyncio.gather(*tasks)

    async def officer_asks() -> None:
        await asyncio.sleep(ASK_AFTER_S)
        asked = time.monotonic()
        seen.asked_at = asked - start
        form = {"csrf_token": csrf}
        status, head, _ = await fetch(
            port, post("/officer/downloads/prepare/board-report/docx", cookie, form)
        )
        location = re.search(r"(?i)\r\nlocation:\s*(\S+)", head)
        assert status == 303 and location, f"asking for the report gave {status}"
        page_path = urllib.parse.urlsplit(location.group(1)).path
        status, _, page = await fetch(port, get(page_path, cookie))
        seen.first_page_s = time.monotonic() - asked
        seen.first_page_progress = status == 200 and 'data-unfinished="yes"' in page
        while 'data-unfinished="yes"' in page and time.monotonic() - asked < TIMEOUT_S:
            await asyncio.sleep(OFFICER_EVERY_S)
            status, _, page = await fetch(port, get(page_path, cookie))
        seen.ready_at = time.monotonic() - start
        seen.outcome = "ready" if "Download " in page and "Ready" in page else "NOT READY"
        await asyncio.sleep(1.0)  # saves go on for a moment after the report
        done.set()

    await asyncio.gather(respondents(), officer_pages(), officer_asks())
    return seen


def percentile(values: list[float], p: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)), 1) - 1]


def figures(seen: Timeline) -> dict[str, float]:
    during = [(lat, st) for t, lat, st in seen.saves if seen.asked_at <= t <= seen.ready_at]
    pages = [(lat, st) for t, lat, st in seen.officer if seen.asked_at <= t <= seen.ready_at]
    before = [lat for t, lat, _ in seen.saves if 1.0 <= t < seen.asked_at]  # after a second's warm-up
    pages_before = [lat for t, lat, _ in seen.officer if 1.0 <= t < seen.asked_at]
    return {
        "save p95 before ms": percentile(before, 95) * 1000,
        "officer max before ms": max(pages_before, default=math.nan) * 1000,
        "report s": seen.ready_at - seen.asked_at,
        "first page ms": seen.first_page_s * 1000,
        "first page progress": float(seen.first_page_progress),
        "saves": len(during),
        "save p50 ms": percentile([lat for lat, _ in during], 50) * 1000,
        "save p95 ms": percentile([lat for lat, _ in during], 95) * 1000,
        "save max ms": max((lat for lat, _ in during), default=math.nan) * 1000,
        "save failures": sum(1 for _, st in during if st != 303),
        "officer pages": len(pages),
        "officer p95 ms": percentile([lat for lat, _ in pages], 95) * 1000,
        "officer max ms": max((lat for lat, _ in pages), default=math.nan) * 1000,
        "officer failures": sum(1 for _, st in pages if st != 200),
    }


def bench_backend(backend: str, args: argparse.Namespace) -> list[dict[str, float]]:
    folder = Path(tempfile.mkdtemp(prefix=f"consult-stall-{backend}-"))
    results = []
    try:
        with database(backend, folder) as url:
            tokens = prepare_database(url, args.links)
            fill(url, args.responses)
            with served(backend, url, folder) as port:
                saves = raw_requests("save", prepare_sessions(port, tokens))
                cookie, csrf = officer_session(port)
                for run in range(args.runs):
                    seen = asyncio.run(one_run(port, saves, cookie, csrf, args.rate))
                    result = figures(seen)
                    results.append(result)
                    print(
                        f"{backend} run {run + 1}: {seen.outcome}; " + ", ".join(_shown(result)), flush=True
                    )
                    statuses = sorted({st for _, _, st in seen.saves + seen.officer})
                    print(f"  statuses seen: {statuses} (0: no answer within {TIMEOUT_S:.0f} s)", flush=True)
            logs = [log.read_text(errors="replace") for log in folder.glob("*.log")]
            locked = sum(text.count("database is locked") for text in logs)
            print(f"  'database is locked' in the server's logs: {locked} times", flush=True)
            if args.keep_logs:
                print(f"  logs kept in {folder}")
    finally:
        if not args.keep_logs:
            shutil.rmtree(folder, ignore_errors=True)
    return results


def _shown(result: dict[str, float]) -> list[str]:
    return [
        f"{k} {v:.0f}" if "ms" in k or k in ("saves", "officer pages") else f"{k} {v:.2f}"
        for k, v in result.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--responses", type=int, default=2400, help="submitted responses in the database")
    parser.add_argument("--links", type=int, default=200, help="respondents saving while the report is made")
    parser.add_argument("--rate", type=float, default=5.0, help="saves offered per second")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--keep-logs", action="store_true", help="keep the servers' logs (their folder is printed)"
    )
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    print(
        f"{args.responses:,} responses, saves offered at {args.rate:g}/s, "
        f"officer page every {OFFICER_EVERY_S} s, {os.cpu_count()} cores"
    )
    for backend in backends:
        results = bench_backend(backend, args)
        medians = {k: statistics.median(r[k] for r in results) for k in results[0]}
        worst = {k: max(r[k] for r in results) for k in TARGETS}
        print(f"{backend} medians of {len(results)} runs: " + ", ".join(_shown(medians)))
        for name, target in TARGETS.items():
            verdict = "met" if worst[name] <= target else "NOT MET"
            print(f"  {name}: worst run {worst[name]:.0f} (target ≤ {target:.0f}) — {verdict}")
        shown = min(r["first page progress"] for r in results)
        print(f"  first page showed progress in every run: {'yes' if shown else 'NO'}")


if __name__ == "__main__":
    main()
