"""Who may see a child's significant events, built on the policy core in partnership/access.py."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from joinedup.children.access import ChildAccess
from joinedup.chronology.models import RecordCheckRequest, SignificantEvent


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
