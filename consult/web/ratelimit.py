"""Rate limits through Flask-Limiter, shared by every app process when a store is configured.

`RATE_LIMIT_STORAGE_URL` (e.g. redis://127.0.0.1:6379/0) keeps every count in Redis, so a
limit holds across gunicorn workers and servers. Without it, counts are kept in memory,
which is right for `consult serve` (one process) and nothing else: an app that is told it
runs in several processes (CONSULT_SERVER_PROCESSES, set by deploy/gunicorn.conf.py)
refuses to start without a shared store rather than silently multiply every limit.

Route limits are declared on the routes with `limiter.limit`: per client address, and
with the key functions here per mailbox (a keyed hash of the posted address, never the
address itself) or for the whole site. The sign-in slow-down per account is counted here,
on the same storage. If a shared store stops answering, limits are kept in each process's
memory until it answers again (Flask-Limiter's in-memory fallback), with a loud log line.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import os
import time
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, g, request
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter, RateLimiter
from werkzeug.wrappers import Response

from consult.extensions import limiter

PROCESSES_ENVIRONMENT = "CONSULT_SERVER_PROCESSES"
MEMORY_EXTENSION = "consult_memory_limits"
STORE_TIMEOUT_SECONDS = 0.5
log = logging.getLogger(__name__)
View = TypeVar("View", bound=Callable[..., object])


class _StoreFallbackAlarm(logging.Filter):
    """Raises Flask-Limiter's "storage unreachable" warning to an error anyone watching sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "unreachable" in record.getMessage() and record.levelno < logging.ERROR:
            record.levelno, record.levelname = logging.ERROR, "ERROR"
            record.msg = (
                "RATE LIMIT STORE UNREACHABLE: limits are now kept in this process's memory only "
                "(each process counts on its own) until the store answers again"
            )
            record.args = None
        return True


class SharedStoreRequired(RuntimeError):
    """Several server processes and no shared store: each would keep its own counts."""


def _storage_uri(app: Flask) -> str:
    return str(app.config.get("RATE_LIMIT_STORAGE_URL") or "memory://")


def check_shared_store(app: Flask, processes: int) -> None:
    """Refuse (`SharedStoreRequired`) to serve from several processes with in-memory limits."""
    if processes > 1 and _storage_uri(app).startswith("memory://"):
        raise SharedStoreRequired(
            f"consult will not start {processes} server processes with rate limits kept in each "
            "process's memory: every limit would be multiplied by the number of processes. Set "
            "CONSULT_RATE_LIMIT_STORAGE_URL to a Redis URL (e.g. redis://127.0.0.1:6379/0) shared by "
            "all of them, or run one worker."
        )


def init_app(app: Flask) -> None:
    """Bind the limiter to `app` with the configured store; refuse a multi-process server without one."""
    check_shared_store(app, int(os.environ.get(PROCESSES_ENVIRONMENT) or 1))
    uri = _storage_uri(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", uri)
    # The prefix goes to the store (one per deployment sharing a Redis), so that every key,
    # the route limits' and the account limits' alike, carries it.
    prefix = str(app.config.get("RATE_LIMIT_KEY_PREFIX") or "consult:rl:").rstrip(":")
    options: dict[str, object] = {"key_prefix": prefix}
    if not uri.startswith("memory://"):
        # A store that does not answer must cost a request a moment, not a worker's timeout.
        options |= {"socket_connect_timeout": STORE_TIMEOUT_SECONDS, "socket_timeout": STORE_TIMEOUT_SECONDS}
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", options)
    # A shared store that cannot be reached never stops a respondent or an officer: the
    # limits are kept in this process's memory until it answers again (Flask-Limiter's
    # in-memory fallback), and the change is logged loudly (`_StoreFallbackAlarm`).
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    # A store that fails between a request's check and its count (it stopped mid-request)
    # lets that request through rather than answer 500; Flask-Limiter logs the error.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    logging.getLogger("flask-limiter").addFilter(_StoreFallbackAlarm())
    app.extensions[MEMORY_EXTENSION] = FixedWindowRateLimiter(MemoryStorage())
    app.config.setdefault("RATELIMIT_STRATEGY", "fixed-window")
    # No X-RateLimit-* headers: a count that changes from one response to the next would
    # tell apart pages that are otherwise the same (a refused link from another).
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)


def per_window(count_setting: str, window_setting: str) -> str:
    """A limit string read from configuration at request time, e.g. '20 per 900 second'."""
    config = current_app.config
    return f"{int(config[count_setting])} per {int(config[window_setting])} second"


def _key(*parts: str) -> str:
    """A limit key that does not keep the email address it is about (keyed by the secret key)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()[:32]


def posted_mailbox() -> str:
    """Key function: the mailbox of the form's `email` field (case folded, `+tag` removed), hashed.

    Every spelling of one inbox (`Victim+1@Example.org`, `victim@example.org`) counts as one.
    """
    from consult.data.requested_emails import canonical_mailbox

    return _key("mailbox", canonical_mailbox(request.form.get("email", "")))


def whole_site() -> str:
    """Key function: one count for every client, for limits on what the whole site does."""
    return "site"


def note_email_asked_for() -> None:
    """Mark this request as one that asked for an email, for the limits that count those."""
    g.email_asked_for = True


def email_was_asked_for(_response: object) -> bool:
    """`deduct_when`: count only requests that got as far as asking for an email."""
    return bool(g.get("email_asked_for", False))


def requested_emails_limit() -> str:
    """The whole site's hourly ceiling on emails asked for on its pages."""
    return f"{int(current_app.config['REQUESTED_EMAILS_PER_HOUR'])} per hour"


