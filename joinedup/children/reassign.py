"""Everything about a child follows it through a join, and comes back exactly with a split.

Agency records are moved by the linkage service itself. Other apps that hold
rows about a child (referrals, cases, young people's contributions) register
the model and its child field here from their AppConfig.ready(), so children
never imports them and the joined child's page, parallel-process detection
and "in my work" rules see everything about the child in one place.

`followers_move` reports exactly which rows moved from which child; the join
keeps that report, and `followers_restore` sends those rows, and only those,
back with a split.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection, models
from django.utils import timezone

# {model label: [[row id, child id it came from], ...]}
Moved = dict[str, list[list[int]]]


@dataclass(frozen=True)
class Follower:
    model: type[models.Model]
    field: str


_FOLLOWERS: list[Follower] = []


def register_child_follower(model: type[models.Model], field: str = "child") -> None:
    """Rows of `model` whose `field` points at a child follow that child through joins and splits."""
    follower = Follower(model=model, field=field)
    if follower not in _FOLLOWERS:
        _FOLLOWERS.append(follower)


@dataclass(frozen=True)
class Dependent:
    """Rows that belong with another follower row: a case with the referral that opened it."""

    model: type[models.Model]
    parent: str  # the foreign key to the row it belongs with (itself a follower on "child")
    field: str = "child"


_DEPENDENTS: list[Dependent] = []


def register_child_dependent(model: type[models.Model], *, parent: str, field: str = "child") -> None:
    """Rows of `model` (a follower) go with the row their `parent` points at when a split sends
    that row to another child, though they were made after the join (so the join never moved
    them): a case opened from a referral after the records were joined goes with the referral."""
    dependent = Dependent(model=model, parent=parent, field=field)
    if dependent not in _DEPENDENTS:
        _DEPENDENTS.append(dependent)


def dependents_follow(*, on: int) -> Moved:
    """Point each dependent row still on child `on` whose parent row is now on another child at
    that child; returns what moved, as `followers_move` does (row, the child it came from)."""
    moved: Moved = {}
    for dependent in _DEPENDENTS:
        attname = dependent.model._meta.get_field(dependent.field).attname  # type: ignore[union-attr]
        parent_child = f"{dependent.parent}__child_id"
        rows = list(
            dependent.model._default_manager.filter(**{attname: on, f"{dependent.parent}__isnull": False})
            .exclude(**{parent_child: on})
            .values_list("pk", parent_child)
        )
        if rows:
            _point(dependent.model, dependent.field, rows)
            moved[dependent.model._meta.label] = [[pk, on] for pk, _ in rows]
    return moved


def followers() -> list[Follower]:
    return list(_FOLLOWERS)


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _point(model: type[models.Model], field: str, moves: list[tuple[int, int]]) -> None:
    """Set each row's child, in a few statements whatever the number (a linkage run moves thousands)."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column = quote(str(model._meta.get_field(field).column))  # type: ignore[union-attr]
    pk = quote(str(model._meta.pk.column))
    stamp = any(f.name == "updated_at" for f in model._meta.concrete_fields)
    extra = ", updated_at = %s" if stamp else ""
    now = [timezone.now()] if stamp else []
    with connection.cursor() as cursor:
        for chunk in _chunks(moves, 2000):
            values = ", ".join(["(%s, %s)"] * len(chunk))
            cursor.execute(
                f"WITH moves(row_id, child_id) AS (VALUES {values}) "  # noqa: S608 - names from the model
                f"UPDATE {table} SET {column} = moves.child_id{extra} "
                f"FROM moves WHERE {table}.{pk} = moves.row_id",
                [*[v for move in chunk for v in move], *now],
            )


def followers_move(moves: dict[int, int]) -> Moved:
    """Point every registered row on a key child of `moves` at its value child; returns, per
    model, each row moved and the child it came from. Call inside the join's transaction."""
    moved: Moved = {}
    if not moves:
        return moved
    sources = list(moves)
    for follower in _FOLLOWERS:
        attname = follower.model._meta.get_field(follower.field).attname  # type: ignore[union-attr]
        rows: list[tuple[int, int]] = []
        for chunk in _chunks(sources, 5000):
            rows.extend(follower.model._default_manager.filter(**{f"{attname}__in": chunk}).values_list("pk", attname))
        if rows:
            _point(follower.model, follower.field, [(pk, moves[child]) for pk, child in rows])
            moved[follower.model._meta.label] = [[pk, child] for pk, child in rows]
    return moved


def followers_restore(moved: Moved, *, now_on: int) -> int:
    """Send each row `followers_move` moved back to the child it came from, where it is still on
    `now_on` (a row moved on since stays where it is); returns how many went back."""
    count = 0
    for label, rows in moved.items():
        follower = next((f for f in _FOLLOWERS if f.model._meta.label == label), None)
        model = follower.model if follower else apps.get_model(label)
        field = follower.field if follower else "child"
        attname = model._meta.get_field(field).attname  # type: ignore[union-attr]
        came_from = {pk: child for pk, child in rows}
        still_here = model._default_manager.filter(pk__in=list(came_from), **{attname: now_on}).values_list(
            "pk", flat=True
        )
        back = [(pk, came_from[pk]) for pk in still_here]
        if back:
            _point(model, field, back)
        count += len(back)
    return count


def followers_left_behind(*, on: int, to: int) -> Moved:
    """Rows still on child `on` after its records all left (added to the joined child after the
    join: an event, a child's words) go to child `to` with them; returns what moved, as
    `followers_move` does, so the move is recorded with the split."""
    return followers_move({on: to})


# Where a child's records went when a split emptied it: the linkage app knows (its joins record
# every move) and registers the answer here, so the child page can say so without importing it.
SplitDestinations = Callable[[Any], list[int]]
_DESTINATIONS: list[SplitDestinations] = []


def register_split_destinations(lookup: SplitDestinations) -> None:
    if lookup not in _DESTINATIONS:
        _DESTINATIONS.append(lookup)


def split_destinations(child: Any) -> list[int]:
    """Ids of the children an emptied child's records were split back to (none if unknown)."""
    found: list[int] = []
    for lookup in _DESTINATIONS:
        found.extend(c for c in lookup(child) if c not in found)
    return found
