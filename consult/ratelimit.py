"""Rate limits shared by every app process: Redis when configured, else in-process.

`RATE_LIMIT_STORAGE_URL` (e.g. redis://127.0.0.1:6379/0) makes limits hold across
several gunicorn workers or servers; without it, limits are kept in this process, which
suits the single-process default.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Protocol

from flask import Flask, current_app

EXTENSION_KEY = "consult.rate_limits"


class RateLimits(Protocol):
    def hit(self, key: str, limit: int, window_seconds: int) -> bool:
        """Count one event for `key`; False once more than `limit` fall within the window."""

    def reset(self, key: str) -> None: ...


class InProcessRateLimits:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def hit(self, key: str, limit: int, window_seconds: int) -> bool:
        now = time.monotonic()
        with self._lock:
            started, count = self._windows.get(key, (now, 0))
            if now - started >= window_seconds:
                started, count = now, 0
            count += 1
            self._windows[key] = (started, count)
            if len(self._windows) > 100_000:  # forget expired windows now and then
                self._windows = {k: v for k, v in self._windows.items() if now - v[0] < 3600}
        return count <= limit

    def reset(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)


class RedisRateLimits:
    def __init__(self, url: str, prefix: str = "consult:rl:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix

    def hit(self, key: str, limit: int, window_seconds: int) -> bool:
        name = f"{self._prefix}{key}"
        with self._redis.pipeline() as pipe:
            pipe.incr(name)
            pipe.expire(name, window_seconds, nx=True)
            count, _ = pipe.execute()
        return int(count) <= limit

    def reset(self, key: str) -> None:
        self._redis.delete(f"{self._prefix}{key}")


def key_for(*parts: str) -> str:
    """A limit key that does not keep the email address or client address it is about."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def init_app(app: Flask) -> None:
    url = app.config.get("RATE_LIMIT_STORAGE_URL")
    prefix = str(app.config.get("RATE_LIMIT_KEY_PREFIX") or "consult:rl:")
    app.extensions[EXTENSION_KEY] = RedisRateLimits(url, prefix) if url else InProcessRateLimits()


def rate_limits() -> RateLimits:
    return current_app.extensions[EXTENSION_KEY]
