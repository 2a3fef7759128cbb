"""API tokens: a user's key to one practice's data, for scripts and other systems."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

TOKEN_PREFIX = "kn_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def live(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """Only a hash of the secret is stored; the token is shown once, when it is made."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    practice = models.ForeignKey("practice.Practice", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=60)
    key = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    created = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.name} ({TOKEN_PREFIX}{self.key}…)"

    @classmethod
    def issue(cls, *, user: Any, practice: Any, name: str) -> tuple[ApiToken, str]:
        """Create a token and return it with the full token text, which is never stored."""
        key, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, practice=practice, name=name, key=key, secret_hash=_digest(secret)
        )
        return token, f"{TOKEN_PREFIX}{key}_{secret}"

    @classmethod
    def find(cls, text: str) -> ApiToken | None:
        """The live token this text is, or None (constant-time comparison of the secret)."""
        if not text.startswith(TOKEN_PREFIX) or "_" not in text[len(TOKEN_PREFIX) :]:
            return None
        key, _, secret = text[len(TOKEN_PREFIX) :].partition("_")
        token = cls.objects.live().select_related("user", "practice").filter(key=key).first()
        if token is None or not hmac.compare_digest(token.secret_hash, _digest(secret)):
            return None
        return token

    def touch(self) -> None:
        ApiToken.objects.filter(pk=self.pk).update(last_used_at=timezone.now())

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])
