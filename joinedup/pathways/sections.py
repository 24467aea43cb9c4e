"""The child page's "processes" section: open referrals and cases in either area, and parallel-process flags."""

from __future__ import annotations

from typing import Any

from joinedup.pathways import selectors
from joinedup.pathways.access import case_access_levels
from joinedup.pathways.models import Case, CaseStatus


def processes_section(user: Any, access: Any) -> tuple[str, dict[str, Any]] | None:
    """Open processes the user may see in full, and the lead agencies of the others (know-of only)."""
    cases = list(
        # access: the opened child's cases; detail only where case_access_level says full
        Case.objects.filter(child=access.child, status=CaseStatus.OPEN).select_related("pathway", "area", "lead_agency")
    )
    levels = case_access_levels(user=user, cases=cases)
    full = [c for c in cases if levels[c.pk] == "full"]
    known_of = sorted({c.lead_agency.name for c in cases if c not in full})
    # access: the opened child's cases, for the parallel-process flag only
    flags = selectors.parallel_processes(Case.objects.filter(child=access.child))
    return (
        "pathways/partials/child_processes.html",
        {"processes": [selectors.describe(c) for c in full], "known_of": known_of, "flags": flags},
    )
