"""Who may reach the referrals app's objects, built on the policy core in partnership/access.py."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Q, QuerySet, Value, When
from django.http import Http404

from joinedup.children.access import ChildAccess, read_once
from joinedup.partnership.access import (
    _NOT_FOUND,
    membership_for,
    require,
)
from joinedup.partnership.roles import Perm, role_can
from joinedup.referrals.models import Referral, ReferralImport, ReferralStatus


def referral_get_for_user(*, user: Any, referral_uuid: UUID | str, for_change: bool = False) -> Referral:
    """A referral the user may see: drafts only by their author; submitted ones by the
    referring agency and by screeners whose agency serves the child's home or found area."""

    membership = membership_for(user)
    if membership is None:
        raise Http404
    try:
        referral = Referral.objects.select_related("child", "referring_agency", "home_area", "found_area").get(
            uuid=referral_uuid
        )
    except _NOT_FOUND as exc:
        raise Http404 from exc
    if referral.status == ReferralStatus.DRAFT:
        # A draft is its author's alone, and only the author changes it.
        if referral.created_by_id != user.pk:
            raise Http404
        return referral
    if not referrals_visible_to(user).filter(pk=referral.pk).exists():
        raise Http404
    # After the visibility check, so one the user may not see is 404 and one they may see
    # but not change is 403, as everywhere.
    if for_change:
        raise PermissionDenied("A submitted referral cannot be changed.")
    return referral


def referrals_visible_to(user: Any) -> QuerySet[Referral]:
    """Submitted referrals the user may read: their agency's own (for roles that refer), and
    those a screener's agency receives because it serves the child's home or found area."""

    membership = membership_for(user)
    if membership is None:
        return Referral.objects.none()
    return Referral.objects.exclude(status=ReferralStatus.DRAFT).filter(_visible_rule(membership))


def _visible_rule(membership: Any, *, areas: list[int] | None = None) -> Q:
    """referrals_visible_to's rule among submitted referrals, for a member. `areas`, when given,
    must be the ids of the areas the member's agency serves, read in this request."""
    rule = Q(pk__in=[])
    if role_can(membership.role, Perm.RAISE_REFERRAL):
        rule |= Q(referring_agency_id=membership.agency_id)
    if role_can(membership.role, Perm.SCREEN_REFERRALS):
        if areas is None:
            areas = list(membership.agency.areas.values_list("pk", flat=True))
        rule |= Q(home_area_id__in=areas) | Q(found_area_id__in=areas)
    return rule


def referrals_of_opened_child(user: Any, access: ChildAccess) -> list[Referral]:
    """The submitted referrals of a child the user has opened (`access`, a ChildAccess), newest
    received first, each with `visible_to_user`: whether `referrals_visible_to(user)` holds it.
    Read once for the request: the chronology shows the visible ones; the voices section
    (participation.access decides) the words any of them carried. Kept on the ChildAccess,
    which lives for one request."""

    def load() -> list[Referral]:
        membership = membership_for(user)
        if membership is None:
            visible: Any = Value(False)
        else:
            # The areas the user's agency serves, as opening the child read them with the agency's own
            # records (the same agency, in this request); read here where it holds none.
            own = next((r for r in access.own_records if r.agency_id == membership.agency_id), None)
            areas = [a.pk for a in own.agency.areas.all()] if own is not None else None
            visible = Case(When(_visible_rule(membership, areas=areas), then=Value(True)), default=Value(False))
        return list(
            # access: the opened child's referrals, each marked with referrals_visible_to's rule
            Referral.objects.filter(child=access.child)
            .exclude(status=ReferralStatus.DRAFT)
            .annotate(visible_to_user=visible)
            .select_related("referring_agency", "created_by", "home_area")
            .order_by("-received_at", "-id")
        )

    return read_once(access, ("referrals.of_opened_child", user.pk), load)


def screening_queue_for(user: Any) -> QuerySet[Referral]:
    """Submitted referrals for the areas the screener's agency serves, by their decision clock.

    The home area and the area the child was found in both screen it: a child found across
    the boundary is known to that area's front door too, which the boundary must not hide.
    """

    membership = require(user, Perm.SCREEN_REFERRALS)
    areas = list(membership.agency.areas.values_list("pk", flat=True))
    return (
        Referral.objects.filter(status=ReferralStatus.SUBMITTED)
        .filter(Q(home_area_id__in=areas) | Q(found_area_id__in=areas))
        .select_related("child", "referring_agency", "home_area", "found_area")
        .order_by("decision_due_at")
    )


def referrals_raised_by(user: Any) -> QuerySet[Referral]:
    """Referrals the user's agency has sent (not drafts)."""

    membership = require(user, Perm.RAISE_REFERRAL)
    return Referral.objects.filter(referring_agency=membership.agency).exclude(status=ReferralStatus.DRAFT)


def referral_imports_for_user(user: Any) -> QuerySet[ReferralImport]:
    """The user's own imports of referral files, for roles that raise referrals (403 for others).

    Only its referrer: a file names children and says what they saw, which a colleague need not."""
    require(user, Perm.RAISE_REFERRAL)
    return ReferralImport.objects.filter(started_by=user).select_related("job", "started_by", "referring_agency")


def referral_import_get_for_user(*, user: Any, import_uuid: UUID | str) -> ReferralImport:
    """One of the user's own imports; the same 404 for missing and another person's."""
    try:
        return referral_imports_for_user(user).get(uuid=import_uuid)
    except (ReferralImport.DoesNotExist, ValidationError) as exc:
        raise Http404 from exc
