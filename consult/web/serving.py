"""Running the app locally with Werkzeug, without link tokens in the request log.

`consult serve` listens where BASE_URL says when BASE_URL is this machine (a local
try-out), so that every printed or emailed link reaches the server; given another port or
host, it says so plainly and uses the address it serves for the links it makes itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, run_simple

from consult.config import LOOPBACK_HOSTS, is_loopback
from consult.web.security import redact_logs

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 5000


class TokenRedactingHandler(WSGIRequestHandler):
    """Werkzeug's request handler, its log ("werkzeug") passed through the token-redacting filter."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        redact_logs("werkzeug")  # the same filter as every other log; added once
        super().log_request(code, size)


@dataclass(frozen=True)
class ServingAddress:
    """Where `consult serve` listens, the root of the links it makes, and what to warn about."""

    host: str
    port: int
    link_root: str | None  # None: BASE_URL is unset (development) and links follow the request
    warning: str | None = None


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def serving_address(base_url: str | None, host: str | None, port: int | None) -> ServingAddress:
    """Where to listen given BASE_URL and the --host/--port asked for (None: not given).

    A BASE_URL on this machine gives the defaults. Asked for another address, the links
    this server makes start with the address served (so they work), and the warning says
    that other commands' links still start with BASE_URL, and how to make them agree.
    A BASE_URL elsewhere (a proxy in front) is left alone.
    """
    if not base_url or not is_loopback(base_url):
        return ServingAddress(host or DEFAULT_HOST, port or DEFAULT_PORT, base_url)
    parts = urlsplit(base_url)
    base_host = parts.hostname or DEFAULT_HOST
    base_port = parts.port or (443 if parts.scheme == "https" else 80)
    listen_host, listen_port = host or base_host, port or base_port
    link_host = listen_host if listen_host in LOOPBACK_HOSTS else base_host
    if listen_port == base_port and (link_host == base_host or listen_host not in LOOPBACK_HOSTS):
        return ServingAddress(listen_host, listen_port, base_url)
    served = f"{parts.scheme}://{_url_host(link_host)}:{listen_port}"
    warning = (
        f"BASE_URL is {base_url}, but this server listens on {served}. The links it makes "
        f"itself (emailed sign-in links, the pages' own) use {served} for this run; links "
        f"printed by other commands (`consult links new`, `consult officers link`) still start "
        f"with {base_url}. To make them agree, run: consult init --base-url {served}"
    )
    return ServingAddress(listen_host, listen_port, served, warning)


def use_serving_address(app: Flask, address: ServingAddress) -> None:
    """Make the app's links start with the address served, and accept requests naming it."""
    if address.link_root is None:
        return
    app.config["BASE_URL"] = address.link_root
    host = urlsplit(address.link_root).hostname
    trusted = list(app.config.get("TRUSTED_HOSTS") or [])
    if host and host not in trusted:
        app.config["TRUSTED_HOSTS"] = [*trusted, host]


def run_local(app: Flask, host: str, port: int) -> None:
    run_simple(host, port, app, threaded=True, request_handler=TokenRedactingHandler, use_reloader=False)
