"""Bad input to children's pages and API gets a clear 4xx saying what to fix, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from joinedup.children.models import AgencyRecord
from joinedup.shell.services import api_token_create

pytestmark = pytest.mark.django_db


def _analyst(world: Any) -> Client:
    client = Client()
    client.force_login(world.users["analyst"])
    return client


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"page": "99999999999999999999"}, "There are not that many pages"),
        ({"page": "two"}, "Enter the page as a whole number"),
        ({"area": "Ci\x00ty"}, "Choose an area from the list."),
    ],
)
def test_the_pseudonymised_list_says_what_is_wrong_with_its_filters(
    world: Any, query: dict[str, str], message: str
) -> None:
    response = _analyst(world).get(reverse("children:pseudonymised_list"), query)
    assert response.status_code == 400
    assert message in response.content.decode() and "govuk-error-summary" in response.content.decode()


def test_a_pseudonym_with_a_nul_is_not_found(world: Any) -> None:
    response = _analyst(world).get("/children/pseudonymised/AB%00CD/")
    assert response.status_code == 404


@pytest.mark.parametrize("value", [0, 1234567890, True, 20110327.0, ["2011-03-27"]])
def test_the_api_refuses_a_date_of_birth_that_is_not_text(world: Any, value: Any) -> None:
    user = world.users["practitioner"]
    _, secret = api_token_create(actor=user, name="test", expires_in_days=1)
    body = {"local_id": "API-1", "given_names": "Kieran", "family_name": "Oduya", "date_of_birth": value}
    response = Client().post(
        "/api/v1/records", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert response.status_code == 422
    assert "date_of_birth" in str(response.json()["error"])
    assert not AgencyRecord.objects.filter(local_id="API-1").exists()
