"""Removing a client and bringing one back.

A removed client is soft-deleted (``deleted_at`` set): every page, PDF, export and API answer
leaves out the client and everything that belongs to them (``ScopedQuerySet.for_practice``),
while the records stay in the database. The practice owner may restore them.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from knead.clients.models import Client


def archived_clients(practice: Any) -> models.QuerySet[Client]:
    """The practice's removed clients, most recently removed first."""
    return Client.objects.filter(practice=practice, deleted_at__isnull=False).order_by(
        "-deleted_at", "-id"
    )


def restore_client(client: Client, *, user: Any) -> Client:
    """Bring a removed client back, with their visits, claims and coverages."""
    client.deleted_at = None
    client.stamp(user)
    client.save(update_fields=["deleted_at", "updated", "updated_by"])
    return client
