"""Benchmark: can the time `POST /sign-in/email-link` takes tell a real account from an unknown one?

    .venv/bin/python benchmarks/bench_sign_in_timing.py                # 200 pairs, 200 ms relay
    .venv/bin/python benchmarks/bench_sign_in_timing.py --pairs 500 --relay-ms 0

Runs `consult serve` in a process of its own on a fresh SQLite database (made by `consult
init`, whose first officer is the real account), with a loopback SMTP sink that takes
`--relay-ms` to accept each message, as a remote relay would. It then asks for a sign-in
link as an attacker would, over HTTP: in each pair one request names the real account and
one an address with no account, in random order, one after the other, without waiting for
anything in between. It prints the median time of each, the median of the per-pair
differences (real minus unknown), how many pairs the real account was the slower, and how
many emails the sink received (the real account's links, sent by the background job).
The rate limits are raised out of the way for the run.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiosmtpd.controller import Controller

REAL = "real.officer@lga.example"
UNKNOWN = "nobody.here@lga.example"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SlowRelay:
    """An SMTP sink that takes `delay` seconds to accept each message."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.received = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)
        self.received += 1
        return "250 OK"


def request(port: int, method: str, path: str, cookie: str, body: dict[str, str] | None = None) -> tuple:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    data = None
    if body is not None:
        data = urlencode(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Origin"] = f"http://127.0.0.1:{port}"
    connection.request(method, path, body=data, headers=headers)
    response = connection.getresponse()
    payload = response.read()
    set_cookie = response.getheader("Set-Cookie") or ""
    connection.close()
    return response.status, payload, set_cookie


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--relay-ms", type=float, default=200.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    relay = SlowRelay(args.relay_ms / 1000)
    smtp_port, port = free_port(), free_port()
    controller = Controller(relay, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    folder = Path(tempfile.mkdtemp(prefix="consult-bench-signin-"))
    environment = {
        **os.environ,
        "CONSULT_INSTANCE_PATH": str(folder),
        "CONSULT_SECRET_KEY": "benchmark-secret-key-long-enough",
        "CONSULT_BASE_URL": f"http://127.0.0.1:{port}",
        "CONSULT_MAIL_SERVER": "127.0.0.1",
        "CONSULT_MAIL_PORT": str(smtp_port),
        "CONSULT_MAIL_USE_STARTTLS": "false",
        "CONSULT_MAIL_FROM": "consult@lga.example",
        "CONSULT_SIGN_IN_LINKS_PER_ADDRESS": "1000000",
        "CONSULT_SIGN_IN_LINKS_PER_CLIENT": "1000000",
        "CONSULT_REQUESTED_EMAILS_PER_HOUR": "1000000",
    }
    consult = str(Path(sys.executable).with_name("consult"))
    subprocess.run(
        [consult, "init", "--first-officer", REAL], env=environment, check=True, capture_output=True
    )
    server = subprocess.Popen(
        [consult, "serve", "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if request(port, "GET", "/healthz", "")[0] == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        status, page, set_cookie = request(port, "GET", "/sign-in/email-link", "")
        cookie = set_cookie.split(";", 1)[0]
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page)
        assert status == 200 and token, "the sign-in link page did not load"
        form = {"csrf_token": token.group(1).decode()}

        def timed(email: str) -> float:
            start = time.perf_counter()
            status, _, _ = request(port, "POST", "/sign-in/email-link", cookie, {**form, "email": email})
            elapsed = time.perf_counter() - start
            assert status == 200, f"unexpected status {status}"
            return elapsed * 1000

        for _ in range(10):  # warm up both paths
            timed(REAL), timed(UNKNOWN)
        rng = random.Random(args.seed)
        real, unknown = [], []
        for _ in range(args.pairs):
            if rng.random() < 0.5:
                real.append(timed(REAL))
                unknown.append(timed(UNKNOWN))
            else:
                unknown.append(timed(UNKNOWN))
                real.append(timed(REAL))
        time.sleep(1 + args.relay_ms / 1000)  # let the last emails reach the sink before counting
    finally:
        server.terminate()
        server.wait(timeout=30)
        controller.stop()
    differences = [r - u for r, u in zip(real, unknown, strict=True)]
    slower = sum(d > 0 for d in differences)
    print(f"pairs: {args.pairs}; relay takes {args.relay_ms:.0f} ms per message")
    print(f"real account:  median {statistics.median(real):.2f} ms")
    print(f"unknown:       median {statistics.median(unknown):.2f} ms")
    print(f"real - unknown, median of pairs: {statistics.median(differences):+.2f} ms")
    print(f"pairs where the real account was slower: {slower} of {args.pairs}")
    print(f"emails received by the relay: {relay.received}")


if __name__ == "__main__":
    main()
