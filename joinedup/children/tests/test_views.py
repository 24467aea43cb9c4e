from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from joinedup.audit.models import AuditEvent
from joinedup.conftest import make_record, valid_nhs


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "local_id": "NEW-1",
        "given_names": "Kai",
        "family_name": "Demo",
        "date_of_birth_day": "5",
        "date_of_birth_month": "11",
        "date_of_birth_year": "2012",
        "sex": "M",
        "nhs_number": "",
        "postcode": "NG7 2BB",
    }
    data.update(overrides)
    return data


class TestChildPage:
    def test_it_shows_own_agency_records_and_audits_the_view(self, world: Any) -> None:
        record = make_record(world, given_names="Maisie", family_name="Fairweather")
        response = client_for(world.users["practitioner"]).get(reverse("children:detail", args=[record.child.uuid]))
        assert response.status_code == 200
        assert b"Maisie Fairweather" in response.content
        assert b"Known in City" in response.content
        event = AuditEvent.objects.get(event="child.viewed")
        assert event.actor == world.users["practitioner"]
        assert event.child_uuid == record.child.uuid
        assert event.purpose == "direct_work"

    def test_it_refuses_other_agency_with_404(self, world: Any) -> None:
        record = make_record(world, agency="police")
        response = client_for(world.users["practitioner"]).get(reverse("children:detail", args=[record.child.uuid]))
        assert response.status_code == 404
        assert b"Page not found" in response.content
        assert not AuditEvent.objects.filter(event="child.viewed").exists()

    def test_it_refuses_a_strategic_lead_with_404(self, world: Any) -> None:
        record = make_record(world)
        response = client_for(world.users["strategic_lead"]).get(reverse("children:detail", args=[record.child.uuid]))
        assert response.status_code == 404

    def test_it_sends_anonymous_users_to_sign_in(self, world: Any) -> None:
        record = make_record(world)
        response = Client().get(reverse("children:detail", args=[record.child.uuid]))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_it_refuses_post(self, world: Any) -> None:
        record = make_record(world)
        response = client_for(world.users["practitioner"]).post(reverse("children:detail", args=[record.child.uuid]))
        assert response.status_code == 405


