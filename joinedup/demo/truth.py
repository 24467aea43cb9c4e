"""The demo generator's ground truth as labelled pairs, for comparing linkage models.

The generator knows which records are one invented child (person_key) and
which children are of one invented family (family_key: twins and siblings,
the hardest pairs to keep apart). A newly trained model is compared with
the one in use on a fixed sample of both (linkage.evaluation).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

from joinedup.demo.models import TruthLink

SAME_CHILD_PAIRS = 2_000
FAMILY_PAIRS = 1_000


def labelled_pairs() -> Iterator[tuple[int, int, bool]]:
    """True pairs, then pairs of brothers, sisters and twins: the first of each, by record,
    so the same database gives the same sample."""
    links = list(TruthLink.objects.order_by("record_id").values_list("record_id", "person_key", "family_key"))
    by_person: dict[int, list[int]] = {}
    by_family: dict[int, dict[int, int]] = {}  # family -> person -> one of their records
    for record, person, family in links:
        by_person.setdefault(person, []).append(record)
        if family is not None:
            by_family.setdefault(family, {}).setdefault(person, record)
    same = 0
    for records in by_person.values():
        for a, b in combinations(records, 2):
            yield a, b, True
            same += 1
            if same >= SAME_CHILD_PAIRS:
                break
        if same >= SAME_CHILD_PAIRS:
            break
    apart = 0
    for people in by_family.values():
        for a, b in combinations(sorted(people.values()), 2):
            yield a, b, False
            apart += 1
        if apart >= FAMILY_PAIRS:
            break
