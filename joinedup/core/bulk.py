"""Inserting many rows fast: one executemany per chunk, for jobs that write hundreds of thousands.

Django's bulk_create does per-object work (and returns primary keys) that a
linkage run writing a million candidate pairs cannot afford. This writes the
same values (each field's own database preparation, defaults and auto_now
applied) without setting primary keys on the instances.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models


def insert_many(model: type[models.Model], objs: Sequence[models.Model], *, chunk: int = 5000) -> int:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(str(f.column)) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(objs), chunk):
            params: list[list[Any]] = [
                [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
                for obj in objs[start : start + chunk]
            ]
            cursor.executemany(sql, params)
    return len(objs)
