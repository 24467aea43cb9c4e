"""Who may see a child's significant events, built on the policy core in partnership/access.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from joinedup.children.access import ChildAccess
from joinedup.chronology.models import CHECK_STANDS_DAYS, RecordCheckRequest, SignificantEvent


def significant_events_visible(*, access: ChildAccess) -> QuerySet[SignificantEvent, Any]:
    """Significant events on a child the user has opened (`access`, a ChildAccess):

    - their own agency's, always;
    - a partner agency's where an agreement in force for the purpose they act under
      covers the category of that agency's records (the event's `category`);
    - everything, under break-glass.

    The rule is a filter the database applies, so a long history costs one query and
    no rows the user may not see ever leave the database.
    """
    events = SignificantEvent.objects.filter(child=access.child)
    if access.break_glass is not None:
        return events
    allowed = Q(agency_id=access.membership.agency_id)
    for agency_id, grant in access.grants.items():
        if grant.level == "content":
            allowed |= Q(agency_id=agency_id, category__in=sorted(grant.categories))
    return events.filter(allowed)


def check_requests_for_holder(*, access: ChildAccess) -> list[RecordCheckRequest]:
    """Requests to check a detail of this child's record made to the user's own agency: the
    holder sees what it was asked (which detail, by which agency, when, the note), newest first.
    Only an agency holding a record of the child is asked, so these name nothing the user may not see."""
    if not access.own_records:
        return []
    return list(
        RecordCheckRequest.objects.filter(child=access.child, to_agency_id=access.membership.agency_id)
        .select_related("asked_by__membership__agency")
        .order_by("-created_at")[:10]
    )


def check_requests_standing(*, access: ChildAccess) -> list[RecordCheckRequest]:
    """Checks asked in the last CHECK_STANDS_DAYS of the agencies whose records of this child the user
    may read (own and shared), newest first, with who asked: shown beside the detail so nobody asks
    twice. Requests to an agency whose record the user may not read are left out: the policy hides
    that it holds one, and so that it was asked."""
    readable = {r.agency_id for r in access.own_records} | {s.record.agency_id for s in access.shared}
    return list(
        RecordCheckRequest.objects.filter(
            child=access.child,
            to_agency_id__in=sorted(readable),
            created_at__gte=timezone.now() - dt.timedelta(days=CHECK_STANDS_DAYS),
        )
        .select_related("asked_by__membership__agency", "to_agency")
        .order_by("-created_at")
    )
