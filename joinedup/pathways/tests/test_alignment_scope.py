"""Pathway alignment's live evidence counts only the user's own partnership's cases."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from joinedup.conftest import make_record
from joinedup.participation.tests.test_two_partnerships import second_partnership
from joinedup.partnership.models import Area
from joinedup.pathways.definitions import shipped_definitions
from joinedup.pathways.services import case_open


def _lead(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_second_partnerships_cases_never_count_in_the_evidence(world: Any) -> None:
    definition = shipped_definitions()["efh-city@1"]
    other = second_partnership()
    # The same shipped pathway runs in a "City" of the other partnership too.
    city = Area.objects.create(partnership=other.partnership, name="Other City", short_name="City", code="E06000098")
    other.agency.areas.add(city)
    # Three cases in the other partnership, none in this one.
    for n in range(3):
        record = make_record(world, given_names=f"Far{n}")
        case = case_open(
            actor=world.users["screener"],
            child=record.child,
            definition=definition,
            area=city,
            lead_agency=other.agency,
        )
        assert case.area.partnership_id == other.partnership.pk
    first = _lead(world.users["strategic_lead"]).get(reverse("pathways:align"))
    assert first.status_code == 200
    assert all(e.cases_now == 0 for e in first.context["evidence_a"].values())
    # The other partnership's lead sees its own three.
    second = _lead(other.users["strategic_lead"]).get(reverse("pathways:align"))
    assert sum(e.cases_now for e in second.context["evidence_a"].values()) == 3
