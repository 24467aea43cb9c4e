"""Opening emergency access says when it ends in the partnership's own time, as the page's banner does."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from joinedup.conftest import make_record

pytestmark = pytest.mark.django_db


def test_the_message_gives_uk_summer_time_and_the_banner_agrees(world: Any, monkeypatch: Any) -> None:
    # 1 July, 09:30 UTC: 10:30 in London (British Summer Time).
    summer = dt.datetime(2026, 7, 1, 9, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: summer)
    child = make_record(world, agency="police", given_names="Tyler", family_name="Marsh").child
    client = Client()
    client.force_login(world.users["practitioner"])
    response = client.post(
        reverse("children:break_glass", args=[child.uuid]),
        {"reason": "missing", "explanation": "Missing overnight, last seen at the bus station."},
        follow=True,
    )
    ends = timezone.localtime(summer + dt.timedelta(hours=settings.BREAK_GLASS_HOURS))
    said = f"{ends:%H:%M} on {ends.day} {ends:%B}"
    assert ends.utcoffset() == dt.timedelta(hours=1)
    page = response.content.decode()
    assert f"Emergency access is open until {said}." in page
    assert f"until {said}. Everything you open is recorded" in page
