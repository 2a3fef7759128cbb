"""RFC 6238 TOTP written out for the tests, independent of django-otp's own implementation."""

from __future__ import annotations

import hashlib
import hmac
import struct


def totp(secret: bytes, unix_time: float, digits: int = 6, step: int = 30) -> str:
    """The HMAC-SHA1 one-time password for ``unix_time`` (RFC 6238 §4, RFC 4226 §5.3)."""
    counter = int(unix_time // step)
    mac = hmac.new(secret, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)
