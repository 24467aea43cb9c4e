"""The access policy: the one way in to protected data.

Views, API endpoints, exports and background jobs reach children and their
agency records only through these functions. Each one fails closed: a user
with no active membership, an unknown role or a missing permission gets
nothing, and "does not exist" and "not yours" give the same 404 so that
nobody learns which children another agency knows.

The rule today: a user sees the agency records held by their own agency and
the children those records belong to. Sharing agreements between agencies
widen it in the information-governance capability, here and nowhere else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404

from joinedup.partnership.models import Agency, Membership
from joinedup.partnership.roles import Perm, role_can

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from joinedup.children.models import AgencyRecord, Child

# The protected models live in apps that import this one; importing them inside
# the functions keeps module dependencies flowing one way (see DESIGN.md).


class Purpose(models.TextChoices):
    """Why a user is looking. Recorded on every audited read."""

    DIRECT_WORK = "direct_work", "Direct work with the child"
    SCREENING = "screening", "Screening a referral"
    STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion"
    MACE_PANEL = "mace_panel", "MACE panel"
    CONTEXT_CONFERENCE = "context_conference", "Context conference"
    STRATEGIC_ANALYSIS = "strategic_analysis", "Strategic analysis"
    DATA_PROTECTION = "data_protection", "Data protection duties"


def membership_for(user: Any) -> Membership | None:
    """The active membership of a signed-in, active user in an active agency, else None."""
    if user is None or not user.is_authenticated:
        return None
    if not user.is_active:
        return None
    try:
        membership: Membership = user.membership
    except ObjectDoesNotExist:
        return None
    if not membership.is_active:
        return None
    if not membership.agency.is_active:
        return None
    return membership


def user_can(user: Any, perm: Perm) -> bool:
    """Whether the user's role holds `perm` (False without an active membership)."""
    membership = membership_for(user)
    return membership is not None and role_can(membership.role, perm)


def require(user: Any, perm: Perm) -> Membership:
    """The user's membership if their role holds `perm`; otherwise 403."""
    membership = membership_for(user)
    if membership is None or not role_can(membership.role, perm):
        raise PermissionDenied("Your role does not allow this.")
    return membership


def agency_records_visible_to(user: Any) -> QuerySet[AgencyRecord]:
    """Agency records the user may read: those held by the user's own agency."""
    from joinedup.children.models import AgencyRecord

    membership = membership_for(user)
    if membership is None:
        return AgencyRecord.objects.none()
    if not role_can(membership.role, Perm.VIEW_CHILD):
        return AgencyRecord.objects.none()
    return AgencyRecord.objects.filter(agency_id=membership.agency_id)


def children_visible_to(user: Any) -> QuerySet[Child]:
    """Children the user may open: those with at least one record the user may read."""
    from joinedup.children.models import Child

    visible = agency_records_visible_to(user)
    return Child.objects.filter(pk__in=visible.values("child_id"))


def child_get_for_user(*, user: Any, child_uuid: UUID | str, purpose: str) -> Child:
    """The child, if the user may open it for `purpose`; 404 otherwise."""
    if purpose not in Purpose.values:
        raise Http404
    try:
        return children_visible_to(user).get(uuid=child_uuid)
    except (ObjectDoesNotExist, ValueError) as exc:
        raise Http404 from exc


def agency_record_get_for_user(*, user: Any, record_uuid: UUID | str) -> AgencyRecord:
    """An agency record the user may read; 404 otherwise."""
    try:
        return agency_records_visible_to(user).select_related("child", "agency").get(uuid=record_uuid)
    except (ObjectDoesNotExist, ValueError) as exc:
        raise Http404 from exc


def agency_record_get_for_change(*, user: Any, record_uuid: UUID | str) -> AgencyRecord:
    """An agency record the user may change: 404 if unseen, 403 if seen but not editable."""
    record = agency_record_get_for_user(user=user, record_uuid=record_uuid)
    membership = require(user, Perm.EDIT_AGENCY_RECORD)
    # Only the holding agency changes its own record.
    if record.agency_id != membership.agency_id:
        raise PermissionDenied("Only the agency that holds this record can change it.")
    return record


def agency_for_new_record(user: Any) -> Agency:
    """The agency a new record will belong to: the user's own; 403 if the role may not create."""
    return require(user, Perm.CREATE_AGENCY_RECORD).agency
