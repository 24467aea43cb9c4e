"""How pathways widen "in my work" (the access policy) and "linked" (safe cohorts)."""

from __future__ import annotations

from itertools import combinations
from typing import Any

from django.db.models import Q, QuerySet

from joinedup.pathways.models import CaseStatus, Handover, HandoverStatus, Meeting
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
