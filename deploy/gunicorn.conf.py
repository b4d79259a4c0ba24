"""gunicorn settings for consult in production: `gunicorn -c deploy/gunicorn.conf.py 'consult:create_app()'`.

Everything can be overridden from the environment (GUNICORN_BIND, GUNICORN_WORKERS,
GUNICORN_THREADS, GUNICORN_TIMEOUT, GUNICORN_ACCESS_LOG) or on the command line, which
takes precedence over this file. Secrets never live here: the app reads CONSULT_SECRET_KEY,
CONSULT_DATABASE_URL and the rest from the environment.

The access log never carries a link token or a query string: the format logs the path
without its query (`%(U)s`), and the token-redacting filter (consult.web.security, the one
used by every log) rewrites /r/<token> and /sign-in/link/<token> before any handler sees
the line.

More than one worker needs CONSULT_RATE_LIMIT_STORAGE_URL (Redis): without a shared store
the server refuses to start rather than let each worker keep its own rate-limit counts.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

from consult.web.ratelimit import PROCESSES_ENVIRONMENT
from consult.web.security import redact_logs


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: each handles one request at a time; two per core plus one keeps the CPU busy
# while others wait on the database. Threads (gthread) only if GUNICORN_THREADS > 1.
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _int("GUNICORN_TIMEOUT", 60)  # long enough for an export or a mail-sending request
graceful_timeout = 30
keepalive = 5
# Bounded requests per worker guard against slow leaks; jitter avoids restarting all at once.
max_requests = 5000
max_requests_jitter = 500
# Request line limits: a link token is 43 characters; nothing legitimate needs more.
limit_request_line = 4094
limit_request_fields = 100

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# No query string (%(U)s is the path alone), no referrer, no user agent: nothing to identify a respondent.
# The client address (%(h)s) is the proxy's unless consult's ProxyFix is configured.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
# Behind a TLS proxy on the same host the proxy talks to 127.0.0.1; trust only it.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips


def on_starting(server: Any) -> None:
    """In the master, before any worker forks.

    The token-redacting filter goes on gunicorn's loggers (inherited by every worker), and
    the app is built once here so that a setting it refuses (no SECRET_KEY, no BASE_URL,
    several workers with rate limits in each one's memory) stops the server at once with
    its reason, rather than each worker failing to boot.
    """
    redact_logs("gunicorn.access", "gunicorn.error")
    # Every worker's app learns how many processes share the work, and refuses to keep
    # rate limits in its own memory when there is more than one.
    os.environ[PROCESSES_ENVIRONMENT] = str(server.cfg.workers)
    from consult import create_app

    try:
        create_app()
    except RuntimeError as exc:
        server.log.error("consult will not start: %s", exc)
        raise SystemExit(1) from None


def post_worker_init(worker: Any) -> None:
    """Again in each worker, after the app has loaded (the app adds it too; this is idempotent)."""
    redact_logs("gunicorn.access", "gunicorn.error")
