"""Subcommands of the ``knead`` CLI; each module defines ``register(subparsers)``."""

from __future__ import annotations

import os


def django_setup() -> None:
    """Configure Django for commands that use the database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knead.settings")
    import django

    django.setup()