class TestSearch:
    def test_it_finds_own_agency_children_tolerating_case_accents_and_spacing(self, world: Any) -> None:
        make_record(world, given_names="Zoë", family_name="O'Brien")
        make_record(world, given_names="Zoe", family_name="Obrien", agency="police")
        client = client_for(world.users["practitioner"])
        for query in ("zoe obrien", "  ZOË   o'brien ", "o'bri"):
            response = client.get(reverse("children:search"), {"q": query})
            assert response.status_code == 200
            assert b"1 child found" in response.content, query
        assert AuditEvent.objects.filter(event="children.searched").count() == 3

    def test_it_finds_by_nhs_number_reference_and_date_of_birth(self, world: Any) -> None:
        record = make_record(world, nhs_number=valid_nhs(7), local_id="CSC-778")
        make_record(world, given_names="Other", family_name="Child", date_of_birth="2015-01-01")
        client = client_for(world.users["practitioner"])
        nhs = record.nhs_number
        for params in (
            {"q": f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"},
            {"q": "csc-778"},
            {"q": "27/03/2011"},
            {"q": "", "date_of_birth_day": "27", "date_of_birth_month": "3", "date_of_birth_year": "2011"},
        ):
            response = client.get(reverse("children:search"), params)
            assert b"1 child found" in response.content, params
            assert str(record.child.uuid).encode() in response.content

    def test_it_never_shows_another_agencys_child(self, world: Any) -> None:
        make_record(world, given_names="Hidden", family_name="Person", agency="police")
        response = client_for(world.users["practitioner"]).get(reverse("children:search"), {"q": "hidden"})
        assert b"No children found" in response.content
        assert b"Hidden" not in response.content.split(b"</form>")[-1]

    def test_an_empty_search_says_what_to_enter(self, world: Any) -> None:
        response = client_for(world.users["practitioner"]).get(reverse("children:search"), {"q": " "})
        assert b"Enter a name, NHS number, reference or date of birth" in response.content
        assert not AuditEvent.objects.filter(event="children.searched").exists()

    def test_an_htmx_search_gets_only_the_results(self, world: Any) -> None:
        make_record(world)
        response = client_for(world.users["practitioner"]).get(
            reverse("children:search"), {"q": "jordan"}, headers={"HX-Request": "true"}
        )
        assert b"1 child found" in response.content
        assert b"<html" not in response.content

    def test_it_keeps_its_query_count_flat(self, world: Any, django_assert_max_num_queries: Any) -> None:
        for i in range(15):
            make_record(world, family_name=f"Many{i}", given_names="Same")
        client = client_for(world.users["practitioner"])
        # 15: one is the unread-notifications count in the header.
        with django_assert_max_num_queries(15):
            response = client.get(reverse("children:search"), {"q": "same"})
        assert b"15 children found" in response.content

    def test_it_refuses_roles_that_may_not_search(self, world: Any) -> None:
        response = client_for(world.users["analyst"]).get(reverse("children:search"), {"q": "x"})
        assert response.status_code == 403
        assert b"You cannot do this" in response.content

    def test_it_refuses_post(self, world: Any) -> None:
        assert client_for(world.users["practitioner"]).post(reverse("children:search")).status_code == 405

    def test_it_sends_anonymous_users_to_sign_in(self, world: Any) -> None:
        assert Client().get(reverse("children:search")).status_code == 302


class TestRecordCreate:
    def test_it_creates_a_record_and_shows_the_child(self, world: Any) -> None:
        response = client_for(world.users["practitioner"]).post(reverse("children:record_create"), _form())
        assert response.status_code == 302
        followed = client_for(world.users["practitioner"]).get(response["Location"])
        assert b"Kai Demo" in followed.content
        assert AuditEvent.objects.filter(event="agency_record.created").count() == 1

    def test_a_bad_nhs_number_is_explained_and_input_is_kept(self, world: Any) -> None:
        response = client_for(world.users["practitioner"]).post(
            reverse("children:record_create"), _form(nhs_number="943 476 5918", given_names="Keepme")
        )
        assert response.status_code == 200
        content = response.content.decode()
        assert "There is a problem" in content
        assert "check digit does not match" in content
        assert 'value="Keepme"' in content
        assert 'value="943 476 5918"' in content
        assert 'href="#id_nhs_number"' in content

    def test_an_incomplete_date_says_which_part_is_missing(self, world: Any) -> None:
        response = client_for(world.users["practitioner"]).post(
            reverse("children:record_create"), _form(date_of_birth_month="")
        )
        assert "Date of birth must include a month" in response.content.decode()
        assert 'value="2012"' in response.content.decode()

    def test_a_duplicate_reference_is_explained(self, world: Any) -> None:
        make_record(world, local_id="NEW-1")
        response = client_for(world.users["practitioner"]).post(reverse("children:record_create"), _form())
        assert response.status_code == 200
        assert "already has a record with this reference" in response.content.decode()

    def test_it_refuses_roles_that_may_not_create(self, world: Any) -> None:
        client = client_for(world.users["strategic_lead"])
        assert client.get(reverse("children:record_create")).status_code == 403
        assert client.post(reverse("children:record_create"), _form()).status_code == 403

    def test_it_refuses_put(self, world: Any) -> None:
        assert client_for(world.users["practitioner"]).put(reverse("children:record_create")).status_code == 405


class TestRecordEdit:
    def test_it_saves_changes_and_audits_old_and_new(self, world: Any) -> None:
        record = make_record(world)
        client = client_for(world.users["practitioner"])
        page = client.get(reverse("children:record_edit", args=[record.uuid]))
        assert 'value="Jordan"' in page.content.decode()
        response = client.post(
            reverse("children:record_edit", args=[record.uuid]),
            _form(local_id=record.local_id, given_names="Jordan", family_name="Renamed", version="1"),
        )
        assert response.status_code == 302
        record.refresh_from_db()
        assert record.family_name == "Renamed" and record.version == 2
        event = AuditEvent.objects.get(event="agency_record.updated")
        assert event.old["family_name"] == "Test-Child" and event.new["family_name"] == "Renamed"

    def test_a_stale_edit_keeps_the_input_and_explains(self, world: Any) -> None:
        record = make_record(world)
        client = client_for(world.users["practitioner"])
        first = _form(local_id=record.local_id, family_name="First", version="1")
        second = _form(local_id=record.local_id, family_name="Second", version="1")
        assert client.post(reverse("children:record_edit", args=[record.uuid]), first).status_code == 302
        response = client.post(reverse("children:record_edit", args=[record.uuid]), second)
        content = response.content.decode()
        assert response.status_code == 200
        assert "Someone else changed this record" in content
        assert 'value="Second"' in content
        assert 'name="version" value="2"' in content
        record.refresh_from_db()
        assert record.family_name == "First"

    def test_it_refuses_other_agency_with_404(self, world: Any) -> None:
        record = make_record(world, agency="police")
        client = client_for(world.users["practitioner"])
        assert client.get(reverse("children:record_edit", args=[record.uuid])).status_code == 404

    def test_it_refuses_a_dpo_with_403(self, world: Any) -> None:
        record = make_record(world)
        assert (
            client_for(world.users["dpo"]).get(reverse("children:record_edit", args=[record.uuid])).status_code == 403
        )

    def test_it_refuses_delete(self, world: Any) -> None:
        record = make_record(world)
        response = client_for(world.users["practitioner"]).delete(reverse("children:record_edit", args=[record.uuid]))
        assert response.status_code == 405


class TestHome:
    def test_it_shows_who_the_user_is_and_their_recent_children(
        self, world: Any, django_assert_max_num_queries: Any
    ) -> None:
        user = world.users["practitioner"]
        client = client_for(user)
        for i in range(5):
            record = make_record(world, given_names=f"Recent{i}")
            client.get(reverse("children:detail", args=[record.child.uuid]))
        # 15: one is the unread-notifications count in the header, one the draft referrals panel.
        with django_assert_max_num_queries(15):
            response = client.get(reverse("home"))
        content = response.content.decode()
        assert "City Children&#x27;s Services" in content
        assert "Practitioner" in content
        assert all(f"Recent{i}" in content for i in range(5))

    def test_it_sends_anonymous_users_to_sign_in(self, world: Any) -> None:
        assert Client().get(reverse("home")).status_code == 302

    def test_it_refuses_post(self, world: Any) -> None:
        assert client_for(world.users["practitioner"]).post(reverse("home")).status_code == 405


@pytest.mark.parametrize("synthetic", [True, False])
def test_the_synthetic_data_banner_shows_exactly_when_demo_data_is_loaded(world: Any, synthetic: bool) -> None:
    world.partnership.is_synthetic = synthetic
    world.partnership.save()
    response = Client().get(reverse("login"))
    assert (b"Synthetic data" in response.content) is synthetic


def test_a_search_by_htmx_with_an_impossible_date_says_so(world: Any) -> None:
    """Seen walking the product: 31 February came back with no error and no results."""
    client = client_for(world.users["practitioner"])
    query = {"q": "Rhys", "date_of_birth_day": "31", "date_of_birth_month": "2", "date_of_birth_year": "2012"}
    response = client.get(reverse("children:search"), query, headers={"HX-Request": "true"})
    assert "must be a real date" in response.content.decode()
