"""Roles and what each may do: the one matrix, reviewed as a whole.

A permission here answers "may this role do this kind of thing at all".
Whether a user may see a particular child is the access policy's question
(partnership/access.py), which asks this matrix first.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    SCREENER = "screener", "Screener (front door manager)"
    EXPLOITATION_COORDINATOR = "exploitation_coordinator", "Exploitation coordinator"
    STRATEGIC_LEAD = "strategic_lead", "Strategic lead"
    ANALYST = "analyst", "Analyst"
    PARTICIPATION_OFFICER = "participation_officer", "Participation officer"
    DATA_PROTECTION_OFFICER = "dpo", "Data protection officer"
    PARTNERSHIP_ADMIN = "partnership_admin", "Partnership admin"


class Perm(StrEnum):
    SEARCH_CHILDREN = "search_children"
    VIEW_CHILD = "view_child"
    CREATE_AGENCY_RECORD = "create_agency_record"
    EDIT_AGENCY_RECORD = "edit_agency_record"
    VIEW_AUDIT = "view_audit"
    ADMIN_PARTNERSHIP = "admin_partnership"


_CASEWORK = frozenset({Perm.SEARCH_CHILDREN, Perm.VIEW_CHILD, Perm.CREATE_AGENCY_RECORD, Perm.EDIT_AGENCY_RECORD})

MATRIX: dict[str, frozenset[Perm]] = {
    Role.PRACTITIONER: _CASEWORK,
    Role.SCREENER: _CASEWORK,
    Role.EXPLOITATION_COORDINATOR: _CASEWORK,
    # Strategic leads read aggregates, not individual children's records.
    Role.STRATEGIC_LEAD: frozenset(),
    # Analysts work on pseudonymised data only (information-governance issue).
    Role.ANALYST: frozenset(),
    # Participation officers see young people through cohorts, not case records.
    Role.PARTICIPATION_OFFICER: frozenset(),
    # The DPO looks at children's records to answer requests and check the trail,
    # but does not change casework.
    Role.DATA_PROTECTION_OFFICER: frozenset({Perm.SEARCH_CHILDREN, Perm.VIEW_CHILD, Perm.VIEW_AUDIT}),
    # Admins run the partnership's configuration, not casework.
    Role.PARTNERSHIP_ADMIN: frozenset({Perm.ADMIN_PARTNERSHIP}),
}


def role_can(role: str, perm: Perm) -> bool:
    """Whether `role` holds `perm`. Unknown roles hold nothing (fail closed)."""
    return perm in MATRIX.get(role, frozenset())
