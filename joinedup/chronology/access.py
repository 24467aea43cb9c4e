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


def asker_as_seen(*, access: ChildAccess, request: RecordCheckRequest) -> str:
    """Who asked for a check, as the user who opened the child may be told.

    Asking says the asker's agency works with the child. The agency asked learns it (it has to
    answer), and so may the asker's colleagues and anyone already told that agency holds a record
    of the child (its record shared with them, or known of). Anyone else reading the asked
    agency's record is told only that another agency asked: never who, which would tell them
    what no agreement lets them know."""
    own = access.membership.agency_id
    if request.to_agency_id == own:
        return request.asker
    known = {own} | {r.agency_id for r in access.all_records} | {r.agency_id for r, _ in access.know_of}
    membership = getattr(request.asked_by, "membership", None)
    if membership is not None and membership.agency_id in known:
        return request.asker
    return "another agency"


def check_requests_of_opened_child(*, access: ChildAccess) -> tuple[list[RecordCheckRequest], list[RecordCheckRequest]]:
    """The check requests the child page's summary shows, read in one query, not yet answered:
    those standing (asked in the last CHECK_STANDS_DAYS, newest first, with who asked: shown beside the detail so
    nobody asks twice) and the ten newest asked of the user's own agency, which the holder sees
    (which detail, by which agency, when, the note).

    Requests to an agency whose record the user may not read are left out: the policy hides that
    it holds one, and so that it was asked. Only an agency holding a record of the child is
    asked, so the holder's list names nothing the user may not see.

    Both are requests on this child to agencies whose records of it the user may read: the
    holder's own agency is one of them whenever the user's agency holds a record (and only then
    is it shown what it was asked), so one read of those agencies' requests, recent or to the
    user's own agency, holds every row of either list."""
    readable = {r.agency_id for r in access.own_records} | {s.record.agency_id for s in access.shared}
    since = timezone.now() - dt.timedelta(days=CHECK_STANDS_DAYS)
    own_agency = access.membership.agency_id if access.own_records else None
    wanted = Q(created_at__gte=since)
    if own_agency is not None:
        wanted |= Q(to_agency_id=own_agency)
    rows = list(
        # An answered request no longer stands, nor waits in the holder's box.
        RecordCheckRequest.objects.filter(
            wanted, child=access.child, to_agency_id__in=sorted(readable), checked_at__isnull=True
        )
        .select_related("asked_by__membership__agency", "to_agency")
        .order_by("-created_at")
    )
    standing = [r for r in rows if r.created_at >= since]
    for_holder = [r for r in rows if r.to_agency_id == own_agency][:10] if own_agency is not None else []
    return standing, for_holder
