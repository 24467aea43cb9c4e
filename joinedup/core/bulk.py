"""Inserting many rows fast: one executemany per chunk, for jobs that write hundreds of thousands.

Django's bulk_create builds a model instance per row and does per-object work
(and returns primary keys) that a linkage run writing a million candidate
pairs cannot afford. `insert_many` takes plain dicts of field values and
writes what bulk_create would: each field's own database preparation, its
default where a row leaves it out (a fresh UUID, say), and one timestamp for
auto_now/auto_now_add fields. Primary keys are not returned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone

# Fields whose database value is the Python value itself (numbers, text, keys): no
# per-value preparation needed. Everything else goes through the field's own.
_AS_IS = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "FloatField",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}


_MISSING = object()


def _prepared_default(field: models.Field[Any, Any], prepare: Callable[[Any], Any] | None) -> Callable[[], Any]:
    """The field's default, called afresh for each row, prepared."""
    if prepare is None:
        return field.get_default
    return lambda: prepare(field.get_default())


def _preparer(field: models.Field[Any, Any], connection: Any) -> Callable[[Any], Any]:
    def prepare(value: Any) -> Any:
        return None if value is None else field.get_db_prep_save(value, connection)

    return prepare


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value


def _column_values(
    model: type[models.Model], connection: Any, encoded: set[str]
) -> tuple[list[models.Field[Any, Any]], list[Callable[[dict[str, Any]], Any]]]:
    """The columns to insert and, for each, a function from a row dict to its database value."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    getters: list[Callable[[dict[str, Any]], Any]] = []
    for field in fields:
        name, attname = field.name, field.attname
        prepare: Callable[[Any], Any] | None
        stored = getattr(field, "target_field", field) if field.is_relation else field
        if stored.get_internal_type() in _AS_IS or name in encoded:
            prepare = None
        else:
            prepare = _preparer(field, connection)
        # What a row that leaves the field out gets, prepared already.
        default: Callable[[], Any]
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            default = _constant(prepare(now) if prepare else now)  # one timestamp for the whole insert
        elif field.has_default() and callable(field.default):
            default = _prepared_default(field, prepare)  # a new value for each row (a UUID, say)
        else:
            value = field.get_default()  # the declared value, or "" for text that may be blank, or None
            default = _constant(prepare(value) if prepare else value)

        def get(row: dict[str, Any], name: str = name, attname: str = attname, default: Any = default,
                prepare: Any = prepare) -> Any:  # fmt: skip
            value = row.get(attname, _MISSING)
            if value is _MISSING:
                value = row.get(name, _MISSING)
                if value is _MISSING:
                    return default()
            if isinstance(value, models.Model):
                value = value.pk
            return value if prepare is None else prepare(value)

        getters.append(get)
    return fields, getters


def insert_many(
    model: type[models.Model],
    rows: Iterable[dict[str, Any]],
    *,
    encoded: set[str] | frozenset[str] = frozenset(),
    chunk: int = 5000,
    using: str = DEFAULT_DB_ALIAS,
) -> int:
    """Insert each row (a dict of field names or attnames to values of the fields' Python
    types); returns how many. Fields named in `encoded` hold values already as the database
    takes them (a JSON field's text, encoded by the caller), passed as they are."""
    connection = connections[using]  # the wrapper itself, not the per-thread proxy: looked up once
    fields, getters = _column_values(model, connection, set(encoded))
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(str(f.column)) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    count = 0
    iterator = iter(rows)
    with connection.cursor() as cursor:
        while batch := list(islice(iterator, chunk)):
            cursor.executemany(sql, [[get(row) for get in getters] for row in batch])
            count += len(batch)
    return count
