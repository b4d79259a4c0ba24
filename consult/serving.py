"""Running the app locally with Werkzeug, without link tokens in the request log."""

from __future__ import annotations

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, run_simple

from consult.security import redact_tokens


class TokenRedactingHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # requestline holds the path, and so the token of a /r/<token> link.
        self.requestline = redact_tokens(self.requestline)
        super().log_request(code, size)


def run_local(app: Flask, host: str, port: int) -> None:
    run_simple(host, port, app, threaded=True, request_handler=TokenRedactingHandler, use_reloader=False)
