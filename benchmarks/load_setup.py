"""The server side of benchmarks/bench_load.py: a fresh database, gunicorn, respondents' sessions.

A database (SQLite in a folder, or a new PostgreSQL database) is migrated and given
Taking Stock and its links; gunicorn serves a checkout of consult on it with
deploy/gunicorn.conf.py; every link is opened as a browser would, giving the session
cookie, CSRF token and form body that the load client then sends.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
POSTGRES_ADMIN_URL = os.environ.get(
    "CONSULT_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SECRET = "benchmark-secret-key-" + uuid.uuid4().hex
# The server listens on a free loopback port; links and trusted hosts need only the host.
BASE_URL = "http://127.0.0.1"
SECTION = "principles"

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

    app = create_app({"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url, "BASE_URL": BASE_URL})
    with app.app_context():
        upgrade()
        consultation, _ = consultations.ensure_consultation("taking-stock")
        tokens = [link_data.issue_link(consultation).token for _ in range(links)]
        db.session.commit()
        db.engine.dispose()
    return tokens


def server_environment(
    url: str, folder: Path, tree: Path, extra: dict[str, str] | None = None
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONSULT_", "GUNICORN_"))}
    env.update(
        {
            "CONSULT_SECRET_KEY": SECRET,
            "CONSULT_DATABASE_URL": url,
            "CONSULT_INSTANCE_PATH": str(folder / "instance"),
            "CONSULT_BASE_URL": BASE_URL,
            # Several workers need a shared rate-limit store, or the server refuses to start.
            "CONSULT_RATE_LIMIT_STORAGE_URL": os.environ.get("CONSULT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
            "CONSULT_RATE_LIMIT_KEY_PREFIX": "consult-bench:",
            "PYTHONPATH": str(tree),
            **(extra or {}),
        }
    )
    return env


@contextlib.contextmanager
def gunicorn(
    url: str, folder: Path, workers: int | None, tree: Path, extra_env: dict[str, str] | None = None
) -> Iterator[tuple[int, Path, int]]:
    """gunicorn serving the checkout `tree` on a free loopback port (with `extra_env` set).

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
        command, env=server_environment(url, folder, tree, extra_env), cwd=tree, start_new_session=True
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
