"""Resilience under real processes: concurrent saves, SIGKILL mid-save, double submission.

Every test here runs the real app under gunicorn against the migrated test database
(SQLite and PostgreSQL alike, through `database_url`) and talks HTTP to it on loopback,
each simulated browser with a cookie jar of its own (stdlib `http.client`, one connection
per request so that an interrupted request is never retried by accident).

- `test_concurrent_saves_under_gunicorn`: 2,000 full-section saves across 80 links,
  several browsers per link at once, through 4 workers x 2 threads. Each link's stored
  answers must equal exactly one of its saves, the one committed last, with every save
  acknowledged (303), none lost and no "database is locked" in the server's log.
- `test_sigkill_mid_save_loses_no_acknowledged_save`: one worker saving under load is
  killed with SIGKILL at random (seeded) moments, 40 times; gunicorn forks a fresh one.
  After every kill each link holds its last acknowledged save or a later unacknowledged
  one, whole, and SQLite's `PRAGMA integrity_check` is `ok`.
- `test_double_and_replayed_submission_store_one_version`: two identical final
  submissions sent at the same instant, then a replay: one stored version, and each
  request gets 303 to /respond/submitted and that page with 200.

CONSULT_RESILIENCE_SCALE (default 1) scales the link, save and kill counts: below 1 for a
quick local run, above 1 for a longer soak (2.5 gives 5,000 saves and 100 kills). The
defaults keep 40 browsers saving at once, which is what finds a lost or mixed update; more
rounds of the same add minutes to every CI run and little else.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import secrets
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from consult.data import consultations, links, responses
from consult.extensions import db
from consult.models import Invitation, Stage, Status
from tests.conftest import BACKENDS, LEADER, TEST_SECRET, migrated_database

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """This module's own migrated database of each backend: the gunicorn processes it starts
    share no file, connection or lock with the rest of the session's tests."""
    yield from migrated_database(request.param, tmp_path_factory)

SCALE = float(os.environ.get("CONSULT_RESILIENCE_SCALE", "1"))
REPO = Path(__file__).resolve().parent.parent

# Concurrency: LINKS links x CLIENTS_PER_LINK browsers x SAVES_PER_CLIENT saves.
LINKS = max(4, round(80 * SCALE))
CLIENTS_PER_LINK = 5
SAVES_PER_CLIENT = 5
LINKS_AT_ONCE = 8  # links being saved at the same moment (8 x 5 = 40 client threads)
# Crash: KILLS SIGKILLs of the serving worker, CRASH_LINKS browsers saving meanwhile.
KILLS = max(5, round(40 * SCALE))
CRASH_LINKS = 8
KILL_SEED = 20150115
# Double submission: this many links, each submitted twice at once and then replayed.
DOUBLE_SUBMITS = max(3, round(20 * SCALE))

SECTION = "principles"
TEXT_QUESTIONS = ("q3", "q4", "q5", "q6")
# Options of q1 that do not reveal q2, so every save of the full page is a plain 303.
Q1_OPTIONS = ("Yes, they are still all relevant exactly as they are", "Don't know")
NEXT_PAGE = "/respond/section/assurance"
LOG_PROBLEMS = re.compile(r"database is locked|Traceback|Exception|Error handling request|WORKER TIMEOUT")


# --- a browser over stdlib http.client ---------------------------------------------------


@dataclass
class Reply:
    status: int
    location: str
    body: str
    sent: float  # time.monotonic() just before the request was written
    received: float  # time.monotonic() once the whole response had been read


