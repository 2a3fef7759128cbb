"""Login throttling: too many failed sign-ins for a username or an address lock it out for a while."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache


def _key(kind: str, value: str) -> str:
    # Hashed so that usernames do not sit in the cache in clear text.
    return f"login-fail:{kind}:{hashlib.sha256(value.lower().encode()).hexdigest()[:32]}"


def _keys(username: str, ip: str | None) -> list[str]:
    return [_key("user", username or ""), _key("ip", ip or "")]


def is_locked(username: str, ip: str | None) -> bool:
    return any(cache.get(key, 0) >= settings.LOGIN_MAX_FAILURES for key in _keys(username, ip))


def note_failure(username: str, ip: str | None) -> None:
    for key in _keys(username, ip):
        cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_MINUTES * 60)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_MINUTES * 60)


def clear(username: str, ip: str | None) -> None:
    cache.delete_many(_keys(username, ip))
