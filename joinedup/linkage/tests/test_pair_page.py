"""The review pair and possible-matches pages show each record only as its child's page would, audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from joinedup.audit.models import AuditEvent
from joinedup.children.models import Disclosure
from joinedup.conftest import make_agreement, make_record
from joinedup.linkage.models import CandidatePair

pytestmark = pytest.mark.django_db


def _pair(a: Any, b: Any) -> CandidatePair:
    low, high = sorted((a, b), key=lambda r: r.pk)
    return CandidatePair.objects.create(record_a=low, record_b=high, probability=0.6, match_weight=1, waterfall=[])


def test_a_screener_who_may_not_open_either_child_sees_only_who_holds_the_records(world: Any) -> None:
    # An agreement shares identity and contact for screening, but neither child is in the
    # screener's work: the child pages answer 404, so the pair page shows no content either.
    make_agreement(world, parties=("city_csc", "police", "health"), categories=("identity", "contact", "education"))
    police = make_record(world, agency="police", nhs_number="9434765919", postcode="NG7 1AB", address="1 Elm Road")
    health = make_record(world, agency="health", nhs_number="9434765919", postcode="NG7 1AB", address="1 Elm Road")
    pair = _pair(police, health)
    screener = world.users["screener"]
    client = Client()
    client.force_login(screener)
    assert client.get(reverse("children:detail", args=[police.child.uuid])).status_code == 404
    page = client.get(reverse("linkage:pair", args=[pair.uuid])).content.decode()
    assert "943 476 5919" not in page and "9434765919" not in page and "Elm Road" not in page
    assert "Shire Police" in page and "Shire Health Trust" in page
    event = AuditEvent.objects.get(actor=screener, event="linkage_pair.viewed", object_uuid=pair.uuid)
    assert event.detail["records"] == {str(police.uuid): ["know_of"], str(health.uuid): ["know_of"]}
    assert set(Disclosure.objects.filter(user=screener).values_list("record_id", flat=True)) == {police.pk, health.pk}


def test_a_reviewer_sees_what_the_child_page_shows_and_the_crossing_is_logged(world: Any) -> None:
    make_agreement(world, parties=("city_csc", "police"), categories=("identity",))
    own = make_record(world, agency="city_csc", nhs_number="9434765919")
    police = make_record(world, agency="police", nhs_number="9434765919", address="1 Elm Road")
    # The police record's child is in the screener's work through a council record on it.
    from joinedup.conftest import same_child

    other_own = make_record(world, agency="city_csc", given_names="Other")
    same_child(other_own, police)
    pair = _pair(own, police)
    screener = world.users["screener"]
    client = Client()
    client.force_login(screener)
    page = client.get(reverse("linkage:pair", args=[pair.uuid])).content.decode()
    assert page.count("943 476 5919") == 2  # identity is shared; the address is not
    assert "Elm Road" not in page
    shown = Disclosure.objects.get(user=screener, record=police)
    assert shown.categories == ["identity"]


def test_the_pair_page_writes_nhs_numbers_as_the_child_page_does(world: Any) -> None:
    """The pair page showed 9434765919 where the child page, one link away, shows 943 476 5919."""
    own = make_record(world, agency="city_csc", nhs_number="9434765919")
    other = make_record(world, agency="city_csc", nhs_number="943 476 5919")
    client = Client()
    client.force_login(world.users["screener"])
    page = client.get(reverse("linkage:pair", args=[_pair(own, other).uuid])).content.decode()
    row = page[page.index('id="row-nhs_number"') : page.index("</tr>", page.index('id="row-nhs_number"'))]
    assert row.count("943 476 5919") == 2 and "9434765919" not in row and ": agree" in row
    child = client.get(reverse("children:detail", args=[own.child.uuid])).content.decode()
    assert "943 476 5919" in child


def test_the_possible_matches_page_is_audited(world: Any) -> None:
    mine = make_record(world, agency="police")
    theirs = make_record(world, agency="city_csc")
    _pair(mine, theirs)
    user = world.user("practitioner", agency="police")
    client = Client()
    client.force_login(user)
    response = client.get(reverse("linkage:record_matches", args=[mine.uuid]))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(actor=user, event="agency_record.matches_viewed", object_uuid=mine.uuid).exists()
    assert Disclosure.objects.filter(user=user, record=theirs, categories=["know_of"]).exists()


def test_a_record_made_to_match_a_child_outside_the_makers_work_is_held_for_review(
    world: Any, trained: dict[str, Any]
) -> None:
    import datetime as dt

    from joinedup.linkage.models import PairStatus
    from joinedup.linkage.services import linkage_model_activate, linkage_model_save

    for i in range(12):
        make_record(world, given_names=f"Filler{i}", family_name=f"Person{i}", date_of_birth=dt.date(2008, 1, 1 + i))
    make_agreement(world, parties=("city_csc", "police"), categories=("identity", "contact"))
    known = make_record(
        world, given_names="Kieran", family_name="Oduya", date_of_birth=dt.date(2010, 5, 6), nhs_number="9434765919",
        address="1 Elm Road",
    )  # fmt: skip
    linkage_model_activate(actor=None, model=linkage_model_save(actor=None, parameters=trained, summary={}))
    maker = world.user("practitioner", agency="police")
    made = make_record(
        world, agency="police", actor=maker, given_names="Kieran", family_name="Oduya",
        date_of_birth=dt.date(2010, 5, 6), nhs_number="9434765919",
    )  # fmt: skip
    assert made.child_id != known.child_id
    assert CandidatePair.objects.get().status == PairStatus.PENDING
    client = Client()
    client.force_login(maker)
    page = client.get(reverse("children:detail", args=[made.child.uuid])).content.decode()
    assert "Elm Road" not in page  # the council's address stays with the council
    matches = client.get(reverse("linkage:record_matches", args=[made.uuid])).content.decode()
    assert "Elm Road" not in matches and "say why" in matches
    # Someone whose agency already works with the child joins it as before.
    colleague = world.user("practitioner", agency="city_csc")
    again = make_record(
        world, agency="city_csc", actor=colleague, given_names="Kieran", family_name="Oduya",
        date_of_birth=dt.date(2010, 5, 6), nhs_number="9434765919",
    )  # fmt: skip
    assert again.child_id == known.child_id
