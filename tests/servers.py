"""The app as a real server for tests: gunicorn in its own process group, or Werkzeug in a thread."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_request(
    port: int, method: str, path: str, cookie: str = "", body: str | None = None
) -> tuple[int, str, str]:
    """(status, the session cookie to send next, body) of one request on a new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        set_cookie = response.getheader("Set-Cookie") or ""
        match = re.match(r"\s*([^=;\s]+=[^;]*)", set_cookie)
        return (
            response.status,
            match.group(1) if match else cookie,
            response.read().decode("utf-8", "replace"),
        )
    finally:
        conn.close()


@contextmanager
def running_gunicorn(env: dict[str, str], logs: Path, *options: str) -> Iterator[int]:
    """gunicorn with deploy/gunicorn.conf.py on a free loopback port; yields the port.

    Access and error logs go to `logs`/access.log and `logs`/error.log. The server is
    stopped (its whole process group) however the block ends.
    """
    port = free_port()
    error_log = logs / "error.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "--bind",
         f"127.0.0.1:{port}", "--access-logfile", str(logs / "access.log"), "--error-logfile", str(error_log),
         *options, "consult:create_app()"],
        env={**env, "PYTHONPATH": str(ROOT)}, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if http_request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, error_log.read_text()[-2000:]
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def migrated_app(database: Path, opens_on: date | None = None) -> Flask:
    """The app on a new SQLite file, its schema from the migrations, Taking Stock loaded.

    Development settings, so that plain HTTP to it keeps the session cookie.
    """
    from flask_migrate import upgrade

    from consult import create_app
    from consult.data import consultations
    from consult.extensions import db
    from tests.conftest import TEST_SECRET

    app = create_app(
        {
            "ENV_NAME": "development",
            "SECRET_KEY": TEST_SECRET,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        }
    )
    with app.app_context():
        upgrade()
        consultations.ensure_consultation("taking-stock", opens_on)
        db.session.commit()
    return app


@contextmanager
def serving_in_thread(app: Flask) -> Iterator[str]:
    """`app` served over HTTP on a free loopback port by Werkzeug in a thread; yields its root URL.

    Requests are logged with link tokens redacted, as `consult serve` does.
    """
    from werkzeug.serving import make_server

    from consult.extensions import db
    from consult.web.serving import TokenRedactingHandler

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=TokenRedactingHandler)
    thread = threading.Thread(target=server.serve_forever, name="test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()
