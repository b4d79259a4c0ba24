"""Configuration: defaults, then instance/config.py, then CONSULT_* environment variables."""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

DEFAULTS: dict[str, Any] = {
    "ENV_NAME": "production",
    "SECRET_KEY": None,
    "SQLALCHEMY_DATABASE_URI": None,  # set from the instance folder if not given
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "QUESTIONNAIRE": "taking-stock",
    # The site's address, e.g. https://consult.example.gov.uk: every emailed, printed or
    # exported link starts with it (never with the Host a request claims). Required outside
    # development.
    "BASE_URL": None,
    # Host names besides BASE_URL's that requests may name (e.g. an internal health-check
    # name); any other Host header is refused with 400. A list, or comma-separated text.
    "EXTRA_TRUSTED_HOSTS": [],
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_NAME": "consult_session",
    # A respondent may take weeks over their answers; the link reopens the session anyway.
    "PERMANENT_SESSION_LIFETIME": 60 * 60 * 24 * 14,
    # The cookie is re-signed only when the session changes, not on every response: that
    # cost a save about a fifth of its CPU (benchmarks/bench_load.py). The session then
    # lasts PERMANENT_SESSION_LIFETIME from when the link was opened; opening it again
    # starts a new one.
    "SESSION_REFRESH_EACH_REQUEST": False,
    # A page's CSRF token expires after this long. Free-text answers can take a long sitting:
    # a page posted later still loses nothing, as it comes back with everything typed kept
    # and a fresh token, asking the respondent to save again.
    "WTF_CSRF_TIME_LIMIT": 4 * 60 * 60,
    "WTF_CSRF_SSL_STRICT": True,
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "SQLITE_BUSY_TIMEOUT_MS": 15000,
    "RATE_LIMIT_STORAGE_URL": None,  # redis://… to share limits between processes
    "RATE_LIMIT_KEY_PREFIX": "consult:rl:",  # Redis key prefix (one per deployment sharing a Redis)
    # Proxies in front of the app that set X-Forwarded-For/-Proto/-Host: 0 trusts none.
    # An int applies to all three; or a JSON object {"x_for": 2, "x_proto": 1, "x_host": 1}.
    "PROXY_FIX_HOPS": 0,
    "OFFICER_IDLE_TIMEOUT": 30 * 60,
    "OFFICER_ABSOLUTE_TIMEOUT": 12 * 60 * 60,
    # Sign-in: failed attempts per client address in the window; per account, failures past
    # the threshold make each further attempt wait (doubling, up to the maximum) - a slow-down,
    # never a lock-out, and a one-time sign-in link is not subject to it.
    "SIGN_IN_ATTEMPTS_PER_CLIENT": 20,
    "SIGN_IN_WINDOW": 15 * 60,
    "SIGN_IN_FAILURES_BEFORE_SLOWDOWN": 5,
    "SIGN_IN_SLOWDOWN_SECONDS": 10,
    "SIGN_IN_SLOWDOWN_MAX_SECONDS": 120,
    # Emailed one-time sign-in links: per address and per client address in the window.
    "SIGN_IN_LINKS_PER_ADDRESS": 3,
    "SIGN_IN_LINKS_PER_CLIENT": 10,
    "SIGN_IN_LINKS_WINDOW": 60 * 60,
    # Respondent links that are not valid, per client address per window.
    "INVALID_LINKS_PER_CLIENT": 30,
    "INVALID_LINKS_WINDOW": 60,
    # Email (SMTP) for invitations, reminders and self-service links; unset = no email.
    "MAIL_SERVER": None,
    "MAIL_PORT": 587,
    "MAIL_USE_STARTTLS": True,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_FROM": None,  # e.g. "Taking Stock consultation <consultation@local.gov.uk>"
    "MAIL_TIMEOUT": 30,
    "MAIL_SEND_SECONDS": 20,  # how long one web request sends for before offering "continue"
    "SELF_SERVICE_PER_ADDRESS": 3,
    "SELF_SERVICE_PER_CLIENT": 20,
    "SELF_SERVICE_WINDOW": 60 * 60,
    # The themes engine of the web app's theme reports: "auto" (the semantic engine where its
    # `embeddings` extra is installed, else the core one), "core", or "semantic".
    "THEMES_ENGINE": "auto",
    # Background jobs (theme runs): redis://… to queue them for RQ workers (`consult worker`);
    # unset, the web server runs them itself in a thread (fine for one server on a laptop).
    "JOBS_REDIS_URL": None,
    "JOBS_QUEUE": "consult-themes",
}

