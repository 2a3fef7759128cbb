"""Django's ``flush``, which on SQLite lifts the ``knead_`` triggers while it empties the tables.

SQLite empties a table with DELETE, which the append-only triggers refuse (PostgreSQL uses
TRUNCATE, which row triggers do not see). Emptying the whole database is the one legitimate
deletion of audit and ledger entries, so the triggers are dropped and put back exactly as they
were, in the same transaction. The test runner flushes after every transactional test.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import connections, transaction


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            super().handle(**options)
            return
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'knead\\_%' ESCAPE '\\'"
            )
            saved = cursor.fetchall()
            for name, _sql in saved:
                cursor.execute(f'DROP TRIGGER "{name}"')
            super().handle(**options)
            for _name, sql in saved:
                cursor.execute(sql)
