"""A filter on a known list of ids that PostgreSQL plans as cheaply as one id.

`field__in=[...]` sends one parameter per id: a search's two hundred candidates become two
hundred placeholders that the database parses, plans and the driver adapts one by one, in
every query that narrows to them (visibility, records, disclosures). `ids_in` sends them as
one array, `field = ANY(%s::bigint[])`, which PostgreSQL plans as one index lookup per id,
the same rows. Elsewhere (SQLite in the tests) it is the plain IN.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import F, Lookup


class AnyOf(Lookup):
    """`lhs` is one of a list of integer ids (never a subquery: use `__in` for that)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self) -> list[int]:
        # Ints only: the array is typed bigint, and a stray string should fail here, loudly,
        # not as a database error on the page. bool is an int to Python but never an id.
        ids = []
        for value in self.rhs:
            if isinstance(value, bool):
                raise TypeError("ids_in takes integer ids, not booleans")
            ids.append(operator.index(value))
        return ids

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        if not self.rhs:
            raise EmptyResultSet  # no ids: no rows, and an OR beside it still answers
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::bigint[])", (*lhs_params, list(self.rhs))
        placeholders = ", ".join(["%s"] * len(self.rhs))
        return f"{lhs} IN ({placeholders})", (*lhs_params, *self.rhs)


def ids_in(field: str, ids: Iterable[int]) -> AnyOf:
    """A filter (for `.filter()`, or beside `Q`s with `&` and `|`): `field` is one of `ids`."""
    return AnyOf(F(field), list(ids))
