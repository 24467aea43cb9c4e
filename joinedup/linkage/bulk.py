"""Set-based SQL for joins at the scale of a linkage run.

A run joins hundreds of thousands of children at once: the ORM's per-object
saves and per-value IN-list preparation would cost more than the work, so
these helpers read and update rows by integer keys in a few statements per
thousand. Table and column names come from the models, never from input.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, models
from django.utils import timezone

from joinedup.children.models import AgencyRecord, Child


def chunks(items: list[Any], size: int = 5000) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def rows_for(
    model: type[models.Model], columns: list[str], key: str, ids: list[int], *, lock: bool = False
) -> Iterable[tuple[Any, ...]]:
    """The columns of the model's rows whose `key` is one of `ids`, in chunks; `lock` takes
    row locks where the database has them (SQLite's write transaction already excludes writers)."""
    quote = connection.ops.quote_name
    select = ", ".join(quote(c) for c in columns)
    suffix = " FOR UPDATE" if lock and connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        for chunk in chunks(ids):
            cursor.execute(
                f"SELECT {select} FROM {quote(model._meta.db_table)} "  # noqa: S608 - names from the model
                f"WHERE {quote(key)} IN ({', '.join(['%s'] * len(chunk))}){suffix}",
                chunk,
            )
            yield from cursor.fetchall()


def reassign(moves: list[tuple[int, int]]) -> None:
    """Point each record at its new child, in a few statements whatever the number."""
    table = AgencyRecord._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        for chunk in chunks(moves, 2000):
            values = ", ".join(["(%s, %s)"] * len(chunk))
            cursor.execute(
                f"WITH moves(record_id, child_id) AS (VALUES {values}) "  # noqa: S608 - placeholders only
                f"UPDATE {table} SET child_id = moves.child_id, updated_at = %s "
                f"FROM moves WHERE {table}.id = moves.record_id",
                [*[v for move in chunk for v in move], now],
            )


def mark_joined_into(emptied: dict[int, int]) -> None:
    """Record where each emptied child's records went, so its old address can say so."""
    table = connection.ops.quote_name(Child._meta.db_table)
    with connection.cursor() as cursor:
        for chunk in chunks(list(emptied.items()), 2000):
            values = ", ".join(["(%s, %s)"] * len(chunk))
            cursor.execute(
                f"WITH joined(child_id, into_id) AS (VALUES {values}) "  # noqa: S608 - placeholders only
                f"UPDATE {table} SET joined_into_id = joined.into_id, updated_at = %s "
                f"FROM joined WHERE {table}.id = joined.child_id",
                [*[v for pair in chunk for v in pair], timezone.now()],
            )
