"""What matters first in the review queue: children in open processes, then records across the boundary.

A pair touching a child someone is working with now (an open referral waiting
for screening, an open pathway case) is a decision that changes that work:
it comes first. A pair whose records sit in two areas is the duplication the
partnership exists to remove: next. Then the model's probability.

Referrals and pathways sit above linkage, so they say which children are in
an open process through this registry, from their AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

# Returns the ids of children with an open process of one kind (a values("child_id") query).
OpenProcessRule = Callable[[], "QuerySet[Any]"]


@dataclass(frozen=True)
class OpenProcess:
    rule: OpenProcessRule
    label: str  # shown on the queue: "an open referral"


_OPEN_PROCESSES: list[OpenProcess] = []


def register_open_process(rule: OpenProcessRule, *, label: str) -> None:
    """Add a kind of open process (called from an AppConfig.ready)."""
    entry = OpenProcess(rule=rule, label=label)
    if entry not in _OPEN_PROCESSES:
        _OPEN_PROCESSES.append(entry)


def open_processes() -> list[OpenProcess]:
    return list(_OPEN_PROCESSES)


def _touches(child_ids: QuerySet[Any]) -> Q:
    return Q(record_a__child_id__in=child_ids) | Q(record_b__child_id__in=child_ids)


def with_priority(pairs: QuerySet[Any]) -> QuerySet[Any]:
    """`pairs` annotated with why each matters and ordered by it: in an open process first,
    across the boundary next, then by probability (strongest first)."""
    annotations: dict[str, Any] = {}
    for index, process in enumerate(_OPEN_PROCESSES):
        annotations[f"open_{index}"] = Case(
            When(_touches(process.rule()), then=Value(1)), default=Value(0), output_field=IntegerField()
        )
    across = Case(
        When(
            Q(record_a__area__isnull=False, record_b__area__isnull=False) & ~Q(record_a__area=F("record_b__area")),
            then=Value(1),
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    in_process: Any = Value(0, output_field=IntegerField())
    for name in annotations:
        in_process = in_process + F(name)
    return (
        pairs.annotate(**annotations)
        .annotate(in_process=in_process, across=across)
        .order_by("-in_process", "-across", "-probability", "pk")
    )


def why_first(pair: Any) -> list[str]:
    """The reasons a pair annotated by `with_priority` is near the top, in words."""
    reasons = [
        f"A child in {process.label}"
        for index, process in enumerate(_OPEN_PROCESSES)
        if getattr(pair, f"open_{index}", 0)
    ]
    if getattr(pair, "across", 0):
        reasons.append("Records in both areas")
    return reasons
