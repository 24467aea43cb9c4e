"""The home page's recent children: what they show of partners' records is logged once, not per visit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from joinedup.children.models import Disclosure
from joinedup.children.services import break_glass_open
from joinedup.conftest import make_agreement, make_record, make_user


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_home_after_break_glass_logs_the_disclosure_once_per_grant(world: Any) -> None:
    child = make_record(world, agency="police", given_names="Tyler", family_name="Marsh").child
    user = world.users["practitioner"]
    grant = break_glass_open(actor=user, child=child, reason="missing", explanation="Missing overnight.")
    client = _client(user)
    assert client.get(reverse("children:detail", args=[child.uuid])).status_code == 200
    opened = Disclosure.objects.filter(user=user, break_glass=grant).count()
    assert opened == 1  # the child page showed the police record
    for _ in range(3):
        home = client.get(reverse("home"))
        assert "Tyler Marsh" in home.content.decode()
    # The home card shows only what the child page already disclosed under this grant.
    assert Disclosure.objects.filter(user=user, break_glass=grant).count() == opened


def test_a_new_grant_is_a_new_disclosure(world: Any) -> None:
    child = make_record(world, agency="police", given_names="Tyler", family_name="Marsh").child
    user = world.users["practitioner"]
    first = break_glass_open(actor=user, child=child, reason="missing", explanation="Missing overnight.")
    client = _client(user)
    client.get(reverse("children:detail", args=[child.uuid]))
    first.expires_at = timezone.now() - dt.timedelta(minutes=1)
    first.save(update_fields=["expires_at"])
    second = break_glass_open(actor=user, child=child, reason="missing", explanation="Missing again.")
    client.get(reverse("home"))
    client.get(reverse("home"))
    assert Disclosure.objects.filter(user=user, break_glass=second).count() == 1


def test_under_an_agreement_the_home_card_is_logged_once_a_day(world: Any) -> None:
    """A County worker on a case whose child only City holds: the card names the child from City's
    record; the first visit home each day logs it, later visits that day do not."""
    from joinedup.pathways import services
    from joinedup.pathways.definitions import shipped_definitions

    make_agreement(world, parties=("city_csc", "county_csc"), categories=("identity", "contact", "social_care"))
    child = make_record(world, agency="city_csc", given_names="Amara", family_name="Okafor").child
    worker = make_user(world, role="practitioner", agency="county_csc")
    services.case_open(
        actor=world.users["screener"],
        child=child,
        definition=shipped_definitions()["efh-county@1"],
        area=world.county,
        lead_agency=world.agencies["county_csc"],
    )
    client = _client(worker)
    client.get(reverse("children:detail", args=[child.uuid]))
    after_page = Disclosure.objects.filter(user=worker).count()
    for _ in range(3):
        assert "Amara Okafor" in client.get(reverse("home")).content.decode()
    assert Disclosure.objects.filter(user=worker).count() == after_page
    # Yesterday's disclosure does not cover today.
    Disclosure.objects.filter(user=worker).update(occurred_at=timezone.now() - dt.timedelta(days=1))
    client.get(reverse("home"))
    client.get(reverse("home"))
    assert Disclosure.objects.filter(user=worker).count() == after_page + 1


def test_home_says_emergency_access_is_open_on_a_child_the_agency_holds(world: Any) -> None:
    # The user's agency holds a record, so the card lists its own; it must still say that what
    # they open of this child now is emergency access, until when, as the child page does.
    mine = make_record(world, agency="city_csc", given_names="Tyler", family_name="Marsh")
    police = make_record(world, agency="police", given_names="Tyler", family_name="Marsh")
    police.child = mine.child
    police.save()
    user = world.users["practitioner"]
    client = _client(user)
    assert client.get(reverse("children:detail", args=[mine.child.uuid])).status_code == 200
    home = client.get(reverse("home")).content.decode()
    assert "Tyler Marsh" in home and "Your agency's records" in home
    assert "emergency access (break-glass) open" not in home and "Emergency access until" not in home
    grant = break_glass_open(actor=user, child=mine.child, reason="missing", explanation="Missing overnight.")
    home = client.get(reverse("home")).content.decode()
    ends = timezone.localtime(grant.expires_at)
    until = f"{ends:%H:%M} on {ends.day} {ends:%B}"
    assert f"You have emergency access (break-glass) open to 1 child, until {until}." in home
    assert f"Emergency access until {until}" in home
    grant.expires_at = timezone.now() - dt.timedelta(minutes=1)
    grant.save()
    home = client.get(reverse("home")).content.decode()
    assert "emergency access (break-glass) open" not in home and "Emergency access until" not in home
