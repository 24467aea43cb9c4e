"""The child page's "processes" section: open referrals and cases in either area, and parallel-process flags."""

from __future__ import annotations

from typing import Any

from joinedup.pathways import selectors
from joinedup.pathways.access import case_access_levels, cases_of_opened_child_read
from joinedup.pathways.models import CaseStatus


def processes_section(user: Any, access: Any) -> tuple[str, dict[str, Any]] | None:
    """Open processes the user may see in full, and the lead agencies of the others (know-of only)."""
    # The opened child's cases (read once for the page); detail only where case_access_level says full.
    every = cases_of_opened_child_read(access)
    cases = [c for c in every if c.status == CaseStatus.OPEN]
    levels = case_access_levels(user=user, cases=cases)
    full = [c for c in cases if levels[c.pk] == "full"]
    known_of = sorted({c.lead_agency.name for c in cases if c not in full})
    # All the opened child's cases, for the parallel-process flag only.
    flags = selectors.parallel_processes_among(every)
    return (
        "pathways/partials/child_processes.html",
        {"processes": [selectors.describe(c) for c in full], "known_of": known_of, "flags": flags},
    )
