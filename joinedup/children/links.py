"""Whether two children are linked in a way that matters for safeguarding.

One function, `linked_pairs`, answers it for a group of children; every source
of links registers here. Today: associations recorded between children. The
pathways and contextual-safeguarding capabilities add "named together in a
referral or case", "discussed at the same exploitation meeting" and "share a
peer group or place of concern" by calling `register_link_source`.

Callers get pairs only, never why: the reasons stay with the agencies that
hold them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from joinedup.children.models import ChildAssociation

Pair = frozenset[int]
# A source maps a set of child ids to the pairs among them it knows to be linked.
LinkSource = Callable[[set[int]], set[Pair]]
_SOURCES: list[LinkSource] = []


def register_link_source(source: LinkSource) -> None:
    if source not in _SOURCES:
        _SOURCES.append(source)


def _recorded_associations(child_ids: set[int]) -> set[Pair]:
    # access: associations among children the caller already opened
    rows = ChildAssociation.objects.filter(child_a_id__in=child_ids, child_b_id__in=child_ids).values_list(
        "child_a_id", "child_b_id"
    )
    return {frozenset(pair) for pair in rows}


register_link_source(_recorded_associations)


def linked_pairs(child_ids: Iterable[int]) -> set[Pair]:
    """Every pair among these children that any registered source says is linked."""
    ids = set(child_ids)
    if len(ids) < 2:
        return set()
    found: set[Pair] = set()
    for source in _SOURCES:
        found |= {pair for pair in source(ids) if len(pair) == 2 and pair <= ids}
    return found
