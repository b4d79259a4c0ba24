"""Running the app locally with Werkzeug, without link tokens in the request log."""

from __future__ import annotations

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, run_simple

from consult.web.security import redact_logs


class TokenRedactingHandler(WSGIRequestHandler):
    """Werkzeug's request handler, its log ("werkzeug") passed through the token-redacting filter."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        redact_logs("werkzeug")  # the same filter as every other log; added once
        super().log_request(code, size)


def run_local(app: Flask, host: str, port: int) -> None:
    run_simple(host, port, app, threaded=True, request_handler=TokenRedactingHandler, use_reloader=False)
