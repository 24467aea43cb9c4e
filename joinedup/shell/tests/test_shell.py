"""The project shell: navigation and home panels come from the apps' registrations."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from joinedup.core.models import ApiToken
from joinedup.core.registry import HomePanel, NavEntry, home_panels, nav_entries, register_home_panel, register_nav
from joinedup.shell.services import api_token_create


def _client(world: Any, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


class TestNavigation:
    def test_each_app_contributes_its_own_entries(self) -> None:
        keys = [e.key for e in nav_entries()]
        assert keys[0] == "home" and keys[-1] == "notifications"
        for key in ("find_child", "raise_concern", "screening", "possible_matches", "governance", "participation"):
            assert key in keys

    def test_the_menu_offers_only_what_the_role_may_use(self, world: Any) -> None:
        analyst = _client(world, "analyst").get(reverse("home")).content.decode()
        assert "Pseudonymised data" in analyst and "Find a child" not in analyst
        screener = _client(world, "screener").get(reverse("home")).content.decode()
        assert "Screening" in screener and "Pseudonymised data" not in screener

    def test_a_new_entry_is_one_registration(self, world: Any) -> None:
        entry = NavEntry(key="test_entry", label="A test entry", url_name="tokens", order=5, shown=lambda u: True)
        register_nav(entry)
        try:
            page = _client(world, "practitioner").get(reverse("home")).content.decode()
            assert 'id="test_entry-link"' in page and "A test entry" in page
        finally:
            from joinedup.core import registry

            registry._NAV.pop("test_entry")


class TestHome:
    def test_panels_are_drawn_in_order_and_skip_users_they_do_not_apply_to(self, world: Any) -> None:
        assert [p.key for p in home_panels()][0] == "recent_children"
        register_home_panel(
            HomePanel(
                key="test_panel",
                template="children/partials/home_panel.html",
                order=999,
                context=lambda request: None if request.user.username == "analyst" else {"can_search": False},
            )
        )
        try:
            practitioner = _client(world, "practitioner").get(reverse("home")).content.decode()
            assert 'id="home-test_panel"' in practitioner
            analyst = _client(world, "analyst").get(reverse("home"))
            assert analyst.status_code == 200 and 'id="home-test_panel"' not in analyst.content.decode()
        finally:
            from joinedup.core import registry

            registry._PANELS.pop("test_panel")

    def test_everything_on_the_page_sits_in_a_landmark(self, world: Any) -> None:
        world.partnership.is_synthetic = True
        world.partnership.save(update_fields=["is_synthetic"])
        page = _client(world, "practitioner").get(reverse("home")).content.decode()
        header = page[page.index('<header class="app-header">') : page.index("</header>")]
        assert 'id="synthetic-data-banner"' in header
        assert "Signed in as" in header


class TestTokens:
    def test_a_token_not_yours_or_not_there_is_not_found_and_stays(self, world: Any) -> None:
        client = _client(world, "practitioner")
        kept, _ = api_token_create(actor=world.users["practitioner"], name="kept", expires_in_days=1)
        theirs, _ = api_token_create(actor=world.users["screener"], name="theirs", expires_in_days=1)
        for value in (uuid.uuid4(), theirs.uuid):
            assert client.post(reverse("token_revoke", args=[value])).status_code == 404
        assert client.post("/account/api-tokens/not-a-uuid/revoke/").status_code == 404
        assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 2

    def test_revoking_is_a_post_of_its_own(self, world: Any) -> None:
        client = _client(world, "practitioner")
        token, _ = api_token_create(actor=world.users["practitioner"], name="old", expires_in_days=1)
        assert client.get(reverse("token_revoke", args=[token.uuid])).status_code == 405
        response = client.post(reverse("token_revoke", args=[token.uuid]))
        assert response.status_code == 302
        token.refresh_from_db()
        assert token.revoked_at is not None


class TestPrivacyHeaders:
    @pytest.mark.parametrize("path", ["/", "/children/search/"])
    def test_signed_in_pages_are_never_cached(self, world: Any, path: str) -> None:
        response = _client(world, "practitioner").get(path)
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]

    def test_api_responses_are_never_cached(self, world: Any) -> None:
        _, token = api_token_create(actor=world.users["practitioner"], name="t", expires_in_days=1)
        response = Client().get("/api/v1/children?q=smith", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200 and "no-store" in response["Cache-Control"]

    def test_the_public_young_peoples_page_may_be_cached(self, world: Any) -> None:
        assert "no-store" not in Client().get("/young-people/").get("Cache-Control", "")


class TestNulCharacters:
    def test_a_nul_in_a_form_is_explained_keeps_what_was_typed_and_saves_nothing(self, world: Any) -> None:
        response = _client(world, "practitioner").post(reverse("tokens"), {"action": "create", "name": "MASH\x00"})
        content = response.content.decode()
        assert response.status_code == 200 and "govuk-error-summary" in content and "Null characters" in content
        assert 'value="MASH' in content
        assert not ApiToken.objects.exists()


class TestApiDocs:
    def test_the_reference_is_a_page_of_our_own_listing_every_endpoint(self, db: Any) -> None:
        response = Client().get("/api/docs")
        assert response.status_code == 200
        content = response.content.decode()
        assert '<html lang="en-GB"' in content and "cdn" not in content.lower()
        schema = Client().get("/api/v1/openapi.json").json()
        assert schema["info"]["title"] == "Joined Up API"
        for path in schema["paths"]:
            assert path in content


def test_an_empty_sign_in_says_which_fields_to_fill(db: Any) -> None:
    content = Client().post(reverse("login"), {"username": "", "password": ""}).content.decode()
    assert "Enter your username." in content and "Enter your password." in content
    assert "This field is required" not in content


def test_the_referral_steps_speak_plainly_when_empty(world: Any) -> None:
    from joinedup.referrals.forms import ConcernsStep, ConsentStep

    concerns, consent = ConcernsStep({}), ConsentStep({})
    assert not concerns.is_valid() and not consent.is_valid()
    messages = " ".join(str(e) for form in (concerns, consent) for errors in form.errors.values() for e in errors)
    assert "Choose at least one thing you are worried about." in messages
    assert "Enter what you have seen or been told." in messages
    assert "Choose whether the family has been told about this referral." in messages
    assert "Choose what are" not in messages and "Enter what have" not in messages


def test_the_menu_marks_one_section_current(world: Any) -> None:
    # Screening lives under Pathways' address: on the queue only Screening is the current section.
    client = Client()
    client.force_login(world.users["screener"])
    page = client.get(reverse("pathways:screening")).content.decode()
    assert page.count('aria-current="page"') == 1
    assert 'id="screening-link" href="/pathways/screening/" aria-current="page"' in page
