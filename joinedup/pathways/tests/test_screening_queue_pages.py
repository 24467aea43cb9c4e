"""The screening queue shows a page at a time, most urgent first, and says how many wait."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from joinedup.conftest import make_record, make_submitted_referral
from joinedup.pathways.views import SCREENING_PAGE
from joinedup.referrals.models import Referral


@pytest.mark.django_db
def test_a_long_queue_is_paged_most_urgent_first(world: Any) -> None:
    child = make_record(world).child
    now = timezone.now()
    for i in range(SCREENING_PAGE + 3):
        referral = make_submitted_referral(world, child)
        Referral.objects.filter(pk=referral.pk).update(
            decision_due_at=now + dt.timedelta(hours=i),
            child_details={"given_names": f"Kid{i:03d}", "family_name": "X"},
        )
    client = Client()
    client.force_login(world.users["screener"])
    first = client.get("/pathways/screening/").content.decode()
    assert f"{SCREENING_PAGE + 3} waiting: 1 to {SCREENING_PAGE} shown." in first
    assert "Kid000" in first and f"Kid{SCREENING_PAGE - 1:03d}" in first and f"Kid{SCREENING_PAGE:03d}" not in first
    assert "Next page" in first
    second = client.get("/pathways/screening/?page=2").content.decode()
    assert f"Kid{SCREENING_PAGE + 2:03d}" in second and "Kid000" not in second
    assert client.get("/pathways/screening/?page=99").status_code == 200  # past the end: the last page


@pytest.mark.django_db
def test_an_empty_queue_says_nothing_is_waiting(world: Any) -> None:
    client = Client()
    client.force_login(world.users["screener"])
    page = client.get("/pathways/screening/").content.decode()
    assert "Nothing waiting." in page and "waiting-count" not in page
