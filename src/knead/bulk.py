"""Bulk writes for large imports: one 835 can post 100,000 claims in one transaction."""

from __future__ import annotations

from typing import Any

from django.db import connection

# Django's bulk_update builds one CASE expression per field and row, which takes minutes for
# 100,000 claims; a parameterised UPDATE run with executemany is standard SQL on SQLite and
# PostgreSQL alike and takes seconds. The same goes for inserting postings.


def update_many(model: Any, fields: list[str], objects: list[Any]) -> None:
    if not objects:
        return
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name) for name in fields]
    rows = [
        [c.get_db_prep_save(getattr(obj, c.attname), connection) for c in columns] + [obj.pk]
        for obj in objects
    ]
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One UPDATE … FROM (VALUES …) per thousand rows; casts type the NULLs.
            casts = [c.db_type(connection) for c in columns] + ["bigint"]
            names = [quote(c.column) for c in columns] + ["knead_pk"]
            for start in range(0, len(rows), 1000):
                chunk = rows[start : start + 1000]
                values = ", ".join(
                    "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")" for _ in chunk
                )
                cursor.execute(
                    f"UPDATE {table} SET "
                    + ", ".join(f"{n} = v.{n}" for n in names[:-1])
                    + f" FROM (VALUES {values}) AS v({', '.join(names)}) WHERE {table}.{pk} = v.knead_pk",
                    [value for row in chunk for value in row],
                )
            return
        sql = (
            f"UPDATE {table} SET "
            + ", ".join(f"{quote(c.column)} = %s" for c in columns)
            + f" WHERE {pk} = %s"
        )
        cursor.executemany(sql, rows)


def insert_rows(model: Any, fields: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Insert plain rows (values already adapted for the database): COPY on PostgreSQL,
    executemany elsewhere."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])