class Browser:
    """One browser: its own session cookie, a fresh connection for every request."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None) -> None:
        self.port = port
        self.cookies = dict(cookies or {})

    def request(self, method: str, path: str, fields: dict[str, Any] | None = None) -> Reply:
        headers = {}
        body = None
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if fields is not None:
            body = urlencode(fields, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            sent = time.monotonic()
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
            received = time.monotonic()
        finally:
            connection.close()
        for header in answer.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        return Reply(answer.status, answer.headers.get("Location", ""), data.decode(), sent, received)

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, fields: dict[str, Any]) -> Reply:
        return self.request("POST", path, fields)


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"page has no CSRF token: {html[:300]}"
    return match.group(1)


def shown(html: str) -> list[str]:
    return re.findall(r'name="shown" value="([^"]+)"', html)


def open_section(browser: Browser, token: str) -> dict[str, Any]:
    """Redeem the link and load the section page; the form fields every save carries."""
    redeemed = browser.get(f"/r/{token}")
    assert redeemed.status == 303 and redeemed.location.endswith("/respond/"), redeemed
    page = browser.get(f"/respond/section/{SECTION}")
    assert page.status == 200, page.body[:500]
    assert shown(page.body) == ["q1", *TEXT_QUESTIONS]
    return {"csrf_token": form_token(page.body), "shown": shown(page.body), "action": "continue"}


def answer_set(marker: str, variant: int) -> dict[str, str]:
    """A full answer set for the section, every answer carrying `marker`.

    `variant` picks q1 and leaves one text question blank (or none), so a stored set with
    an answer left over from an older save is told apart from every save.
    """
    blank = TEXT_QUESTIONS[variant % 5] if variant % 5 < len(TEXT_QUESTIONS) else None
    answers = {"q1": Q1_OPTIONS[variant % 2]}
    for q in TEXT_QUESTIONS:
        answers[q] = "" if q == blank else f"{q} answer {marker}\nline two ✓ {marker}"
    return answers


def stored_form(answers: dict[str, str]) -> dict[str, str]:
    """What a save of `answers` leaves stored: blank answers are no answer."""
    return {q: v for q, v in answers.items() if v != ""}


@dataclass
class Save:
    link: int
    marker: str
    answers: dict[str, str]  # as stored (blanks dropped)
    sent: float = 0.0
    received: float | None = None  # None: no 303 received (failed, or cut off by a kill)
    status: int | None = None
    location: str = ""
    error: str = ""


def post_save(browser: Browser, base: dict[str, Any], save: Save, posted: dict[str, str]) -> None:
    save.sent = time.monotonic()
    try:
        reply = browser.post(f"/respond/section/{SECTION}", {**base, **posted})
    except (OSError, http.client.HTTPException) as exc:
        save.error = f"{type(exc).__name__}: {exc}"
        return
    save.sent, save.status, save.location = reply.sent, reply.status, reply.location
    if reply.status == 303:
        save.received = reply.received
    else:
        save.error = reply.body[:500]


# --- checking stored responses -------------------------------------------------------------


def match_save(stored: dict[str, str], saves: list[Save]) -> Save | None:
    """The save whose whole answer set `stored` is, or None (a mix, or a stranger's)."""
    for save in saves:
        if save.answers == stored:
            return save
    return None


def last_committed_problem(stored: dict[str, str] | None, saves: list[Save]) -> str | None:
    """Why `stored` cannot be the link's last committed save among `saves`, or None.

    Rule: the stored set must equal one save S of the link exactly, and S must have been
    acknowledged after every save of the link was sent (S.received > max sent). If S
    committed last, every other save was sent before its own commit, which came before
    S's commit, which came before S's 303 was read; so a stored save acknowledged before
    some other save was even sent was overwritten by nothing and is a lost update.
    """
    if not stored:
        return "lost: nothing stored"
    save = match_save(stored, saves)
    if save is None:
        return f"mixed: stored answers equal none of the link's saves: {stored}"
    last_sent = max(s.sent for s in saves)
    if save.received is None or save.received <= last_sent:
        return f"stale: stored save {save.marker} was acknowledged before a later save was sent"
    return None


def acknowledged_problem(stored: dict[str, str] | None, saves: list[Save]) -> str | None:
    """Crash rule for one browser saving in sequence: why `stored` breaks it, or None.

    `saves` are in the order sent, each sent after the previous one was answered. What is
    stored must be, whole, the last acknowledged save or a later unacknowledged one (which
    may have committed before the kill cut off its 303); never an older one, never a mix.
    """
    acknowledged = [i for i, s in enumerate(saves) if s.received is not None]
    last = acknowledged[-1] if acknowledged else -1
    if not stored:
        return None if last == -1 else f"lost: acknowledged save {saves[last].marker} is not stored"
    save = match_save(stored, saves)
    if save is None:
        return f"mixed or half-written: {stored}"
    index = saves.index(save)
    if index < last:
        return f"lost: stored {save.marker} is older than acknowledged {saves[last].marker}"
    if index > last and save.received is not None:  # pragma: no cover - cannot be by construction
        return "inconsistent acknowledgement record"
    return None


def test_checks_catch_mixed_stale_and_lost_responses() -> None:
    """The checks above fail on the faults they are meant to find (no server needed)."""
    saves = []
    for i in range(3):
        save = Save(0, f"m{i}", stored_form(answer_set(f"m{i}", i)), sent=10.0 * i, received=10.0 * i + 5)
        saves.append(save)
    last = saves[-1].answers
    assert last_committed_problem(last, saves) is None
    mixed = {**last, "q3": saves[1].answers["q3"]}
    assert "mixed" in (last_committed_problem(mixed, saves) or "")
    other_q1 = next(option for option in Q1_OPTIONS if option != last["q1"])
    assert "mixed" in (last_committed_problem({**last, "q1": other_q1}, saves) or "")
    # A question left blank that kept an older save's answer is a mix too.
    leftover = {**saves[0].answers, **saves[1].answers}
    assert leftover != saves[1].answers
    assert "mixed" in (last_committed_problem(leftover, saves) or "")
    assert "stale" in (last_committed_problem(saves[0].answers, saves) or "")
    assert "lost" in (last_committed_problem({}, saves) or "")
    # Overlapping saves: either of two in flight together may be the last committed.
    overlapping = [
        Save(0, "a", {"q1": "a"}, sent=0, received=5),
        Save(0, "b", {"q1": "b"}, sent=1, received=4),
    ]
    assert last_committed_problem({"q1": "a"}, overlapping) is None
    assert last_committed_problem({"q1": "b"}, overlapping) is None

    saves[2].received = None  # cut off by a kill
    assert acknowledged_problem(saves[2].answers, saves) is None
    assert acknowledged_problem(saves[1].answers, saves) is None
    assert "lost" in (acknowledged_problem(saves[0].answers, saves) or "")
    assert "lost" in (acknowledged_problem({}, saves) or "")
    assert "mixed" in (acknowledged_problem(mixed, saves) or "")


# --- the server ----------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def log_problems(self) -> list[str]:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return [line for line in text.splitlines() if LOG_PROBLEMS.search(line)]

    def workers(self) -> set[int]:
        """PIDs of the gunicorn master's live child processes (its workers)."""
        pid = self.process.pid
        try:
            with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as fh:
                children = [int(child) for child in fh.read().split()]
        except OSError:  # a kernel without CONFIG_PROC_CHILDREN: scan every process
            children = [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]
        found = set()
        for child in children:
            try:
                with open(f"/proc/{child}/stat", encoding="ascii", errors="replace") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":  # a live child, not a zombie
                found.add(child)
        return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(
    database_url: str, folder: Path, workers: int, threads: int, preload: bool = False
) -> Iterator[Server]:
    """gunicorn serving `consult:create_app()` on a free loopback port; always stopped after."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CONSULT_")},
        "CONSULT_DATABASE_URL": database_url,
        "CONSULT_SECRET_KEY": TEST_SECRET,
        "CONSULT_ENV_NAME": "development",
        "CONSULT_INSTANCE_PATH": str(folder / "instance"),
    }
    command = [
        sys.executable, "-m", "gunicorn", "consult:create_app()",
        "-w", str(workers), "--threads", str(threads), "-b", f"127.0.0.1:{port}",
        "--backlog", "256", "--timeout", "120", "--graceful-timeout", "5",
        "--no-control-socket",  # gunicorn's default control socket is one path for every instance
    ]  # fmt: skip
    if preload:
        command.append("--preload")
    log = folder / "gunicorn.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(process, port, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"gunicorn exited: {log.read_text()[-3000:]}"
            try:
                if Browser(port).get("/healthz").status == 200 and len(server.workers()) == workers:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"gunicorn did not start: {log.read_text()[-3000:]}"
            time.sleep(0.1)
        yield server
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)
    try:  # a worker left behind by a master that died first
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app under gunicorn, 4 workers x 2 threads, for the module's tests on this backend."""
    with gunicorn(database_url, tmp_path_factory.mktemp("gunicorn"), workers=4, threads=2) as running:
        yield running


def issue_links(app: Flask, count: int, **details: str | None) -> list[tuple[str, str]]:
    """`count` new links, committed: (token, key hash of the link's response)."""
    with app.app_context():
        consultation = consultations.get_by_slug("taking-stock")
        assert consultation is not None
        issued = [links.issue_link(consultation, **details).token for _ in range(count)]
        db.session.commit()
        return [(token, links.response_key_hash(consultation, token)) for token in issued]


def read_stored(app: Flask, key_hashes: list[str]) -> list[tuple[dict[str, str] | None, int]]:
    """Each link's stored working answers (None: no response) and response version."""
    with app.app_context():
        out: list[tuple[dict[str, str] | None, int]] = []
        for key_hash in key_hashes:
            response = responses.find(key_hash)
            out.append((None, 0) if response is None else (responses.answers(response), response.version))
        db.session.rollback()
        return out


def run_threads(targets: list[Any], timeout: float) -> list[str]:
    """Run callables in threads; the exceptions they raised, as text."""
    failures: list[str] = []

    def guarded(target: Any) -> None:
        try:
            target()
        except BaseException as exc:  # reported to the test
            failures.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=guarded, args=(t,), daemon=True) for t in targets]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = sum(thread.is_alive() for thread in threads)
    if stuck:
        failures.append(f"{stuck} client threads still running after {timeout:.0f}s")
    return failures


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# --- 1. concurrency ------------------------------------------------------------------------