# Settings that may come from CONSULT_<NAME> environment variables; values are read as
# JSON where they parse as JSON (numbers, true/false), otherwise as plain text.
ENVIRONMENT_SETTINGS = {
    "ENV_NAME",
    "SECRET_KEY",
    "DATABASE_URL",
    "QUESTIONNAIRE",
    "BASE_URL",
    "EXTRA_TRUSTED_HOSTS",
    "SESSION_COOKIE_SECURE",
    "PERMANENT_SESSION_LIFETIME",
    "SQLITE_BUSY_TIMEOUT_MS",
    "RATE_LIMIT_STORAGE_URL",
    "RATE_LIMIT_KEY_PREFIX",
    "PROXY_FIX_HOPS",
    "OFFICER_IDLE_TIMEOUT",
    "OFFICER_ABSOLUTE_TIMEOUT",
    "SIGN_IN_ATTEMPTS_PER_CLIENT",
    "SIGN_IN_WINDOW",
    "SIGN_IN_FAILURES_BEFORE_SLOWDOWN",
    "SIGN_IN_SLOWDOWN_SECONDS",
    "SIGN_IN_SLOWDOWN_MAX_SECONDS",
    "INVALID_LINKS_PER_CLIENT",
    "INVALID_LINKS_WINDOW",
    "SELF_SERVICE_PER_ADDRESS",
    "SELF_SERVICE_PER_CLIENT",
    "SELF_SERVICE_WINDOW",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USE_STARTTLS",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_FROM",
    "THEMES_ENGINE",
    "JOBS_REDIS_URL",
    "JOBS_QUEUE",
}


TEXT_SETTINGS = {
    "SECRET_KEY",
    "EXTRA_TRUSTED_HOSTS",
    "DATABASE_URL",
    "BASE_URL",
    "RATE_LIMIT_STORAGE_URL",
    "RATE_LIMIT_KEY_PREFIX",
    "ENV_NAME",
    "QUESTIONNAIRE",
    "MAIL_SERVER",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_FROM",
    "THEMES_ENGINE",
    "JOBS_REDIS_URL",
    "JOBS_QUEUE",
}


def _from_environment(environ: dict[str, str]) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for name in ENVIRONMENT_SETTINGS:
        raw = environ.get(f"CONSULT_{name}")
        if raw is None:
            continue
        try:
            value: Any = json.loads(raw) if name not in TEXT_SETTINGS else raw
        except ValueError:
            value = raw
        settings["SQLALCHEMY_DATABASE_URI" if name == "DATABASE_URL" else name] = value
    return settings


DEVELOPMENT_HOSTS = ("127.0.0.1", "localhost")
LOCAL_BASE_URL = "http://127.0.0.1:5000"  # where `consult serve` listens by default


def _trusted_hosts(app: Flask, development: bool) -> list[str]:
    """Host names a request may carry: BASE_URL's, the configured extras, loopback in development."""
    extras = app.config.get("EXTRA_TRUSTED_HOSTS") or []
    if isinstance(extras, str):
        extras = [name.strip() for name in extras.split(",")]
    hosts = [str(name).strip().lower() for name in extras if str(name).strip()]
    if base := app.config.get("BASE_URL"):
        hosts.insert(0, str(urlsplit(base).hostname))
    if development:
        hosts += DEVELOPMENT_HOSTS
    return list(dict.fromkeys(hosts))


def _check_base_url(app: Flask, development: bool) -> None:
    base = app.config.get("BASE_URL")
    if not base:
        if not development:
            raise RuntimeError(
                "consult will not start without BASE_URL, the site's address that every emailed "
                "link starts with: set CONSULT_BASE_URL (e.g. https://consult.example.gov.uk)"
            )
        return
    parts = urlsplit(str(base))
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise RuntimeError(
            f"BASE_URL must be an http(s) address like https://consult.example.gov.uk, not {base!r}"
        )
    app.config["BASE_URL"] = str(base).rstrip("/")


def configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Load configuration in order: defaults, instance/config.py, environment, test config."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(_from_environment(dict(os.environ)))
    if test_config is not None:
        app.config.update(test_config)
    if app.config.get("DATABASE_URL") and not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
            app.instance_path, "consult.sqlite3"
        )
    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        # A local file cannot drop a connection: no ping before every checkout.
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options["pool_pre_ping"] = False
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    development = is_development(app)
    if development:
        app.config["SESSION_COOKIE_SECURE"] = bool(os.environ.get("CONSULT_SESSION_COOKIE_SECURE") == "true")
    secret = app.config.get("SECRET_KEY")
    if not secret or secret in {"dev", "change-me"} or len(str(secret)) < 16:
        if not development:
            raise RuntimeError(
                "consult will not start without a real SECRET_KEY: set CONSULT_SECRET_KEY "
                "(at least 16 characters) or run `consult init` to write one to instance/config.py"
            )
        app.config["SECRET_KEY"] = secret or "development-only-key-not-for-production"
    _check_base_url(app, development)
    if app.config.get("TRUSTED_HOSTS") is None:
        # Flask answers 400 to any other Host (or X-Forwarded-Host, behind ProxyFix).
        app.config["TRUSTED_HOSTS"] = _trusted_hosts(app, development)


def is_development(app: Flask) -> bool:
    """Whether the app runs with development settings (or under test)."""
    return app.config["ENV_NAME"] == "development" or app.testing or app.debug


def proxy_fix_hops(app: Flask) -> dict[str, int]:
    """ProxyFix's trusted hop counts from PROXY_FIX_HOPS: {} when no proxy is trusted."""
    setting = app.config.get("PROXY_FIX_HOPS") or 0
    names = ("x_for", "x_proto", "x_host")
    if isinstance(setting, dict):
        unknown = set(setting) - set(names)
        if unknown:
            raise RuntimeError(f"PROXY_FIX_HOPS: unknown keys {sorted(unknown)}; use {', '.join(names)}")
        hops = {name: int(setting.get(name, 0)) for name in names}
    else:
        hops = dict.fromkeys(names, int(setting))
    if any(value < 0 for value in hops.values()):
        raise RuntimeError("PROXY_FIX_HOPS must not be negative")
    return hops if any(hops.values()) else {}


def instance_folder() -> str:
    """The instance folder: CONSULT_INSTANCE_PATH, else Flask's default for this package."""
    if path := os.environ.get("CONSULT_INSTANCE_PATH"):
        return os.path.abspath(path)
    return Flask("consult", instance_relative_config=True).instance_path


def ensure_instance_secret() -> str | None:
    """Write instance/config.py with a random SECRET_KEY if there is no key anywhere.

    The file also names the local address (`consult serve`'s default) as BASE_URL unless
    one is set in the environment, so that `consult init`, `consult links new` and
    `consult serve` work on a fresh checkout; a real deployment sets CONSULT_BASE_URL.
    Returns the path written, or None when a key is already configured.
    """
    import secrets

    if os.environ.get("CONSULT_SECRET_KEY"):
        return None
    folder = instance_folder()
    path = os.path.join(folder, "config.py")
    if os.path.exists(path):
        return None
    os.makedirs(folder, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(
            "# Written by `consult init`. Keep this file secret; it is not committed.\n"
            f"SECRET_KEY = {secrets.token_urlsafe(48)!r}\n"
        )
        if not os.environ.get("CONSULT_BASE_URL"):
            fh.write(
                "# The site's address, which every emailed or printed link starts with: this machine,\n"
                "# as `consult serve` runs it. A real deployment sets CONSULT_BASE_URL instead.\n"
                f"BASE_URL = {LOCAL_BASE_URL!r}\n"
                f"EXTRA_TRUSTED_HOSTS = {list(DEVELOPMENT_HOSTS)!r}\n"
            )
    return path
