"""A training sample of agency records that keeps the population's pairs: records drawn at random.

Every n-th record by id is no sample when a database's ids run in groups: benchmarks/bulk_seed.py
writes each child's records one after another, so "id mod 12 = 0" took at most one record of each
child, the sample held almost no two records of one child, and the model trained on it put its
prior 11 bits too low (a known child's record with the same name, date of birth and sex scored
below the lower threshold). Records drawn at random keep the share of pairs that are one child
(both records of a pair are drawn, or not, at random), so the prior and the EM estimates carry
over to the whole population.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

CHUNK = 5_000


def random_records(records: Any, *, target: int, fields: list[str], seed: int = 1) -> Iterator[dict[str, Any]]:
    """About `target` of `records` (a queryset), drawn at random with `seed`, as `.values(*fields)`."""
    ids = list(records.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=50_000))
    chosen = sorted(random.Random(seed).sample(ids, min(target, len(ids))))
    for start in range(0, len(chosen), CHUNK):
        yield from records.filter(pk__in=chosen[start : start + CHUNK]).order_by("pk").values(*fields)
