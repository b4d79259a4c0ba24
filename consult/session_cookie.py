"""The signed session cookie, re-signed only when it changed or is getting old.

Flask re-signs a permanent session's cookie on every response
(SESSION_REFRESH_EACH_REQUEST), so that it expires a fixed time after the last request.
Here it is re-signed when the session changed, or when the cookie was signed more than
SESSION_REFRESH_AFTER seconds ago: the expiry still follows the last request, to within
that interval (14 days after the last request, give or take an hour), and a page view
or a save no longer signs and sends a new cookie each time. The signature's timestamp,
not the cookie's Expires attribute, is what the server checks (`max_age` on loading).

A cookie whose signature has been checked is remembered by this process (a bounded
table, emptied when the secret key changes), so a respondent's next request with the
same cookie is not verified and decoded again; its age is still checked every time.
"""

from __future__ import annotations

import copy
import datetime as dt
import time
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer

# How old an unchanged cookie may get before a response re-signs it (SESSION_REFRESH_AFTER).
DEFAULT_REFRESH_AFTER = 60 * 60
# Verified cookies remembered per process: more than the links one process serves at a time.
VERIFIED_COOKIES = 4096


class TimedSession(SecureCookieSession):
    """A cookie session that knows when its cookie was signed (None for a new one)."""

    signed_at: dt.datetime | None = None


class RefreshingSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, re-signing an unchanged cookie at most once per interval."""

    session_class = TimedSession

    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], URLSafeTimedSerializer] = {}
        # Cookie value → (session data, when signed), for cookies whose signature was good.
        self._verified: dict[str, tuple[dict[str, Any], dt.datetime]] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer, made once per secret key instead of twice a request."""
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        serializer = self._serializers.get(key)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if serializer is None:
                return None
            self._serializers = {key: serializer}  # one secret at a time: drop any earlier
            self._verified = {}  # checked under the previous secret
        return serializer

    def open_session(self, app: Flask, request: Request) -> TimedSession | None:
        """The session from the request's cookie, with when it was signed."""
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        verified = self._verified.get(value)
        if verified is not None:
            data, signed_at = verified
            age = int(time.time()) - int(signed_at.timestamp())
            if not 0 <= age <= max_age:  # as itsdangerous checks on loading (whole seconds)
                return self.session_class()
            data = copy.deepcopy(data)  # the request may change the session in place
        else:
            try:
                data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
            except BadSignature:
                return self.session_class()
            if len(self._verified) >= VERIFIED_COOKIES:
                self._verified = {}
            self._verified[value] = (copy.deepcopy(data), signed_at)
        session = self.session_class(data)
        session.signed_at = signed_at
        return session

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        """Whether this response carries a new cookie: changed, or due for a refresh."""
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        if signed_at is None:
            return True
        age = dt.datetime.now(dt.UTC) - signed_at
        return age >= dt.timedelta(seconds=app.config.get("SESSION_REFRESH_AFTER", DEFAULT_REFRESH_AFTER))
