"""The demo, seeded and linked as `make demo` does it, has nothing on a child without records."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from joinedup.children.models import AgencyRecord, Child
from joinedup.linkage.models import ChildJoin
from joinedup.participation.models import Contribution
from joinedup.pathways.models import Case
from joinedup.referrals.models import Referral


@pytest.mark.django_db
def test_seeding_and_linking_leaves_no_case_referral_or_words_on_an_emptied_child(db: Any) -> None:
    call_command("seed_demo", "--children", "400", "--seed", "3", stdout=StringIO())
    assert ChildJoin.objects.filter(kind="merge").exists(), "the demo's linkage run should join records"
    live = AgencyRecord.objects.filter(erased_at__isnull=True).values("child_id")
    emptied = Child.objects.exclude(pk__in=live)
    assert emptied.exists()
    assert not Case.objects.filter(child__in=emptied).exists()
    assert not Referral.objects.filter(child__in=emptied).exists()
    assert not Contribution.objects.filter(child__in=emptied).exists()
    assert Case.objects.exists() and Referral.objects.filter(child__isnull=False).exists()
