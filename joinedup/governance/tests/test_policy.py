"""The access policy with agreements: content, know-of, purposes, work, break-glass, disclosures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.http import Http404
from django.utils import timezone

from joinedup.children import access
from joinedup.children.models import Disclosure, IntelligenceItem
from joinedup.children.selectors import child_search, child_view, pseudonymised_get, pseudonymised_list
from joinedup.children.services import break_glass_open
from joinedup.conftest import make_agreement, make_record, make_user, same_child
from joinedup.partnership.roles import Role


@pytest.fixture
def pair(world: Any) -> tuple[Any, Any]:
    """The same child, known to city children's services and to the police."""
    own = make_record(world, agency="city_csc", given_names="Tyler", family_name="Hargreaves", upn="")
    police = make_record(
        world, agency="police", given_names="Tyler", family_name="Hargreaves", address="9 Lock Lane", postcode="NG2 5AB"
    )
    same_child(own, police)
    return own, police


def _grade(record: Any, handling: str = "P", conditions: str = "") -> IntelligenceItem:
    return IntelligenceItem.objects.create(
        record=record,
        summary="Seen with older males at the bus station.",
        source_grade="2",
        information_grade="B",
        handling_code=handling,
        handling_conditions=conditions,
        recorded_at=timezone.now(),
    )


def test_without_an_agreement_a_partners_record_is_invisible(world: Any, pair: Any) -> None:
    own, police = pair
    seen = access.child_access(user=world.users["practitioner"], child_uuid=own.child.uuid, purpose="direct_work")
    assert seen.own_records == [own]
    assert seen.shared == [] and seen.know_of == []


def test_an_agreement_shares_only_its_categories(world: Any, pair: Any) -> None:
    own, police = pair
    agreement = make_agreement(world, categories=("identity",))
    seen = access.child_access(user=world.users["practitioner"], child_uuid=own.child.uuid, purpose="direct_work")
    [shared] = seen.shared
    assert shared.record == police
    assert shared.grant.agreement == agreement
    assert "given_names" in shared.fields and "nhs_number" in shared.fields
    assert "address" not in shared.fields and "postcode" not in shared.fields
    assert shared.categories_shown == ["identity"]


def test_the_purpose_must_be_in_the_agreement(world: Any, pair: Any) -> None:
    own, _ = pair
    make_agreement(world, purposes=("mace_panel",))
    seen = access.child_access(user=world.users["screener"], child_uuid=own.child.uuid, purpose="screening")
    assert seen.shared == []
    assert access.child_access(user=world.users["screener"], child_uuid=own.child.uuid, purpose="mace_panel").shared


def test_the_role_must_be_allowed_to_act_for_the_purpose(world: Any, pair: Any) -> None:
    own, _ = pair
    make_agreement(world, purposes=("mace_panel",))
    # A practitioner may not act for a MACE panel, so the agreement does not help them.
    with pytest.raises(Http404):
        access.child_access(user=world.users["practitioner"], child_uuid=own.child.uuid, purpose="mace_panel")


def test_the_child_must_be_in_the_users_work(world: Any) -> None:
    police = make_record(world, agency="police")
    make_agreement(world)
    with pytest.raises(Http404):
        access.child_access(user=world.users["practitioner"], child_uuid=police.child.uuid, purpose="direct_work")


@pytest.mark.parametrize(
    ("status", "shift"),
    [("draft", 0), ("suspended", 0), ("ended", 0), ("active", 30)],
)
def test_agreements_not_in_force_share_nothing(world: Any, pair: Any, status: str, shift: int) -> None:
    own, _ = pair
    make_agreement(world, status=status, start_date=dt.date.today() + dt.timedelta(days=shift))
    seen = access.child_access(user=world.users["practitioner"], child_uuid=own.child.uuid, purpose="direct_work")
    assert seen.shared == [] and seen.know_of == []


def test_an_ended_agreement_shares_nothing_after_its_end_date(world: Any, pair: Any) -> None:
    own, _ = pair
    make_agreement(world, end_date=dt.date.today() - dt.timedelta(days=1))
    assert not access.child_access(
        user=world.users["practitioner"], child_uuid=own.child.uuid, purpose="direct_work"
    ).shared


def test_a_know_of_agreement_shows_existence_not_content(world: Any, pair: Any) -> None:
    own, police = pair
    make_agreement(world, know_of_only=True)
    seen = access.child_access(user=world.users["practitioner"], child_uuid=own.child.uuid, purpose="direct_work")
    assert seen.shared == []
    [(record, grant)] = seen.know_of
    assert record == police and grant.level == "know_of"


def test_police_intelligence_needs_its_category_and_a_permitting_handling_code(world: Any, pair: Any) -> None:
    own, police = pair
    permitted = _grade(police, "P")
    conditional = _grade(police, "C", "Do not tell the family.")
    make_agreement(world, categories=("identity",))
    seen = access.child_access(user=world.users["practitioner"], child_uuid=own.child.uuid, purpose="direct_work")
    assert seen.shared[0].intelligence == []
    make_agreement(world, categories=("police_intelligence",))
    seen = access.child_access(user=world.users["practitioner"], child_uuid=own.child.uuid, purpose="direct_work")
    assert seen.shared[0].intelligence == [permitted]
    make_agreement(world, categories=("police_intelligence",), accepts_conditional_intelligence=True)
    seen = access.child_access(user=world.users["practitioner"], child_uuid=own.child.uuid, purpose="direct_work")
    assert set(seen.shared[0].intelligence) == {permitted, conditional}


