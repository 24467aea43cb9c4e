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
    return (
        "pathways/partials/child_processes.html",
        {
            "processes": [selectors.describe(c) for c in full],
            "known_of": known_of,
            "flags": _parallel_flags(access.child, cases, full),
        },
    )


def _parallel_flags(child: Any, cases: list[Any], full: list[Any]) -> list[selectors.ParallelFlag]:
    """The parallel-process warning, saying no more of a process than the user may see: what the
    processes they see in full show (both pathways, both areas, meetings in one week), and of the
    others only that they are open (their lead agencies are named beside it, as know-of)."""
    if len(cases) < 2:
        return []
    seen = selectors.parallel_processes_among(full)
    if len(full) == len(cases):
        return seen
    reasons = [r for flag in seen for r in flag.reasons if r != selectors.MORE_THAN_ONE]
    return [selectors.ParallelFlag(child_id=child.pk, cases=cases, reasons=reasons or [selectors.MORE_THAN_ONE])]