def test_concurrent_saves_under_gunicorn(app: Flask, server: Server, backend: str) -> None:
    """2,000 saves, 80 links, 5 browsers per link at once: each stored response is whole and last.

    Every save posts the full section (q1 and q3..q6, one text answer sometimes blank),
    all carrying one unique marker. Afterwards, for every link: the stored answers equal
    exactly one of its saves (`match_save`: no mix, no leftover answer), that save was
    acknowledged after every save of the link had been sent (`last_committed_problem`:
    it can be the one committed last, no lost update), and the response's version equals
    the number of saves made through the link (each save applied once, none lost). Every
    save got 303 to the next section and the server logged no error and no "database is
    locked".
    """
    issued = issue_links(app, LINKS)
    saves: dict[int, list[Save]] = defaultdict(list)
    record_lock = threading.Lock()

    def client(group: int, number: int, barrier: threading.Barrier) -> None:
        for link in range(group, LINKS, LINKS_AT_ONCE):
            browser = Browser(server.port)
            base = open_section(browser, issued[link][0])
            barrier.wait(timeout=300)  # the link's browsers start saving together
            for i in range(SAVES_PER_CLIENT):
                marker = f"L{link}-C{number}-S{i}-{secrets.token_hex(3)}"
                posted = answer_set(marker, number + i * CLIENTS_PER_LINK + link)
                save = Save(link, marker, stored_form(posted))
                with record_lock:
                    saves[link].append(save)
                post_save(browser, base, save, posted)

    targets = []
    for group in range(min(LINKS_AT_ONCE, LINKS)):
        barrier = threading.Barrier(CLIENTS_PER_LINK)
        for number in range(CLIENTS_PER_LINK):
            targets.append(lambda g=group, n=number, b=barrier: client(g, n, b))
    started, cpu = time.monotonic(), time.process_time()
    failures = run_threads(targets, timeout=600)
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu
    assert failures == []

    every = [s for link_saves in saves.values() for s in link_saves]
    assert len(every) == LINKS * CLIENTS_PER_LINK * SAVES_PER_CLIENT
    errors = [
        (s.marker, s.status, s.error[:200]) for s in every if s.status != 303 or s.location != NEXT_PAGE
    ]
    assert errors == [], f"{len(errors)} saves were not acknowledged with 303: {errors[:5]}"

    problems: dict[str, list[str]] = defaultdict(list)
    stored = read_stored(app, [key_hash for _, key_hash in issued])
    for link, (answers, version) in enumerate(stored):
        problem = last_committed_problem(answers, saves[link])
        if problem:
            problems[problem.split(":")[0]].append(f"link {link}: {problem}")
        if version != len(saves[link]):
            problems["version"].append(f"link {link}: version {version}, {len(saves[link])} saves")
    latencies = [s.received - s.sent for s in every if s.received is not None]
    print(
        f"\n[{backend}] {len(every)} saves over {LINKS} links in {elapsed:.1f}s "
        f"({len(every) / elapsed:.0f}/s incl. page loads), save latency p50 "
        f"{statistics.median(latencies) * 1000:.0f} ms, p99 {percentile(latencies, 0.99) * 1000:.0f} ms; "
        f"client CPU {cpu:.1f}s"
    )
    assert dict(problems) == {}, {kind: (len(found), found[:3]) for kind, found in problems.items()}
    assert server.log_problems() == []


