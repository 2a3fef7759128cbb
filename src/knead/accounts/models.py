"""Users and the browsers they sign in from.

A user belongs to practices through memberships (``knead.practice.models.Membership``).
"""

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person who signs in. What they may see depends on their role in each practice."""

    class Meta:
        db_table = "accounts_user"

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class KnownDevice(models.Model):
    """A browser a user has signed in from, known by the random token in its device cookie.

    Only a hash of the token is stored; ``browser`` is the approximate family ("Firefox on
    Linux") named in sign-in alerts.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="known_devices")
    token_hash = models.CharField(max_length=64)
    browser = models.CharField(max_length=60)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()

    class Meta:
        ordering = ["-last_seen"]
        constraints = [
            models.UniqueConstraint(fields=["user", "token_hash"], name="one_device_per_token")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.browser}"
