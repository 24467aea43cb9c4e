"""Who may see a child's significant events, built on the policy core in partnership/access.py."""

from __future__ import annotations

from joinedup.children.access import ChildAccess
from joinedup.chronology.models import SignificantEvent
from joinedup.partnership.access import partner_grants


def significant_events_visible(*, access: ChildAccess) -> list[SignificantEvent]:
    """Significant events on a child the user has opened (`access`, a ChildAccess):

    - their own agency's, always;
    - a partner agency's where an agreement in force for the purpose they act under
      covers the category of that agency's records (the event's `category`);
    - everything, under break-glass.
    """
    events = list(SignificantEvent.objects.filter(child=access.child).select_related("agency"))
    if access.break_glass is not None:
        return events
    grants = partner_grants(membership=access.membership, purpose=access.purpose)
    own = access.membership.agency_id
    return [
        e for e in events if e.agency_id == own or (e.agency_id in grants and grants[e.agency_id].covers(e.category))
    ]