# --- 2. crash ------------------------------------------------------------------------------


def integrity(database_url: str) -> str:
    path = make_url(database_url).database
    assert path
    connection = sqlite3.connect(path, timeout=30)
    try:
        return "\n".join(row[0] for row in connection.execute("PRAGMA integrity_check"))
    finally:
        connection.close()


@pytest.mark.own_database
def test_sigkill_mid_save_loses_no_acknowledged_save(app: Flask, backend: str, tmp_path: Path) -> None:
    """SIGKILL the serving worker 40 times at random moments during saves; nothing acknowledged is lost.

    One gunicorn worker (4 threads; `--preload`, so the master forks a fresh worker in
    milliseconds) serves CRASH_LINKS browsers, each saving its link's full section again
    and again, every save sent once the previous one was answered. In each cycle, once the
    new worker has acknowledged a save, the test waits a random 0-150 ms (seeded RNG) and
    SIGKILLs it; requests it held are cut off (unacknowledged), requests still queued in
    the listen backlog are served by the next worker. After every kill: for every link the
    stored answers are, whole, its last acknowledged save or a later unacknowledged one
    (`acknowledged_problem`); the version lies between the number of acknowledged and of
    sent saves; on SQLite `PRAGMA integrity_check` is `ok`.
    """
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]  # the test's own, not the module's
    issued = issue_links(app, CRASH_LINKS)
    rng = random.Random(KILL_SEED)
    saves: list[list[Save]] = [[] for _ in issued]
    start = threading.Barrier(CRASH_LINKS + 1, timeout=120)
    end = threading.Barrier(CRASH_LINKS + 1, timeout=120)
    cycle_over = threading.Event()
    acknowledged = threading.Event()
    in_flight = [False] * CRASH_LINKS
    kills_in_flight = 0
    committed_unacknowledged: set[str] = set()
    problems: list[str] = []

    with gunicorn(database_url, tmp_path / "crash", workers=1, threads=4, preload=True) as server:
        if backend == "sqlite":  # the preloading master must not share a database file with workers
            path = str(make_url(database_url).database)
            descriptors = Path(f"/proc/{server.process.pid}/fd")
            assert not [fd for fd in descriptors.iterdir() if os.readlink(fd).startswith(path)]
        browsers = [Browser(server.port) for _ in issued]
        bases = [open_section(b, token) for b, (token, _) in zip(browsers, issued, strict=True)]

        def client(link: int) -> None:
            for _ in range(KILLS):
                start.wait()
                while not cycle_over.is_set():
                    marker = f"L{link}-S{len(saves[link])}-{secrets.token_hex(3)}"
                    posted = answer_set(marker, len(saves[link]) + link)
                    save = Save(link, marker, stored_form(posted))
                    saves[link].append(save)
                    in_flight[link] = True
                    post_save(browsers[link], bases[link], save, posted)
                    in_flight[link] = False
                    if save.received is None:
                        if save.status is not None:  # an answer, but not the 303
                            problems.append(f"save {marker}: status {save.status}: {save.error[:200]}")
                        break
                    acknowledged.set()
                end.wait()

        threads = [threading.Thread(target=client, args=(link,), daemon=True) for link in range(CRASH_LINKS)]
        for thread in threads:
            thread.start()
        started = time.monotonic()
        killed: set[int] = set()
        try:
            for cycle in range(KILLS):
                deadline = time.monotonic() + 60
                while not (server.workers() - killed):
                    assert server.process.poll() is None, "the gunicorn master died"
                    assert time.monotonic() < deadline, "gunicorn did not start a new worker"
                    time.sleep(0.005)
                (worker,) = server.workers() - killed
                acknowledged.clear()
                cycle_over.clear()
                start.wait()
                assert acknowledged.wait(60), f"cycle {cycle}: no save acknowledged by worker {worker}"
                time.sleep(rng.uniform(0, 0.15))
                kills_in_flight += any(in_flight)
                os.kill(worker, signal.SIGKILL)
                killed.add(worker)
                cycle_over.set()
                end.wait()

                if backend == "sqlite":
                    assert integrity(database_url) == "ok", f"after kill {cycle + 1}"
                for link, (answers, version) in enumerate(read_stored(app, [k for _, k in issued])):
                    link_saves = saves[link]
                    if problem := acknowledged_problem(answers, link_saves):
                        problems.append(f"kill {cycle + 1}, link {link}: {problem}")
                    acks = sum(s.received is not None for s in link_saves)
                    if not acks <= version <= len(link_saves):
                        problems.append(
                            f"kill {cycle + 1}, link {link}: version {version}, {acks} acknowledged"
                        )
                    if answers and (save := match_save(answers, link_saves)) and save.received is None:
                        committed_unacknowledged.add(save.marker)
                assert problems == [], problems[:5]
        finally:
            cycle_over.set()
            start.abort()
            end.abort()
            for thread in threads:
                thread.join(timeout=30)
        elapsed = time.monotonic() - started
        log_problems = server.log_problems()

    every = [s for link_saves in saves for s in link_saves]
    cut_off = sum(s.received is None for s in every)
    print(
        f"\n[{backend}] {KILLS} SIGKILLs in {elapsed:.1f}s: {len(every)} saves, {len(every) - cut_off} "
        f"acknowledged, {cut_off} cut off; {kills_in_flight} kills with saves in flight; "
        f"{len(committed_unacknowledged)} saves cut off before their 303 were nonetheless committed"
    )
    assert problems == []
    assert len(killed) == KILLS
    # The kills landed during saves: most found requests in flight, and some cut saves off.
    assert kills_in_flight >= KILLS // 2
    assert cut_off >= KILLS // 2
    assert log_problems == []


