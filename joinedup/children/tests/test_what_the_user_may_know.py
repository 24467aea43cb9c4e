"""Pages show a child only as the user may know them: home's recent children, "Known in", audited reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from joinedup.audit.models import AuditEvent
from joinedup.children.models import Disclosure
from joinedup.children.services import break_glass_open
from joinedup.conftest import make_agreement, make_record, same_child
from joinedup.pathways.definitions import shipped_definitions
from joinedup.pathways.services import case_open

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


class TestHomeRecentChildren:
    def test_a_child_opened_through_break_glass_shows_on_home(self, world: Any) -> None:
        record = make_record(world, agency="police", given_names="Kieran", family_name="Oduya")
        user = world.user("practitioner", agency="health")
        break_glass_open(actor=user, child=record.child, reason="immediate_risk", explanation="Missing tonight.")
        client = _client(user)
        assert client.get(reverse("children:detail", args=[record.child.uuid])).status_code == 200
        home = client.get(reverse("home"))
        assert home.status_code == 200
        assert "Kieran Oduya" in home.content.decode()
        # The name came from the police's record: the crossing is logged once under this grant (by the
        # page; home shows no more than the page did), and the read is audited.
        shown = [d.categories for d in Disclosure.objects.filter(user=user, record=record)]
        assert len(shown) == 1 and "identity" in shown[0]
        assert AuditEvent.objects.filter(actor=user, event="children.recent_listed").exists()

    def test_a_child_in_work_through_a_case_alone_shows_a_reference_not_a_name(self, world: Any) -> None:
        record = make_record(world, agency="police", given_names="Kieran", family_name="Oduya")
        case_open(
            actor=world.users["screener"],
            child=record.child,
            definition=shipped_definitions()["efh-city@1"],
            area=world.city,
            lead_agency=world.agencies["city_csc"],
        )
        user = world.user("practitioner", agency="city_csc")
        client = _client(user)
        assert client.get(reverse("children:detail", args=[record.child.uuid])).status_code == 200
        home = client.get(reverse("home"))
        assert home.status_code == 200
        page = home.content.decode()
        assert f"Child reference {record.child.pseudonym}" in page and "Oduya" not in page


class TestKnownIn:
    def test_known_in_leaves_out_where_a_partner_says_the_child_lives_when_nothing_is_shared(self, world: Any) -> None:
        own = make_record(world, agency="city_csc", postcode="NG7 1AA")
        county = make_record(world, agency="police", postcode="S80 1AA")
        child = same_child(own, county)
        make_agreement(world, parties=("city_csc", "police"), know_of_only=True)
        page = _client(world.users["practitioner"]).get(reverse("children:detail", args=[child.uuid]))
        text = page.content.decode()
        assert "Known in City<" in text and "County" not in text.split("Known in")[1].split("</strong>")[0]

    def test_known_in_counts_a_partners_area_when_contact_details_are_shared(self, world: Any) -> None:
        own = make_record(world, agency="city_csc", postcode="NG7 1AA")
        county = make_record(world, agency="police", postcode="S80 1AA")
        child = same_child(own, county)
        make_agreement(world, parties=("city_csc", "police"), categories=("identity", "contact"))
        page = _client(world.users["practitioner"]).get(reverse("children:detail", args=[child.uuid]))
        assert "Known in City and County" in page.content.decode()


def test_opening_a_records_edit_form_is_audited(world: Any) -> None:
    record = make_record(world)
    user = world.users["practitioner"]
    assert _client(user).get(reverse("children:record_edit", args=[record.uuid])).status_code == 200
    assert AuditEvent.objects.filter(actor=user, event="agency_record.opened_for_change", object_uuid=record.uuid)


def test_the_dpo_has_a_list_of_records_that_would_have_opened_a_child(world: Any, trained: dict[str, Any]) -> None:
    from joinedup.children.selectors import joins_outside_work_for
    from joinedup.linkage.services import linkage_model_activate, linkage_model_save

    for i in range(12):
        make_record(world, given_names=f"Filler{i}", family_name=f"Person{i}", date_of_birth=dt.date(2008, 1, 1 + i))
    known = make_record(
        world, given_names="Kieran", family_name="Oduya", date_of_birth=dt.date(2010, 5, 6), nhs_number="9434765919"
    )
    linkage_model_activate(actor=None, model=linkage_model_save(actor=None, parameters=trained, summary={}))
    maker = world.user("practitioner", agency="police")
    made = make_record(
        world,
        agency="police",
        actor=maker,
        given_names="Kieran",
        family_name="Oduya",
        date_of_birth=dt.date(2010, 5, 6),
        nhs_number="9434765919",
    )
    # The police practitioner could not open the council's child: the record is not joined to it.
    assert made.child_id != known.child_id
    page = _client(maker).get(reverse("children:detail", args=[made.child.uuid])).content.decode()
    assert f"record-{known.uuid}" not in page and f"record-{made.uuid}" in page
    assert not Disclosure.objects.filter(user=maker, record=known).exclude(categories=["know_of"]).exists()
    (event,) = joins_outside_work_for(world.users["dpo"])
    assert event.actor == maker and event.child_uuid == known.child.uuid
    other = world.user("practitioner", agency="city_csc")
    with pytest.raises(PermissionDenied):
        list(joins_outside_work_for(other))


def test_a_card_names_an_agency_it_may_only_know_of_once(world: Any) -> None:
    # The police hold two records of the child (a contact and a referral): the search card says
    # the police also know the child, once.
    own = make_record(world, agency="city_csc", given_names="Kieran", family_name="Oduya")
    first = make_record(world, agency="police", given_names="Kieran", family_name="Oduya")
    second = make_record(world, agency="police", given_names="Kieran", family_name="Oduya")
    same_child(own, first, second)
    make_agreement(world, parties=("city_csc", "police"), know_of_only=True)
    page = _client(world.users["practitioner"]).get(reverse("children:search"), {"q": "Oduya"}).content.decode()
    assert "Kieran Oduya" in page
    assert page.count("Shire Police") == 1
