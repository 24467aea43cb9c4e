from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from joinedup.children import access
from joinedup.conftest import make_record, make_user
from joinedup.partnership.access import membership_for
from joinedup.partnership.roles import MATRIX, Perm, Role, role_can


def test_every_role_has_a_row_in_the_matrix() -> None:
    assert set(MATRIX) == set(Role.values)


def test_unknown_roles_hold_nothing() -> None:
    assert not any(role_can("intruder", perm) for perm in Perm)


def test_a_user_sees_their_own_agencys_records(world: Any) -> None:
    record = make_record(world, agency="city_csc")
    user = world.users["practitioner"]
    assert access.child_get_for_user(user=user, child_uuid=record.child.uuid, purpose="direct_work") == record.child
    assert list(access.agency_records_visible_to(user)) == [record]


def test_it_refuses_another_agencys_child_with_404(world: Any) -> None:
    record = make_record(world, agency="police")
    with pytest.raises(Http404):
        access.child_get_for_user(user=world.users["practitioner"], child_uuid=record.child.uuid, purpose="direct_work")


def test_missing_and_forbidden_look_the_same(world: Any) -> None:
    import uuid

    record = make_record(world, agency="police")
    user = world.users["practitioner"]
    with pytest.raises(Http404) as missing:
        access.child_get_for_user(user=user, child_uuid=uuid.uuid4(), purpose="direct_work")
    with pytest.raises(Http404) as forbidden:
        access.child_get_for_user(user=user, child_uuid=record.child.uuid, purpose="direct_work")
    assert str(missing.value) == str(forbidden.value)


def test_an_unknown_purpose_fails_closed(world: Any) -> None:
    record = make_record(world)
    with pytest.raises(Http404):
        access.child_get_for_user(user=world.users["practitioner"], child_uuid=record.child.uuid, purpose="curiosity")


@pytest.mark.parametrize(
    "role", [Role.STRATEGIC_LEAD, Role.ANALYST, Role.PARTICIPATION_OFFICER, Role.PARTNERSHIP_ADMIN]
)
def test_roles_without_casework_see_no_child(world: Any, role: str) -> None:
    record = make_record(world)
    user = world.users[role]
    assert not access.children_visible_to(user).exists()
    with pytest.raises(Http404):
        access.child_get_for_user(user=user, child_uuid=record.child.uuid, purpose="direct_work")


def test_anonymous_and_memberless_users_see_nothing(world: Any) -> None:
    from joinedup.core.models import User

    make_record(world)
    nobody = User.objects.create_user(username="nobody", password="x")
    for user in (AnonymousUser(), nobody, None):
        assert not access.agency_records_visible_to(user).exists()
        assert membership_for(user) is None


def test_inactive_membership_or_agency_sees_nothing(world: Any) -> None:
    make_record(world)
    user = make_user(world, role=Role.PRACTITIONER)
    user.membership.is_active = False
    user.membership.save()
    assert not access.agency_records_visible_to(user).exists()
    other = make_user(world, role=Role.PRACTITIONER)
    other.membership.agency.is_active = False
    other.membership.agency.save()
    assert not access.agency_records_visible_to(other).exists()


def test_a_signed_in_users_membership_and_agency_are_read_in_one_query(
    world: Any, django_assert_num_queries: Any
) -> None:
    """Every page asks who the user acts for: one query, whether they have a membership or not,
    and the same answers as reading the relation itself."""
    from django.utils.functional import SimpleLazyObject

    from joinedup.core.models import User

    user_id = make_user(world, role=Role.PRACTITIONER).pk
    user = User.objects.get(pk=user_id)
    with django_assert_num_queries(1):
        membership = membership_for(user)
        assert membership is not None and membership.agency == world.agencies["city_csc"]
        assert user.membership is membership and membership.user is user
    lazy = SimpleLazyObject(lambda: User.objects.get(pk=user_id))  # as request.user is
    assert membership_for(lazy) == membership
    nobody = User.objects.create_user(username="nobody", password="x")
    with django_assert_num_queries(1):
        assert membership_for(nobody) is None
        assert membership_for(nobody) is None


def test_a_dpo_may_see_but_not_change(world: Any) -> None:
    record = make_record(world, agency="county_csc")
    dpo = make_user(world, role=Role.DATA_PROTECTION_OFFICER, agency="county_csc")
    assert access.agency_record_get_for_user(user=dpo, record_uuid=record.uuid) == record
    with pytest.raises(PermissionDenied):
        access.agency_record_get_for_change(user=dpo, record_uuid=record.uuid)


def test_creating_needs_a_casework_role(world: Any) -> None:
    assert access.agency_for_new_record(world.users["practitioner"]) == world.agencies["city_csc"]
    with pytest.raises(PermissionDenied):
        access.agency_for_new_record(world.users["analyst"])


def test_a_child_held_by_the_users_agency_opens_as_the_whole_policy_says(world: Any) -> None:
    """child_access opens a child the user's agency holds a live record of without building every
    in-work rule: the same answers as children_visible_to, for a held record, an erased one, a
    role that may not view children, a partner's child, and ids that are not a child."""
    from django.utils import timezone

    from joinedup.children.models import AgencyRecord

    practitioner = world.users["practitioner"]
    held = make_record(world).child
    erased = make_record(world)
    AgencyRecord.objects.filter(pk=erased.pk).update(erased_at=timezone.now())
    partners = make_record(world, agency="police").child
    analyst = make_user(world, role=Role.ANALYST)
    for user in (practitioner, analyst):
        visible = set(access.children_visible_to(user).values_list("pk", flat=True))
        for child in (held, erased.child, partners):
            try:
                opened = access.child_access(user=user, child_uuid=child.uuid, purpose="direct_work")
            except Http404:
                opened = None
            assert (opened is not None) == (child.pk in visible), (user, child)
    assert held.pk in set(access.children_visible_to(practitioner).values_list("pk", flat=True))
    for wrong in ("not-a-uuid", "6607554b-4e77-47f1-be88-4dcd21febf06"):
        with pytest.raises(Http404):
            access.child_access(user=practitioner, child_uuid=wrong, purpose="direct_work")
