"""The public page on an install with more than one partnership: each shows its own opportunities."""

from __future__ import annotations

import uuid
from typing import Any

from django.test import Client
from django.urls import reverse

from joinedup.participation import services
from joinedup.participation.tests.test_participation import officer, opportunity_data
from joinedup.participation.tests.test_two_partnerships import second_partnership
from joinedup.partnership.roles import Role


def _two(world: Any) -> Any:
    services.opportunity_save(actor=officer(world), opportunity=None, data=opportunity_data(world, title="City Forum"))
    other = second_partnership()
    services.opportunity_save(
        actor=other.users[Role.PARTICIPATION_OFFICER],
        opportunity=None,
        data=opportunity_data(
            world, title="Far Forum", provider=other.agency, area=other.area, venue_postcode="LS1 4AP"
        ),
    )
    return other


def test_each_partnership_has_its_own_page(world: Any) -> None:
    other = _two(world)
    first = Client().get(reverse("public_opportunities_for", args=[world.partnership.uuid])).content.decode()
    second = Client().get(reverse("public_opportunities_for", args=[other.partnership.uuid])).content.decode()
    assert "City Forum" in first and "Far Forum" not in first
    assert "Far Forum" in second and "City Forum" not in second
    assert "Far Borough" in second  # the page names the partnership's own areas


def test_the_bare_page_lists_the_partnerships_when_there_are_several(world: Any) -> None:
    other = _two(world)
    response = Client().get(reverse("public_opportunities"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "City Forum" not in content and "Far Forum" not in content
    for partnership in (world.partnership, other.partnership):
        assert reverse("public_opportunities_for", args=[partnership.uuid]) in content


def test_the_bare_page_is_the_only_partnerships_page(world: Any) -> None:
    services.opportunity_save(actor=officer(world), opportunity=None, data=opportunity_data(world, title="City Forum"))
    assert "City Forum" in Client().get(reverse("public_opportunities")).content.decode()


def test_filters_stay_within_the_partnership(world: Any) -> None:
    other = _two(world)
    url = reverse("public_opportunities_for", args=[other.partnership.uuid])
    assert "Far Forum" in Client().get(url, {"age": "15"}).content.decode()
    assert "Far Forum" not in Client().get(url, {"age": "9"}).content.decode()


def test_an_unknown_partnership_is_not_found(world: Any) -> None:
    assert Client().get(reverse("public_opportunities_for", args=[uuid.uuid4()])).status_code == 404
