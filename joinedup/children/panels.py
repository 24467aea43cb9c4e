"""The children app's panel on the home page: find or add, and the children opened recently."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from joinedup.children.access import break_glass_open_until
from joinedup.children.selectors import recent_children_for
from joinedup.partnership.access import user_can
from joinedup.partnership.roles import Perm


def recent_children_panel(request: HttpRequest) -> dict[str, Any] | None:
    can_search = user_can(request.user, Perm.SEARCH_CHILDREN)
    can_create = user_can(request.user, Perm.CREATE_AGENCY_RECORD)
    if not (can_search or can_create):
        return None
    recent = recent_children_for(user=request.user) if can_search else []
    # The user's own emergency access still open, by child: said at the top and on each card, so
    # nobody forgets that what they open now is seen by break-glass and reviewed.
    emergency = break_glass_open_until(user=request.user)
    for result in recent:
        result.emergency_until = emergency.get(result.child.pk)
    return {
        "can_search": can_search,
        "can_create": can_create,
        "recent": recent,
        "emergency_open": len(emergency),
        "emergency_until": max(emergency.values()) if emergency else None,
    }