def emailed_link_limits(
    *,
    per_mailbox: Callable[[], str],
    per_client: Callable[[], str],
    client_counts: Callable[[Response], bool],
    site_busy: Callable[[object], Response],
    mailbox_used_up: Callable[[object], Response],
    client_used_up: Callable[[object], Response],
) -> Callable[[View], View]:
    """The limits on a page whose form emails a link, applied to its POSTs.

    Three limits: the whole site's hourly ceiling on emails asked for (shared by every such
    page), one per mailbox (every spelling of an inbox counts as one) and one per client
    address. Flask-Limiter checks the innermost first (the client's, then the mailbox's, then
    the site's) and the first one reached answers, through its `on_breach` page. The site's
    and the mailbox's count only requests that asked for an email (`note_email_asked_for`);
    `client_counts` says which responses count against the client.
    """

    def limited(view: View) -> View:
        view = limiter.limit(
            per_client, methods=["POST"], deduct_when=client_counts, on_breach=client_used_up
        )(view)
        view = limiter.limit(
            per_mailbox,
            key_func=posted_mailbox,
            methods=["POST"],
            deduct_when=email_was_asked_for,
            on_breach=mailbox_used_up,
        )(view)
        return limiter.shared_limit(
            requested_emails_limit,
            scope="requested-emails",
            key_func=whole_site,
            methods=["POST"],
            deduct_when=email_was_asked_for,
            on_breach=site_busy,
        )(view)

    return limited


def _identifiers(kind: str, value: str) -> tuple[str, str]:
    return (kind, _key(kind, value))


T = TypeVar("T")


def _counted(call: Callable[[RateLimiter], T]) -> T:
    """`call` on the shared store; on this process's memory if the store cannot be reached.

    The limits counted here (not declared on a route) fall back as the route limits do, so
    that a store that is down never turns a sign-in into an error page.
    """
    try:
        return call(limiter.limiter)
    except Exception as exc:  # the store's client raises its own errors (redis.ConnectionError, …)
        log.error(
            "RATE LIMIT STORE UNREACHABLE (%s): this count is kept in this process's memory only",
            exc.__class__.__name__,
        )
        return call(current_app.extensions[MEMORY_EXTENSION])


# Sign-in: per-account slow-down --------------------------------------------------------------
# Failed passwords for one account are counted whichever client sent them. Past a threshold
# the account is not locked: each further attempt must wait a delay that doubles with every
# failure, up to a cap, so an attacker elsewhere can slow the real officer down but never
# shut them out, and an emailed one-time sign-in link is not subject to it at all.

_FAILURE_CEILING = 1_000_000  # the failure count is read from a limit that is never reached


def _failures_item() -> RateLimitItem:
    return RateLimitItemPerSecond(_FAILURE_CEILING, int(current_app.config["SIGN_IN_WINDOW"]))


def _failures(email: str) -> int:
    item, identifiers = _failures_item(), _identifiers("sign-in-failures", email)
    stats = _counted(lambda store: store.get_window_stats(item, *identifiers))
    return _FAILURE_CEILING - stats.remaining


def _delay_item(failures: int) -> RateLimitItem | None:
    config = current_app.config
    over = failures - int(config["SIGN_IN_FAILURES_BEFORE_SLOWDOWN"])
    if over < 0:
        return None
    delay = min(
        int(config["SIGN_IN_SLOWDOWN_SECONDS"]) * 2**over, int(config["SIGN_IN_SLOWDOWN_MAX_SECONDS"])
    )
    return RateLimitItemPerSecond(1, max(1, delay))


def sign_in_delay(email: str) -> int:
    """Seconds the account must wait before another password attempt (0: it may try now)."""
    item = _delay_item(_failures(email))
    if item is None:
        return 0
    identifiers = _identifiers("sign-in-delay", email)
    if _counted(lambda store: store.test(item, *identifiers)):
        return 0
    reset_at = _counted(lambda store: store.get_window_stats(item, *identifiers)).reset_time
    return max(1, math.ceil(reset_at - time.time()))


def record_sign_in_failure(email: str) -> None:
    """Count a wrong password for the account and, past the threshold, start its delay."""
    failures = _failures_item()
    _counted(lambda store: store.hit(failures, *_identifiers("sign-in-failures", email)))
    if item := _delay_item(_failures(email)):
        _counted(lambda store: store.hit(item, *_identifiers("sign-in-delay", email)))


def clear_sign_in_failures(email: str) -> None:
    """Forget the account's failures once it has signed in."""
    failures = _failures_item()
    _counted(lambda store: store.clear(failures, *_identifiers("sign-in-failures", email)))