def test_viewing_a_child_logs_each_disclosure_with_its_basis(world: Any, pair: Any) -> None:
    own, police = pair
    agreement = make_agreement(world, categories=("identity", "police_intelligence"))
    _grade(police)
    child_view(user=world.users["practitioner"], child_uuid=own.child.uuid, purpose="direct_work")
    [disclosure] = Disclosure.objects.all()
    assert disclosure.holder_agency == world.agencies["police"]
    assert disclosure.recipient_agency == world.agencies["city_csc"]
    assert disclosure.agreement == agreement
    assert disclosure.purpose == "direct_work"
    assert sorted(disclosure.categories) == ["identity", "police_intelligence"]


def test_own_records_are_not_disclosures(world: Any, pair: Any) -> None:
    own, _ = pair
    child_view(user=world.users["practitioner"], child_uuid=own.child.uuid, purpose="direct_work")
    assert not Disclosure.objects.exists()


def test_search_shows_the_know_of_index_for_children_outside_the_users_work(world: Any) -> None:
    make_record(world, agency="police", given_names="Kayden", family_name="Mercer")
    make_agreement(world, know_of_only=True)
    results = child_search(user=world.users["practitioner"], query="kayden mercer")
    assert results.children == []
    [entry] = results.known_elsewhere
    [(record, grant)] = entry.holders
    assert record.agency == world.agencies["police"]
    assert Disclosure.objects.get().categories == ["know_of"]


def test_search_shows_nothing_of_agencies_without_an_agreement(world: Any) -> None:
    make_record(world, agency="police", given_names="Kayden", family_name="Mercer")
    results = child_search(user=world.users["practitioner"], query="kayden mercer")
    assert results.children == [] and results.known_elsewhere == []


def test_break_glass_opens_everything_for_a_limited_time(world: Any, settings: Any) -> None:
    police = make_record(world, agency="police", postcode="S80 1AB")
    _grade(police, "C", "Conditions apply.")
    user = world.users["practitioner"]
    with pytest.raises(Http404):
        access.child_access(user=user, child_uuid=police.child.uuid, purpose="direct_work")
    grant = break_glass_open(
        actor=user, child=police.child, reason="immediate_risk", explanation="Missing overnight, phone off"
    )
    assert grant.expires_at - grant.starts_at == dt.timedelta(hours=settings.BREAK_GLASS_HOURS)
    seen = access.child_access(user=user, child_uuid=police.child.uuid, purpose="direct_work")
    assert seen.break_glass == grant
    [shared] = seen.shared
    assert "address" in shared.fields and len(shared.intelligence) == 1
    child_view(user=user, child_uuid=police.child.uuid, purpose="direct_work")
    assert Disclosure.objects.get().break_glass == grant
    grant.expires_at = timezone.now() - dt.timedelta(minutes=1)
    grant.save()
    with pytest.raises(Http404):
        access.child_access(user=user, child_uuid=police.child.uuid, purpose="direct_work")


def test_break_glass_is_not_for_every_role(world: Any) -> None:
    from django.core.exceptions import PermissionDenied

    police = make_record(world, agency="police")
    for role in (Role.DATA_PROTECTION_OFFICER, Role.ANALYST, Role.STRATEGIC_LEAD):
        with pytest.raises(PermissionDenied):
            access.child_get_for_break_glass(user=world.users[role], child_uuid=police.child.uuid)


class TestPseudonymised:
    def test_an_analyst_sees_no_name_contact_or_full_date_of_birth(self, world: Any) -> None:
        record = make_record(
            world,
            given_names="Imogen",
            family_name="Pemberton",
            date_of_birth=dt.date(2010, 6, 14),
            address="1 Elm Road",
        )
        analyst = make_user(world, role=Role.ANALYST, agency="health")
        row = pseudonymised_get(user=analyst, pseudonym=record.child.pseudonym)
        text = repr(row)
        for secret in ("Imogen", "Pemberton", "14", "Elm Road", "NG7", str(record.child.uuid)):
            assert secret not in text.replace(row.pseudonym, "")
        assert row.birth_month == "2010-06"
        assert row.areas == ["City"]

    def test_pseudonyms_are_stable_and_unique(self, world: Any) -> None:
        a, b = make_record(world), make_record(world)
        analyst = world.users["analyst"]
        first = [r.pseudonym for r in pseudonymised_list(user=analyst)]
        assert first == [r.pseudonym for r in pseudonymised_list(user=analyst)]
        assert len(set(first)) == 2 and a.child.pseudonym != b.child.pseudonym

    def test_an_analyst_cannot_open_an_identified_child(self, world: Any) -> None:
        record = make_record(world, agency="health")
        with pytest.raises(Http404):
            access.child_access(user=world.users["analyst"], child_uuid=record.child.uuid, purpose="strategic_analysis")

    def test_other_roles_cannot_see_pseudonymised_data(self, world: Any) -> None:
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            pseudonymised_list(user=world.users["practitioner"])
