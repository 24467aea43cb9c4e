"""The chronology lists a child's referrals received at the same moment in one order on every database."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from joinedup.children.access import child_access
from joinedup.chronology.selectors import chronology_entries
from joinedup.conftest import make_record, make_submitted_referral
from joinedup.referrals.models import Referral

pytestmark = pytest.mark.django_db


def test_referrals_received_together_list_a_missing_due_date_last(world: Any) -> None:
    # SQLite sorts a missing date first and PostgreSQL last: the chronology must not depend on which.
    child = make_record(world).child
    without_due = make_submitted_referral(world, child, agency="city_csc")
    with_due = make_submitted_referral(world, child, agency="city_csc")
    also_without = make_submitted_referral(world, child, agency="city_csc")
    at = timezone.now()
    Referral.objects.filter(pk__in=[without_due.pk, with_due.pk, also_without.pk]).update(received_at=at)
    Referral.objects.filter(pk__in=[without_due.pk, also_without.pk]).update(decision_due_at=None)
    user = world.users["practitioner"]
    access = child_access(user=user, child_uuid=child.uuid, purpose="direct_work")
    urls = [e.url for e in chronology_entries(user=user, access=access) if e.kind == "referral"]
    assert urls == [reverse("referrals:detail", args=[r.uuid]) for r in (with_due, without_due, also_without)]
