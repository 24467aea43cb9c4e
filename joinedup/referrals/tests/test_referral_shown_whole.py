"""What a referrer enters reaches the screener: places, people and how to reach the referrer."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from joinedup.referrals.models import Referral, ReferralStatus


def test_the_screener_and_the_referrer_see_places_people_and_contact(world: Any) -> None:
    referral = Referral.objects.create(
        referring_agency=world.agencies["city_csc"],
        referrer_name="Sam Referrer",
        referrer_contact="0115 496 0000",
        child_details={"given_names": "Tia", "family_name": "Walkerton"},
        harm_types=["county_lines"],
        indicators="Seen getting into cars.",
        places_mentioned="The bus station",
        people_mentioned="'Jay', older male, drives a grey car",
        status=ReferralStatus.SUBMITTED,
        home_area=world.city,
        received_at=timezone.now(),
        decision_due_at=timezone.now(),
        created_by=world.users["practitioner"],
    )
    for user, url in (
        (world.users["screener"], reverse("pathways:screen", args=[referral.uuid])),
        (world.users["practitioner"], reverse("referrals:detail", args=[referral.uuid])),
    ):
        client = Client()
        client.force_login(user)
        page = client.get(url).content.decode()
        for text in ("The bus station", "older male, drives a grey car", "0115 496 0000"):
            assert text in page, (url, text)


def test_the_check_page_writes_the_date_of_birth_in_words(world: Any) -> None:
    draft = Referral.objects.create(
        referring_agency=world.agencies["city_csc"],
        child_details={"given_names": "Tia", "family_name": "Walkerton", "date_of_birth": "2011-03-14"},
        status=ReferralStatus.DRAFT,
        created_by=world.users["practitioner"],
    )
    client = Client()
    client.force_login(world.users["practitioner"])
    page = client.get(reverse("referrals:check", args=[draft.uuid])).content.decode()
    assert "born 14 March 2011" in page and "2011-03-14" not in page
