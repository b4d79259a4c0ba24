"""The job that sends the emails people ask for on the site (`consult.mail.requested`).

A request stores the email and queues this job; the job sends everything waiting, so one
run catches up with any emails an earlier run could not send (mail server down) or that
were stored while the queue could not be reached. `consult mail requested` runs the same.
"""

from __future__ import annotations

import logging

from flask import current_app, has_app_context

from consult.extensions import jobs
from consult.mail import requested, smtp

log = logging.getLogger(__name__)


def send_requested_emails() -> None:
    """Send the asked-for emails that wait (in the app's context: the server's, or `consult worker`'s)."""
    if not has_app_context():
        raise RuntimeError("a job runs inside the app: start workers with `consult worker`")
    _send()


def _send() -> None:
    settings = smtp.settings_from(current_app.config)
    if settings is None:
        log.error("emails asked for on the site wait, but email is not set up (MAIL_SERVER, MAIL_FROM)")
        return
    report = requested.send_requested(settings)
    if report.problem:
        # Loud, for whoever runs the service: someone is waiting for a sign-in link.
        log.error("emails asked for on the site could not all be sent; they wait: %s", report.problem)


def queue_requested_emails() -> bool:
    """Queue the sending job; False (and a log line) when the job queue cannot be reached.

    The email is stored already, so it is not lost: the next job that runs, or
    `consult mail requested`, sends it.
    """
    try:
        jobs.enqueue(send_requested_emails)
    except Exception as exc:  # the queue (Redis) could not be reached
        log.error(
            "the job queue could not be reached, so an email asked for on the site waits until the "
            "next one is queued or `consult mail requested` is run: %s",
            exc,
        )
        return False
    return True
