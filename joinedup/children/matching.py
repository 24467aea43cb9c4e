"""How many possible matches a new record has, asked of the app that matches records (linkage).

children sits below linkage, so the record pages and API ask through this registry
instead of importing linkage.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from joinedup.children.models import AgencyRecord

MatchCounter = Callable[..., int]
_COUNTERS: list[MatchCounter] = []


def register_possible_matches(counter: MatchCounter) -> None:
    if counter not in _COUNTERS:
        _COUNTERS.append(counter)


def possible_matches_count(*, user: Any, record: AgencyRecord) -> int:
    """Possible matches waiting for the record's maker to decide (0 where nothing matches records)."""
    return sum(counter(user=user, record=record) for counter in _COUNTERS)
