"""The DPO's pages name a child by what most records agree on, not by the last record changed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from joinedup.conftest import make_record, same_child
from joinedup.governance.selectors import child_labels


@pytest.mark.django_db
def test_the_date_most_records_agree_on_labels_the_child(world: Any) -> None:
    agreed, odd = dt.date(2009, 4, 27), dt.date(2010, 4, 27)
    records = [
        make_record(world, agency=agency, given_names="Joshua", family_name="Wells", date_of_birth=agreed)
        for agency in ("city_csc", "police", "city_school")
    ]
    records.append(make_record(world, agency="health", given_names="Joshua", family_name="Wells", date_of_birth=odd))
    child = same_child(*records)
    label = child_labels(partnership_id=world.partnership.pk, child_ids=[child.pk])[child.pk]
    assert label.date_of_birth == agreed  # the health record was updated last, and is the odd one out
    assert label.name == "Joshua Wells" and len(label.records) == 4
