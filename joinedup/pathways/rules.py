"""How pathways widen "in my work" (the access policy) and "linked" (safe cohorts)."""

from __future__ import annotations

from itertools import combinations
from typing import Any

from django.db.models import Q, QuerySet

from joinedup.pathways.engine import definition_of_version
from joinedup.pathways.models import CaseStatus, Handover, HandoverStatus, Meeting, PathwayVersion
from joinedup.referrals.models import Referral, ReferralStatus


def cases_in_work(agency: Any) -> QuerySet[Any]:
    from joinedup.pathways.models import Case

    offered = Handover.objects.filter(to_agency=agency, status=HandoverStatus.OFFERED).values("case_id")
    return Case.objects.filter(Q(lead_agency=agency, status=CaseStatus.OPEN) | Q(pk__in=offered)).values("child_id")


def referrals_in_work(agency: Any) -> QuerySet[Any]:
    return (
        Referral.objects.filter(referring_agency=agency, child__isnull=False)
        .exclude(status=ReferralStatus.DRAFT)
        .filter(Q(status=ReferralStatus.SUBMITTED) | Q(cases__status=CaseStatus.OPEN))
        .values("child_id")
    )


def referrals_to_screen(agency: Any) -> QuerySet[Any]:
    """Children with a referral waiting for screening in an area the agency serves.

    Registered for screeners only: it is exactly their queue (screening_queue_for),
    so "See what is known about the child in both areas" opens for every row of it.
    """
    areas = agency.areas.values("pk")
    return (
        Referral.objects.filter(status=ReferralStatus.SUBMITTED, child__isnull=False)
        .filter(Q(home_area__in=areas) | Q(found_area__in=areas))
        .values("child_id")
    )


def at_panel(prefix: str = "") -> Q:
    """A filter on Case (or, with a prefix, on a relation to it): open and at a stage whose purpose is the
    multi-agency exploitation panel, under whichever stored version of its pathway it runs."""
    condition = Q(pk__in=[])
    for version in PathwayVersion.objects.all():
        stages = [s.id for s in definition_of_version(version).stages if s.purpose == "panel"]
        if stages:
            condition |= Q(**{f"{prefix}pathway_id": version.pk, f"{prefix}stage_id__in": stages})
    return condition & Q(**{f"{prefix}status": CaseStatus.OPEN})


def cases_at_panel(agency: Any) -> QuerySet[Any]:
    """Children whose case is at the MACE panel in either area of the agency's partnership.

    Registered for roles that run the panel: the coordinator acts for it across both areas.
    """
    from joinedup.pathways.models import Case

    return Case.objects.filter(at_panel(), area__partnership_id=agency.partnership_id).values("child_id")


def named_together(child_ids: set[int]) -> set[frozenset[int]]:
    """Children discussed at the same meeting (a MACE panel discusses several) are linked."""
    pairs: set[frozenset[int]] = set()
    by_meeting: dict[tuple[str, Any], set[int]] = {}
    for meeting in Meeting.objects.filter(case__child_id__in=child_ids).select_related("case"):
        key = (meeting.name, meeting.held_at.date())
        by_meeting.setdefault(key, set()).add(meeting.case.child_id)
    for members in by_meeting.values():
        pairs |= {frozenset(p) for p in combinations(sorted(members), 2)}
    return pairs


def children_with_open_cases() -> QuerySet[Any]:
    """For linkage's review queue (linkage.priority): children on an open pathway case."""
    from joinedup.pathways.models import Case

    return Case.objects.filter(status=CaseStatus.OPEN).values("child_id")
