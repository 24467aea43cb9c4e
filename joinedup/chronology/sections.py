"""The child page's summary (at the top) and the latest of its chronology."""

from __future__ import annotations

from typing import Any

from joinedup.chronology.access import asker_as_seen, check_requests_of_opened_child
from joinedup.chronology.glance import child_glance
from joinedup.chronology.selectors import chronology_entries
from joinedup.partnership.access import user_can
from joinedup.partnership.roles import Perm

LATEST = 8


def glance_section(user: Any, access: Any) -> tuple[str, dict[str, Any]] | None:
    glance = child_glance(access)
    if not glance.details:
        return None
    standing, asked = check_requests_of_opened_child(access=access)
    for request in standing:
        request.asker_shown = asker_as_seen(access=access, request=request)  # type: ignore[attr-defined]
    glance.mark_asked(standing)
    return (
        "chronology/partials/glance.html",
        {
            "glance": glance,
            "child": access.child,
            "asked": asked,
            # Who may correct the agency's record may say it was checked (chronology.services decides).
            "can_answer": user_can(user, Perm.EDIT_AGENCY_RECORD),
            "purpose": access.purpose,
        },
    )


def chronology_section(user: Any, access: Any) -> tuple[str, dict[str, Any]] | None:
    entries = chronology_entries(user=user, access=access)
    return (
        "chronology/partials/latest.html",
        {
            "entries": entries[:LATEST],
            "total": len(entries),
            "child": access.child,
            "can_add": user_can(user, Perm.EDIT_AGENCY_RECORD),
        },
    )
