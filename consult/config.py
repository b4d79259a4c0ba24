"""Configuration: defaults, then instance/config.py, then CONSULT_* environment variables."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from questions import DEFAULT_QUESTIONNAIRE


@dataclass(frozen=True)
class Setting:
    """One setting: its default and how a `CONSULT_<NAME>` environment variable sets it.

    `text`: the environment value is taken as it is, never as JSON (a password of digits
    stays text). `environment=False`: set only in instance/config.py or test config, for
    settings the app's safety rests on rather than a deployment's needs.
    """

    default: Any
    text: bool = False
    environment: bool = True


# Every setting, once. The README's configuration table is checked against this.
SETTINGS: dict[str, Setting] = {
    "ENV_NAME": Setting("production", text=True),
    "SECRET_KEY": Setting(None, text=True),
    # The database: CONSULT_DATABASE_URL or DATABASE_URL in instance/config.py; SQLite in
    # the instance folder when neither is given.
    "DATABASE_URL": Setting(None, text=True),
    "SQLALCHEMY_DATABASE_URI": Setting(None, environment=False),
    "SQLALCHEMY_ENGINE_OPTIONS": Setting({"pool_pre_ping": True}, environment=False),
    "QUESTIONNAIRE": Setting(DEFAULT_QUESTIONNAIRE, text=True),
    # Offer respondents a translation still marked as a draft in the questionnaire file
    # (for a test consultation, while the translator checks it); a complete translation is
    # always offered, an incomplete one never.
    "OFFER_DRAFT_TRANSLATIONS": Setting(False),
    # The site's address, e.g. https://consult.example.gov.uk: every emailed, printed or
    # exported link starts with it (never with the Host a request claims). Required outside
    # development.
    "BASE_URL": Setting(None, text=True),
    # Host names besides BASE_URL's that requests may name (e.g. an internal health-check
    # name); any other Host header is refused with 400. A list, or comma-separated text.
    "EXTRA_TRUSTED_HOSTS": Setting([], text=True),
    "SESSION_COOKIE_HTTPONLY": Setting(True, environment=False),
    "SESSION_COOKIE_SAMESITE": Setting("Lax", environment=False),
    "SESSION_COOKIE_NAME": Setting("consult_session", environment=False),
    # A respondent may take weeks over their answers; the link reopens the session anyway.
    "PERMANENT_SESSION_LIFETIME": Setting(60 * 60 * 24 * 14),
    # The cookie is re-signed only when the session changes, not on every response: that
    # cost a save about a fifth of its CPU (benchmarks/bench_load.py). The session then
    # lasts PERMANENT_SESSION_LIFETIME from when the link was opened; opening it again
    # starts a new one.
    "SESSION_REFRESH_EACH_REQUEST": Setting(False, environment=False),
    # A page's CSRF token expires after this long. Free-text answers can take a long sitting:
    # a page posted later still loses nothing, as it comes back with everything typed kept
    # and a fresh token, asking the respondent to save again.
    "WTF_CSRF_TIME_LIMIT": Setting(4 * 60 * 60),
    "WTF_CSRF_SSL_STRICT": Setting(True, environment=False),
    "MAX_CONTENT_LENGTH": Setting(2 * 1024 * 1024, environment=False),
    "SQLITE_BUSY_TIMEOUT_MS": Setting(15000),
    "RATE_LIMIT_STORAGE_URL": Setting(None, text=True),  # redis://… to share limits between processes
    # Redis key prefix (one per deployment sharing a Redis).
    "RATE_LIMIT_KEY_PREFIX": Setting("consult:rl:", text=True),
    # Proxies in front of the app that set X-Forwarded-For/-Proto/-Host: 0 trusts none.
    # An int applies to all three; or a JSON object {"x_for": 2, "x_proto": 1, "x_host": 1}.
    "PROXY_FIX_HOPS": Setting(0),
    "OFFICER_IDLE_TIMEOUT": Setting(30 * 60),
    "OFFICER_ABSOLUTE_TIMEOUT": Setting(12 * 60 * 60),
    # Sign-in: failed attempts per client address in the window; per account, failures past
    # the threshold make each further attempt wait (doubling, up to the maximum) - a slow-down,
    # never a lock-out, and a one-time sign-in link is not subject to it.
    "SIGN_IN_ATTEMPTS_PER_CLIENT": Setting(20),
    "SIGN_IN_WINDOW": Setting(15 * 60),
    "SIGN_IN_FAILURES_BEFORE_SLOWDOWN": Setting(5),
    "SIGN_IN_SLOWDOWN_SECONDS": Setting(10),
    "SIGN_IN_SLOWDOWN_MAX_SECONDS": Setting(120),
    # Emailed one-time sign-in links: per address and per client address in the window.
    "SIGN_IN_LINKS_PER_ADDRESS": Setting(3),
    "SIGN_IN_LINKS_PER_CLIENT": Setting(10),
    "SIGN_IN_LINKS_WINDOW": Setting(60 * 60),
    # Emails anyone may ask for on the site's pages (sign-in links and respondents' own links
    # together), per hour for the whole site: a ceiling on what the site can be made to send.
    "REQUESTED_EMAILS_PER_HOUR": Setting(300),
    # Respondent links that are not valid, per client address per window.
    "INVALID_LINKS_PER_CLIENT": Setting(30),
    "INVALID_LINKS_WINDOW": Setting(60),
    # Email (SMTP) for invitations, reminders and self-service links; unset = no email.
    "MAIL_SERVER": Setting(None, text=True),
    "MAIL_PORT": Setting(587),
    "MAIL_USE_STARTTLS": Setting(True),
    "MAIL_USERNAME": Setting(None, text=True),
    "MAIL_PASSWORD": Setting(None, text=True),
    # e.g. "Taking Stock consultation <consultation@local.gov.uk>"
    "MAIL_FROM": Setting(None, text=True),
    "MAIL_TIMEOUT": Setting(30),
    "MAIL_SEND_SECONDS": Setting(20),  # how long one web request sends for before offering "continue"
    "SELF_SERVICE_PER_ADDRESS": Setting(3),
    "SELF_SERVICE_PER_CLIENT": Setting(20),
    "SELF_SERVICE_WINDOW": Setting(60 * 60),
    # The themes engine of the web app's theme reports: "auto" (the semantic engine where its
    # `embeddings` extra is installed, else the core one), "core", or "semantic".
    "THEMES_ENGINE": Setting("auto", text=True),
    # Background jobs (theme runs): redis://… to queue them for RQ workers (`consult worker`);
    # unset, the web server runs them itself in a thread (fine for one server on a laptop).
    "JOBS_REDIS_URL": Setting(None, text=True),
    "JOBS_QUEUE": Setting("consult-themes", text=True),
}

DEFAULTS: dict[str, Any] = {name: setting.default for name, setting in SETTINGS.items()}


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """The settings given as `CONSULT_<NAME>` variables in `environ`, by config key.

    Values are read as JSON where they parse (numbers, true/false, objects), except text
    settings, which are taken as they are.
    """
    settings: dict[str, Any] = {}
    for name, setting in SETTINGS.items():
        raw = environ.get(f"CONSULT_{name}")
        if raw is None or not setting.environment:
            continue
        try:
            value: Any = raw if setting.text else json.loads(raw)
        except ValueError:
            value = raw
        settings["SQLALCHEMY_DATABASE_URI" if name == "DATABASE_URL" else name] = value
    return settings


DEVELOPMENT_HOSTS = ("127.0.0.1", "localhost")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
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
    app.config.update(from_environment(os.environ))
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
    secret = app.config.get("SECRET_KEY")
    if not secret or secret in {"dev", "change-me"} or len(str(secret)) < 16:
        if not development:
            raise RuntimeError(
                "consult will not start without a real SECRET_KEY: set CONSULT_SECRET_KEY "
                "(at least 16 characters) or run `consult init` to write one to instance/config.py"
            )
        app.config["SECRET_KEY"] = secret or "development-only-key-not-for-production"
    _check_base_url(app, development)
    app.config["SESSION_COOKIE_SECURE"] = cookies_need_https(app.config.get("BASE_URL"))
    if app.config.get("TRUSTED_HOSTS") is None:
        # Flask answers 400 to any other Host (or X-Forwarded-Host, behind ProxyFix).
        app.config["TRUSTED_HOSTS"] = _trusted_hosts(app, development)


def is_loopback(base_url: str) -> bool:
    """Whether `base_url` names this machine (a local try-out), not a site others reach."""
    return (urlsplit(base_url).hostname or "") in LOOPBACK_HOSTS


def cookies_need_https(base_url: str | None) -> bool:
    """The session cookie's `Secure` flag, from the site's address.

    Always on for an https site, and for a plain-http one on a network (a cookie must not
    travel unencrypted there); off only for plain http on this machine's loopback address,
    where a scripted client (requests, curl) would otherwise lose the session. Without a
    BASE_URL (development only) the app serves loopback over http.
    """
    if not base_url:
        return False
    return urlsplit(base_url).scheme == "https" or not is_loopback(base_url)


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


def ensure_instance_secret(base_url: str | None = None) -> str | None:
    """Write instance/config.py with a random SECRET_KEY if there is no key anywhere.

    The file also names the site's address as BASE_URL (`base_url`, else the local address
    `consult serve` listens on) unless one is set in the environment, so that `consult
    init`, `consult links new` and `consult serve` work on a fresh checkout; a real
    deployment sets CONSULT_BASE_URL. Such a local file also offers draft translations,
    as a test consultation does. Returns the path written, or None when a key is already
    configured.
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
                "# The site's address, which every emailed or printed link starts with (change it\n"
                "# with `consult init --base-url URL`). A real deployment sets CONSULT_BASE_URL instead.\n"
                f"BASE_URL = {(base_url or LOCAL_BASE_URL)!r}\n"
                f"EXTRA_TRUSTED_HOSTS = {list(DEVELOPMENT_HOSTS)!r}\n"
                "# A local try-out is a test consultation: it offers a questionnaire's draft Welsh too.\n"
                "OFFER_DRAFT_TRANSLATIONS = True\n"
            )
    return path


def checked_base_url(base_url: str) -> str:
    """`base_url` without a trailing slash; ValueError (fit to show) unless it is an http(s) address."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(
            f"The site's address must be an http(s) address like https://consult.example.gov.uk "
            f"or http://127.0.0.1:5700, not {base_url!r}"
        )
    try:
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise ValueError(f"The port in {base_url!r} is not a number") from None
    return base_url.strip().rstrip("/")


_BASE_URL_LINE = re.compile(r"^BASE_URL\s*=.*$", re.M)


def write_instance_base_url(base_url: str) -> str:
    """Set BASE_URL in instance/config.py (replacing the one there, or adding it); returns the path."""
    path = os.path.join(instance_folder(), "config.py")
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        os.makedirs(instance_folder(), exist_ok=True)
        text = "# Written by `consult init --base-url`.\n"
    line = f"BASE_URL = {base_url!r}"
    if _BASE_URL_LINE.search(text):
        text = _BASE_URL_LINE.sub(lambda _match: line, text, count=1)
    else:
        text = text.rstrip("\n") + "\n" + line + "\n"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path
