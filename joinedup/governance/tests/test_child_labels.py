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


@pytest.mark.django_db
def test_a_child_emptied_by_a_join_is_named_by_where_its_records_went_not_as_erased(world: Any) -> None:
    from joinedup.linkage.services import child_merge

    kept = make_record(world, given_names="Cameron", family_name="Fletcher")
    moved = make_record(world, agency="police", given_names="C", family_name="Fletcher")
    emptied = moved.child
    kept.child.created_at = emptied.created_at - dt.timedelta(days=1)  # the longer-standing child keeps them
    kept.child.save(update_fields=["created_at"])
    child_merge(actor=None, children=[kept.child, emptied], reason="Reviewed: same child")
    label = child_labels(partnership_id=world.partnership.pk, child_ids=[emptied.pk])[emptied.pk]
    assert label.name.startswith("Records moved to another child:") and "Fletcher" in label.name
    assert "erased" not in label.name
