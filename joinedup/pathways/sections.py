"""The child page's "processes" section: open referrals and cases in either area, and parallel-process flags."""

from __future__ import annotations

from typing import Any

from joinedup.pathways import selectors
from joinedup.pathways.models import Case, CaseStatus


def processes_section(user: Any, access: Any) -> tuple[str, dict[str, Any]] | None:
    cases = Case.objects.filter(child=access.child, status=CaseStatus.OPEN).select_related(
        "pathway", "area", "lead_agency"
    )
    flags = selectors.parallel_processes(Case.objects.filter(child=access.child))
    return (
        "pathways/partials/child_processes.html",
        {"processes": [selectors.describe(c) for c in cases], "flags": flags},
    )
