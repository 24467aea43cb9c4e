"""Who may change a case, beyond seeing it (partnership/access.py decides who sees it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from joinedup.children.access import children_visible_to, read_once
from joinedup.partnership.access import (
    _NOT_FOUND,
    membership_for,
    partner_grants,
    require,
    user_can,
)
from joinedup.partnership.roles import DataCategory, Perm, Purpose, role_can, role_may_act_for
from joinedup.pathways.models import Case, Handover, HandoverStatus
from joinedup.pathways.rules import at_panel


def is_at_panel(case: Case) -> bool:
    return Case.objects.filter(at_panel(), pk=case.pk).exists()


def may_chair_panel(*, user: Any, case: Case) -> bool:
    """Whether the user runs the panel this case is at now (so records its meeting, though not the lead)."""
    membership = getattr(user, "membership", None)
    return membership is not None and role_can(membership.role, Perm.RUN_PANELS) and is_at_panel(case)


def case_get_for_meeting(*, user: Any, case_uuid: UUID | str) -> tuple[Case, bool]:
    """A case the user may record a meeting on, and whether only the panel's meetings are theirs to record.

    The lead agency's caseworkers record any meeting; whoever runs the MACE panel records
    the panel's own meeting while the case is at it. 404 if the user may not open the
    case, 403 if they may open it but not record on it.
    """
    case = case_get_for_user(user=user, case_uuid=case_uuid)
    membership = require(user, Perm.WORK_CASES)
    if case.lead_agency_id == membership.agency_id:
        return case, False
    if may_chair_panel(user=user, case=case):
        return case, True
    raise PermissionDenied("Only the lead agency records meetings, or the panel's coordinator while the case is at it.")


def cases_visible_to(user: Any) -> QuerySet[Case]:
    """Cases about children the user may open."""

    if not user_can(user, Perm.WORK_CASES) and not user_can(user, Perm.VIEW_CHILD):
        return Case.objects.none()
    return Case.objects.filter(child__in=children_visible_to(user))


def _case_purpose_for(membership: Any) -> str | None:
    """The purpose a partner reads a case under: the first its role may act for."""
    return next(
        (
            p
            for p in (Purpose.SCREENING, Purpose.DIRECT_WORK, Purpose.DATA_PROTECTION)
            if role_may_act_for(membership.role, p)
        ),
        None,
    )


def case_access_levels(*, user: Any, cases: Iterable[Case]) -> dict[int, str]:
    """`case_access_level` of each of `cases`, by case id: the agreements are read once and the
    offered handovers in one query, however many cases (a child page shows all of a child's)."""
    cases = list(cases)
    membership = membership_for(user)
    if membership is None:
        return {case.pk: "none" for case in cases}
    levels = {case.pk: "full" for case in cases if case.lead_agency_id == membership.agency_id}
    others = [case for case in cases if case.pk not in levels]
    if not others:
        return levels
    offered = set(
        Handover.objects.filter(  # access: handovers of cases the caller holds, to the user's own agency
            case__in=others, to_agency_id=membership.agency_id, status=HandoverStatus.OFFERED
        ).values_list("case_id", flat=True)
    )
    grants = None
    for case in others:
        if case.pk in offered:
            levels[case.pk] = "full"
            continue
        if grants is None:
            purpose = _case_purpose_for(membership)
            grants = partner_grants(membership=membership, purpose=purpose) if purpose else {}
        grant = grants.get(case.lead_agency_id)
        levels[case.pk] = "full" if grant is not None and grant.covers(DataCategory.SOCIAL_CARE) else "know_of"
    return levels


def case_access_level(*, user: Any, case: Case) -> str:
    """How much of a case the user may see: "full" for the lead agency, an agency it is offered to,
    or a partner whose agreement shares social care data for their purpose; otherwise "know_of"."""
    return case_access_levels(user=user, cases=[case])[case.pk]


def cases_of_opened_child(access: Any) -> QuerySet[Case]:
    """The cases about a child the user has opened (`access`, a ChildAccess from child_access).

    The same rows as `cases_visible_to(user).filter(child=access.child)`: child_access opened the
    child through children_visible_to, which needs the view-child permission, so the child is
    among those cases_visible_to reaches; asking the policy again would only rebuild it.
    """
    return Case.objects.filter(child=access.child)  # access: the child the policy opened (see above)


def cases_of_opened_child_read(access: Any) -> list[Case]:
    """`cases_of_opened_child`, read once for the request with each case's pathway, area and lead
    agency: the child page's processes and its chronology both show them. Kept on the
    ChildAccess, which lives for one request, so nothing read here goes stale."""
    return read_once(
        access,
        "pathways.cases_of_opened_child",
        lambda: list(cases_of_opened_child(access).select_related("pathway", "area", "lead_agency")),
    )


def case_get_for_user(*, user: Any, case_uuid: UUID | str, for_change: bool = False) -> Case:
    """A case the user may open in full (404 otherwise); changing it needs the lead agency and a casework role (403)."""
    try:
        case = cases_visible_to(user).select_related("child", "area", "lead_agency", "pathway").get(uuid=case_uuid)
    except _NOT_FOUND as exc:
        raise Http404 from exc
    if case_access_level(user=user, case=case) != "full":
        raise Http404
    if for_change:
        membership = require(user, Perm.WORK_CASES)
        if case.lead_agency_id != membership.agency_id:
            raise PermissionDenied("Only the lead agency changes the case.")
    return case


def handover_get_for_decision(*, user: Any, handover_uuid: UUID | str) -> Handover:
    """A handover offered to the user's agency; 404 for anyone else."""

    membership = require(user, Perm.WORK_CASES)
    try:
        return Handover.objects.select_related("case__child", "to_area", "from_area").get(
            uuid=handover_uuid, to_agency=membership.agency, status=HandoverStatus.OFFERED
        )
    except _NOT_FOUND as exc:
        raise Http404 from exc


def cases_for_oversight(user: Any) -> QuerySet[Case]:
    """Every case in the partnership, for pathway oversight pages that show no child's identity."""

    membership = require(user, Perm.VIEW_PATHWAYS)
    return Case.objects.filter(area__partnership_id=membership.agency.partnership_id)
