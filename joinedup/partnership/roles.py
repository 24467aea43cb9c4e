"""Roles, purposes, data categories and what each role may do: the one matrix.

A permission answers "may this role do this kind of thing at all"; a purpose
answers "may this role act for this reason". Whether a user may see a
particular child's data is the access policy's question
(partnership/access.py), which asks this module first and then the
information-sharing agreements.
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
    DATA_OFFICER = "data_officer", "Agency data officer"


class Purpose(models.TextChoices):
    """Why a user is looking. Agreements name the purposes they allow; every read records one."""

    DIRECT_WORK = "direct_work", "Direct work with the child"
    SCREENING = "screening", "Screening a referral"
    STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion"
    MACE_PANEL = "mace_panel", "MACE panel"
    CONTEXT_CONFERENCE = "context_conference", "Context conference"
    STRATEGIC_ANALYSIS = "strategic_analysis", "Strategic analysis"
    DATA_PROTECTION = "data_protection", "Data protection duties"


class DataCategory(models.TextChoices):
    """What kind of information a field or record is. Agreements share by category."""

    IDENTITY = "identity", "Identity"
    CONTACT = "contact", "Contact details"
    SOCIAL_CARE = "social_care", "Social care"
    POLICE_INTELLIGENCE = "police_intelligence", "Police intelligence"
    HEALTH = "health", "Health"
    EDUCATION = "education", "Education"
    YOUTH_JUSTICE = "youth_justice", "Youth justice"


class Perm(StrEnum):
    SEARCH_CHILDREN = "search_children"
    VIEW_CHILD = "view_child"
    CREATE_AGENCY_RECORD = "create_agency_record"
    EDIT_AGENCY_RECORD = "edit_agency_record"
    ADD_INTELLIGENCE = "add_intelligence"
    BREAK_GLASS = "break_glass"
    VIEW_PSEUDONYMISED = "view_pseudonymised"
    VIEW_AUDIT = "view_audit"
    MANAGE_AGREEMENTS = "manage_agreements"
    REVIEW_BREAK_GLASS = "review_break_glass"
    SUBJECT_ACCESS = "subject_access"
    RETENTION_REVIEW = "retention_review"
    USE_API = "use_api"
    ADMIN_PARTNERSHIP = "admin_partnership"
    MANAGE_PARTICIPATION = "manage_participation"
    PUT_FORWARD_FOR_COHORT = "put_forward_for_cohort"
    RAISE_REFERRAL = "raise_referral"
    SCREEN_REFERRALS = "screen_referrals"
    WORK_CASES = "work_cases"
    VIEW_PATHWAYS = "view_pathways"
    REVIEW_MATCHES = "review_matches"
    VIEW_PARTICIPATION_COVERAGE = "view_participation_coverage"
    RUN_PANELS = "run_panels"
    IMPORT_AGENCY_RECORDS = "import_agency_records"


_CASEWORK = frozenset(
    {
        Perm.SEARCH_CHILDREN,
        Perm.VIEW_CHILD,
        Perm.CREATE_AGENCY_RECORD,
        Perm.EDIT_AGENCY_RECORD,
        Perm.ADD_INTELLIGENCE,
        Perm.BREAK_GLASS,
        Perm.USE_API,
        Perm.PUT_FORWARD_FOR_COHORT,
        Perm.RAISE_REFERRAL,
        Perm.WORK_CASES,
        Perm.VIEW_PATHWAYS,
    }
)

MATRIX: dict[str, frozenset[Perm]] = {
    Role.PRACTITIONER: _CASEWORK,
    Role.SCREENER: _CASEWORK | {Perm.SCREEN_REFERRALS, Perm.REVIEW_MATCHES},
    # The coordinator runs the MACE panel for both areas: the cases coming to it are in their work.
    Role.EXPLOITATION_COORDINATOR: _CASEWORK | {Perm.RUN_PANELS},
    # Strategic leads read aggregates, not individual children's records.
    Role.STRATEGIC_LEAD: frozenset({Perm.VIEW_PARTICIPATION_COVERAGE, Perm.VIEW_PATHWAYS}),
    # Analysts work on pseudonymised data only.
    Role.ANALYST: frozenset({Perm.VIEW_PSEUDONYMISED, Perm.USE_API}),
    # Participation officers see young people through cohorts, not case records.
    Role.PARTICIPATION_OFFICER: frozenset({Perm.MANAGE_PARTICIPATION, Perm.VIEW_PARTICIPATION_COVERAGE}),
    # The DPO looks at records to answer requests and check the trail, and
    # owns the agreements, but does not change casework or break glass.
    Role.DATA_PROTECTION_OFFICER: frozenset(
        {
            Perm.SEARCH_CHILDREN,
            Perm.VIEW_CHILD,
            Perm.VIEW_AUDIT,
            Perm.MANAGE_AGREEMENTS,
            Perm.REVIEW_BREAK_GLASS,
            Perm.SUBJECT_ACCESS,
            Perm.RETENTION_REVIEW,
            Perm.USE_API,
            Perm.REVIEW_MATCHES,
        }
    ),
    # Admins run the partnership's configuration, not casework.
    Role.PARTNERSHIP_ADMIN: frozenset({Perm.ADMIN_PARTNERSHIP, Perm.VIEW_PATHWAYS}),
    # An agency's data officer loads its records from its own system in bulk (a CSV import),
    # and sees what the import made in counts and the rows it refused; never a child's page.
    Role.DATA_OFFICER: frozenset({Perm.IMPORT_AGENCY_RECORDS}),
}

# The purposes each role may act under. An agreement's purpose only helps a
# user whose role may act for it.
ROLE_PURPOSES: dict[str, frozenset[str]] = {
    Role.PRACTITIONER: frozenset({Purpose.DIRECT_WORK, Purpose.STRATEGY_DISCUSSION}),
    Role.SCREENER: frozenset({Purpose.SCREENING, Purpose.DIRECT_WORK, Purpose.STRATEGY_DISCUSSION, Purpose.MACE_PANEL}),
    Role.EXPLOITATION_COORDINATOR: frozenset(
        {Purpose.MACE_PANEL, Purpose.CONTEXT_CONFERENCE, Purpose.DIRECT_WORK, Purpose.STRATEGY_DISCUSSION}
    ),
    Role.STRATEGIC_LEAD: frozenset({Purpose.STRATEGIC_ANALYSIS}),
    Role.ANALYST: frozenset({Purpose.STRATEGIC_ANALYSIS}),
    Role.PARTICIPATION_OFFICER: frozenset(),
    Role.DATA_PROTECTION_OFFICER: frozenset({Purpose.DATA_PROTECTION}),
    Role.PARTNERSHIP_ADMIN: frozenset(),
    Role.DATA_OFFICER: frozenset(),
}


def role_can(role: str, perm: Perm) -> bool:
    """Whether `role` holds `perm`. Unknown roles hold nothing (fail closed)."""
    return perm in MATRIX.get(role, frozenset())


def role_may_act_for(role: str, purpose: str) -> bool:
    """Whether `role` may act for `purpose`. Unknown roles and purposes: no."""
    return purpose in ROLE_PURPOSES.get(role, frozenset())


def default_purpose(role: str) -> str | None:
    """The purpose a role acts under when it does not say: its first casework purpose."""
    for purpose in (Purpose.SCREENING, Purpose.DIRECT_WORK, Purpose.DATA_PROTECTION, Purpose.STRATEGIC_ANALYSIS):
        if role_may_act_for(role, purpose):
            return purpose
    return None
