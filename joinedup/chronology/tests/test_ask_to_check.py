"""Ask-to-check offers the agency whose record is the odd one out, and says when a check was already asked."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from joinedup.chronology.models import RecordCheckRequest
from joinedup.conftest import make_agreement, make_record, make_user, same_child


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def three_agencies(world: Any) -> Any:
    """City children's services and the police agree on a date of birth; the school records another."""
    city = make_record(world, agency="city_csc", date_of_birth=dt.date(2012, 6, 10))
    police = make_record(world, agency="police", date_of_birth=dt.date(2012, 6, 10))
    school = make_record(world, agency="city_school", date_of_birth=dt.date(2012, 10, 6))
    child = same_child(city, police, school)
    make_agreement(world, parties=("city_csc", "police", "city_school", "health"))
    return child


def _disagreement(user: Any, child: Any) -> str:
    content = _client(user).get(reverse("children:detail", args=[child.uuid])).content.decode()
    start = content.index('id="disagree-date_of_birth"')
    return content[start : content.index("</dd>", start)]


def test_the_odd_one_out_is_offered_and_the_agreeing_agencies_are_not(world: Any, three_agencies: Any) -> None:
    officer = make_user(world, role="practitioner", agency="police")
    for user in (world.users["practitioner"], officer):
        buttons = _disagreement(user, three_agencies)
        assert "Ask City Schools to check" in buttons
        assert "Ask Shire Police to check" not in buttons
        assert "Ask City Children&#x27;s Services to check" not in buttons


def test_a_tie_offers_both_agencies(world: Any) -> None:
    police = make_record(world, agency="police", date_of_birth=dt.date(2012, 6, 10))
    school = make_record(world, agency="city_school", date_of_birth=dt.date(2012, 10, 6))
    city = make_record(world, agency="city_csc", date_of_birth=None)
    child = same_child(city, police, school)
    make_agreement(world, parties=("city_csc", "police", "city_school"))
    buttons = _disagreement(world.users["practitioner"], child)
    assert "Ask Shire Police to check" in buttons and "Ask City Schools to check" in buttons


def test_once_asked_the_page_says_who_asked_and_when_and_nobody_asks_again(world: Any, three_agencies: Any) -> None:
    url = reverse("chronology:check_ask", args=[three_agencies.uuid])
    body = {"to_agency": str(world.agencies["city_school"].uuid), "field": "date_of_birth"}
    _client(world.users["practitioner"]).post(url, body)
    request = RecordCheckRequest.objects.get()

    colleague = make_user(world, role="practitioner", agency="city_csc")
    colleague.first_name, colleague.last_name = "Amira", "Khan"
    colleague.save()
    shown = _disagreement(colleague, three_agencies)
    assert "Ask City Schools to check" not in shown
    asker = world.users["practitioner"].get_full_name()
    assert f"City Schools was asked to check the date of birth by {asker} (City Children&#x27;s Services)" in shown
    assert f"on {request.created_at:%-d %B %Y}" in shown

    again = _client(colleague).post(url, body, follow=True).content.decode()
    assert f"{asker} (City Children&#x27;s Services) asked City Schools to check this" in again
    assert RecordCheckRequest.objects.count() == 1
