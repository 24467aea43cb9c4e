"""Who may change a case, beyond seeing it (partnership/access.py decides who sees it)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied

from joinedup.partnership.access import case_get_for_user, require
from joinedup.partnership.roles import Perm, role_can
from joinedup.pathways.models import Case
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
