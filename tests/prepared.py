"""Helpers for the prepared downloads: ask for one, wait for its job, fetch its file."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token


def request_download(client: FlaskClient, kind: str, fmt: str, page: str = "/officer/") -> int:
    """Press "Prepare …" for `kind` as `fmt` on `page`; the id of the download it records."""
    shown = client.get(page)
    assert shown.status_code == 200
    response = client.post(
        f"/officer/downloads/prepare/{kind}/{fmt}", data={"csrf_token": csrf_token(shown.data)}
    )
    assert response.status_code == 303, response.data[:300]
    match = re.fullmatch(r"/officer/downloads/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def wait_for_jobs(app: Flask) -> None:
    """Wait for the jobs the embedded runner (a thread, in tests) has been given."""
    assert app.extensions["consult_jobs"].wait(timeout=180), "the job did not finish"


def prepared_file(app: Flask, client: FlaskClient, kind: str, fmt: str, page: str = "/officer/") -> Any:
    """Ask for a download, wait for it, follow its page's link and return the file's response."""
    download_id = request_download(client, kind, fmt, page)
    wait_for_jobs(app)
    shown = client.get(f"/officer/downloads/{download_id}").get_data(as_text=True)
    link = f"/officer/downloads/{download_id}/file"
    assert f'href="{link}"' in shown, shown
    response = client.get(link)
    assert response.status_code == 200, response.data[:300]
    assert response.headers["Content-Disposition"].startswith("attachment")
    return response
