"""16.9: a referral carries several harm types, and pages show their labels, never the codes."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django.urls import reverse

from joinedup.referrals import services
from joinedup.referrals.models import Referral


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _visible_text(html: str) -> str:
    """The page as read: no tags, attribute values, scripts or styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_the_concerns_step_offers_checkboxes_and_keeps_several(world: Any) -> None:
    client = _client(world.users["practitioner"])
    draft = services.referral_draft_save(
        actor=world.users["practitioner"],
        referral=None,
        data={"child_details": {"given_names": "Ava", "family_name": "Stone"}},
    )
    url = reverse("referrals:step", args=[draft.uuid, "concerns"])
    page = client.get(url).content.decode()
    assert 'type="checkbox" value="county_lines"' in page.replace('name="harm_types" ', "")
    assert 'type="radio"' not in page
    response = client.post(
        url, {"harm_types": ["county_lines", "criminal_exploitation"], "indicators": "Seen with older males."}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.harm_types == ["county_lines", "criminal_exploitation"]
    again = client.get(url).content.decode()
    assert again.count(" checked>") == 2


def test_the_screening_page_shows_harm_labels(world: Any) -> None:
    referral = Referral.objects.create(
        referring_agency=world.agencies["city_csc"],
        child_details={"given_names": "Ava", "family_name": "Stone"},
        harm_types=["county_lines", "criminal_exploitation"],
        status="submitted",
        home_area=world.city,
        created_by=world.users["practitioner"],
    )
    text = _visible_text(
        _client(world.users["screener"]).get(reverse("pathways:screen", args=[referral.uuid])).content.decode()
    )
    assert "County lines" in text and "Child criminal exploitation" in text
    assert "county_lines" not in text and "criminal_exploitation" not in text


def test_pathway_pages_show_no_codes(world: Any) -> None:
    client = _client(world.users["strategic_lead"])
    align = _visible_text(client.get(reverse("pathways:align")).content.decode())
    assert "efh-city@1" not in align and "City risk outside the home pathway (version 1)" in align
    definition = _visible_text(client.get(reverse("pathways:definition", args=["efh-city@1"])).content.decode())
    assert "childrens_social_care" not in definition and "Children's social care" in definition.replace("&#x27;", "'")
    assert "exploitation_coordinator" not in definition
