"""Limits on link tokens that are not valid, per client, in one process and across gunicorn workers."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import TEST_SECRET, csrf_token, issue_token, require_redis
from tests.servers import ROOT, http_request, running_gunicorn

REDIS_URL = "redis://127.0.0.1:6379/1"


def test_invalid_link_tokens_are_limited_per_client(app: Flask) -> None:
    app.config["INVALID_LINKS_PER_CLIENT"] = 5
    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    codes = [guesser.get(f"/r/{secrets.token_urlsafe(32)}").status_code for _ in range(7)]
    assert codes == [404] * 5 + [429] * 2
    assert b"Too many links tried" in guesser.get(f"/r/{secrets.token_urlsafe(32)}").data
    # Another client is not affected, and opening a real link again and again never counts.
    token = issue_token(app)
    holder = app.test_client()
    holder.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    assert [holder.get(f"/r/{token}").status_code for _ in range(8)] == [303] * 8


def test_invalid_sign_in_links_are_limited_per_client(app: Flask) -> None:
    app.config["INVALID_LINKS_PER_CLIENT"] = 3
    guesser = app.test_client()
    codes = [guesser.get(f"/sign-in/link/{secrets.token_urlsafe(32)}").status_code for _ in range(5)]
    assert codes == [404] * 3 + [429] * 2


@pytest.fixture
def two_workers_with_redis(tmp_path: Path) -> Iterator[int]:
    """gunicorn (deploy/gunicorn.conf.py) with two workers, limits in Redis under a prefix of its own."""
    store = require_redis(REDIS_URL)
    prefix = f"consult-test:{uuid.uuid4().hex}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONSULT_", "GUNICORN_"))}
    env.update(
        CONSULT_SECRET_KEY=TEST_SECRET,
        CONSULT_DATABASE_URL=f"sqlite:///{tmp_path / 'consult.sqlite3'}",
        CONSULT_INSTANCE_PATH=str(tmp_path / "instance"),
        CONSULT_BASE_URL="http://127.0.0.1:8000",
        CONSULT_RATE_LIMIT_STORAGE_URL=REDIS_URL,
        CONSULT_RATE_LIMIT_KEY_PREFIX=prefix,
        CONSULT_INVALID_LINKS_PER_CLIENT="6",
        CONSULT_SIGN_IN_ATTEMPTS_PER_CLIENT="4",
        PYTHONPATH=str(ROOT),
    )
    init = subprocess.run(
        [sys.executable, "-m", "consult.cli", "init"], env=env, capture_output=True, text=True
    )
    assert init.returncode == 0, init.stderr[-2000:]
    try:
        with running_gunicorn(env, tmp_path, "--workers", "2") as port:
            yield port
    finally:
        if keys := list(store.scan_iter(match=f"{prefix}*")):
            store.delete(*keys)


def test_limits_hold_across_two_gunicorn_workers(two_workers_with_redis: int) -> None:
    port = two_workers_with_redis
    # A new connection each time: the two sync workers take them in turn.
    codes = [http_request(port, "GET", f"/r/{secrets.token_urlsafe(32)}")[0] for _ in range(10)]
    assert codes == [404] * 6 + [429] * 4
    statuses = []
    for i in range(7):
        _, cookie, page = http_request(port, "GET", "/sign-in")
        body = urllib.parse.urlencode(
            {"csrf_token": csrf_token(page), "email": f"guess{i}@lga.example", "password": "wrong password!!"}
        )
        status, _, answer = http_request(port, "POST", "/sign-in", cookie, body)
        assert status == 429 or "Enter a correct email address and password" in answer
        statuses.append(status)
    # Per client, whichever accounts it tries and whichever worker answers.
    assert statuses == [400] * 4 + [429] * 3