# --- 3. double submission ------------------------------------------------------------------


def test_double_and_replayed_submission_store_one_version(app: Flask, server: Server, backend: str) -> None:
    """Two identical submissions sent together, then a replay: one version, three success pages.

    For each of DOUBLE_SUBMITS links: About you and one section are saved, the check page
    gives the CSRF token, then two threads post /respond/check with the same session
    cookie and token at the same instant (released by a barrier on connected sockets).
    Both must get 303 to /respond/submitted and that page 200 (never an error page); the
    response's version rises by exactly one; the submitted answers equal the draft. A
    replay of the same request afterwards also gets 303 and 200 and changes no version.
    """
    issued = issue_links(app, DOUBLE_SUBMITS, **LEADER)
    overlapped = 0
    spreads = []
    for token, key_hash in issued:
        browser = Browser(server.port)
        base = open_section(browser, token)
        about = browser.get("/respond/about")
        assert about.status == 200
        saved = browser.post(
            "/respond/about",
            {"csrf_token": form_token(about.body), "consent_to_be_named": "no", "action": "continue"},
        )
        assert saved.status == 303, saved.body[:500]
        draft = stored_form(answer_set(token[:8], 1))
        assert browser.post(f"/respond/section/{SECTION}", {**base, **answer_set(token[:8], 1)}).status == 303
        check = browser.get("/respond/check")
        assert check.status == 200
        submission = {"csrf_token": form_token(check.body)}
        cookies = dict(browser.cookies)
        with app.app_context():
            before = responses.find(key_hash)
            assert before is not None and before.status == Status.DRAFT
            version = before.version

        outcomes: list[tuple[Reply, Reply]] = []
        barrier = threading.Barrier(2, timeout=30)
        submit = partial(submit_with, server.port, cookies, submission, barrier, outcomes)
        assert run_threads([submit, submit], timeout=120) == []
        assert len(outcomes) == 2
        for posted, page in outcomes:
            assert (posted.status, posted.location) == (303, "/respond/submitted"), posted.body[:500]
            assert page.status == 200 and "Response submitted" in page.body, page.body[:500]
        first, second = sorted((posted for posted, _ in outcomes), key=lambda r: r.sent)
        overlapped += second.sent < first.received
        spreads.append(second.sent - first.sent)

        replay = Browser(server.port, cookies)
        replayed = replay.post("/respond/check", submission)
        assert (replayed.status, replayed.location) == (303, "/respond/submitted")
        page = replay.get("/respond/submitted")
        assert page.status == 200 and "Response submitted" in page.body

        with app.app_context():
            response = responses.find(key_hash)
            assert response is not None
            assert response.status == Status.SUBMITTED
            assert response.version == version + 1, "a second or replayed submission made a new version"
            assert not response.has_unsubmitted_changes
            assert responses.answers(response, Stage.SUBMITTED) == responses.answers(response) == draft
            invitation = db.session.scalar(
                db.select(Invitation).where(Invitation.token_digest == links.token_digest(token))
            )
            assert invitation is not None and invitation.responded
    print(
        f"\n[{backend}] {DOUBLE_SUBMITS} double submissions: {overlapped} fully overlapping, "
        f"send spread max {max(spreads) * 1000:.1f} ms"
    )
    # The pairs really were simultaneous: most were both in the server at once.
    assert overlapped >= DOUBLE_SUBMITS // 2
    assert server.log_problems() == []


def submit_with(
    port: int,
    cookies: dict[str, str],
    fields: dict[str, str],
    barrier: threading.Barrier,
    outcomes: list[tuple[Reply, Reply]],
) -> None:
    """POST /respond/check as the browser with `cookies`, released together with a twin by
    `barrier` on an already connected socket; then open the page it redirects to."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.connect()
        headers = {
            "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        barrier.wait()
        sent = time.monotonic()
        connection.request("POST", "/respond/check", body=urlencode(fields), headers=headers)
        answer = connection.getresponse()
        page = answer.read().decode()
        received = time.monotonic()
    finally:
        connection.close()
    posted = Reply(answer.status, answer.headers.get("Location", ""), page, sent, received)
    outcomes.append((posted, Browser(port, cookies).get("/respond/submitted")))
