"""Reads for youth participation: the directory, coverage and gaps, cohorts and voices."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from joinedup.audit.services import audit_record_many
from joinedup.participation.models import (
    CheckDecision,
    Cohort,
    CohortMember,
    ConsentUse,
    Contribution,
    Group,
    MemberStatus,
    Opportunity,
    OpportunityStatus,
    OpportunityType,
    SafetyCheck,
    StrategicQuestion,
    Theme,
)
from joinedup.partnership.models import District, Partnership, PostcodePrefix

AGE_BANDS: list[tuple[str, int, int]] = [
    ("8-10", 8, 10),
    ("11-13", 11, 13),
    ("14-15", 14, 15),
    ("16-17", 16, 17),
    ("18-25", 18, 25),
]
STALE_AFTER_DAYS = 183  # about six months


def is_stale(opportunity: Opportunity, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return (today - opportunity.last_reviewed_on).days > STALE_AFTER_DAYS


@dataclass
class DirectoryFilters:
    area: str = ""
    district: str = ""
    age: int | None = None
    opportunity_type: str = ""
    group: str = ""
    mode: str = ""  # "online", "in_person" or ""


def opportunities_matching(
    *, partnership: Partnership, filters: DirectoryFilters, published_only: bool
) -> list[Opportunity]:
    """Opportunities in the partnership matching the filters (no personal data here)."""
    # access: the user's partnership; an opportunity holds no child's data
    rows: QuerySet[Opportunity] = Opportunity.objects.filter(provider__partnership=partnership).select_related(
        "provider", "area", "district"
    )
    if published_only:
        rows = rows.filter(status=OpportunityStatus.PUBLISHED)
    if filters.area:
        rows = rows.filter(area__short_name=filters.area)
    if filters.district:
        rows = rows.filter(
            Q(district__uuid=filters.district) | Q(is_online=True, area__districts__uuid=filters.district)
        )
    if filters.age is not None:
        rows = rows.filter(age_min__lte=filters.age, age_max__gte=filters.age)
    if filters.opportunity_type:
        rows = rows.filter(opportunity_type=filters.opportunity_type)
    if filters.mode == "online":
        rows = rows.filter(is_online=True)
    elif filters.mode == "in_person":
        rows = rows.filter(is_online=False)
    result = list(rows.distinct().order_by("area__name", "title"))
    if filters.group:
        # Groups are a JSON list; an opportunity open to all suits every group.
        result = [o for o in result if filters.group in o.groups or Group.OPEN in o.groups]
    return result


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres (haversine)."""
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def district_centroids(partnership: Partnership) -> dict[int, tuple[float, float]]:
    """Each district's centre: the mean of its postcode prefixes' centroids."""
    points: dict[int, list[tuple[Decimal, Decimal]]] = defaultdict(list)
    for prefix in PostcodePrefix.objects.filter(partnership=partnership):
        points[prefix.district_id].append((prefix.latitude, prefix.longitude))
    return {
        district_id: (float(sum(p[0] for p in pts) / len(pts)), float(sum(p[1] for p in pts) / len(pts)))
        for district_id, pts in points.items()
    }


def _covers_band(opportunity: Opportunity, low: int, high: int) -> bool:
    return opportunity.age_min <= high and opportunity.age_max >= low


def _suits_group(opportunity: Opportunity, group: str) -> bool:
    return group in opportunity.groups or (group != Group.OPEN and Group.OPEN in opportunity.groups)


@dataclass
class DistrictCoverage:
    district: District
    total: int
    in_person: int
    by_band: dict[str, int]
    by_type: dict[str, int]
    by_group: dict[str, int]
    nearest_km: float | None
    nearest: Opportunity | None
    latitude: float | None
    longitude: float | None

    @property
    def gaps(self) -> list[str]:
        gaps = [f"no opportunity for {band} year olds" for band, n in self.by_band.items() if n == 0]
        if self.by_group.get(Group.AFFECTED_BY_EXPLOITATION) == 0:
            gaps.append("nothing specifically for young people affected by exploitation")
        return gaps


@dataclass
class Coverage:
    districts: list[DistrictCoverage]
    area_gaps: dict[str, list[str]] = field(default_factory=dict)
    bands: list[str] = field(default_factory=list)
    types: list[tuple[str, str]] = field(default_factory=list)
    groups: list[tuple[str, str]] = field(default_factory=list)


def coverage(*, partnership: Partnership, band: str = "", group: str = "") -> Coverage:
    """Published opportunities by district x age band x type x group, with gaps and distances.

    An online opportunity counts for every district of its area; an in-person
    one for its own district. "Nearest" is the nearest in-person opportunity
    suitable for the chosen band and group, measured between district centres
    and venues from the postcode table.
    """
    published = opportunities_matching(partnership=partnership, filters=DirectoryFilters(), published_only=True)
    centroids = district_centroids(partnership)
    chosen = next(((lo, hi) for name, lo, hi in AGE_BANDS if name == band), None)
    suitable = [
        o for o in published if (chosen is None or _covers_band(o, *chosen)) and (not group or _suits_group(o, group))
    ]
    rows = []
    districts = (
        District.objects.filter(area__partnership=partnership).select_related("area").order_by("area__name", "name")
    )
    for district in districts:
        here = [o for o in published if o.district_id == district.pk or (o.is_online and o.area_id == district.area_id)]
        nearest, nearest_km = None, None
        centre = centroids.get(district.pk)
        if centre is not None:
            for o in suitable:
                if o.is_online or o.latitude is None or o.longitude is None:
                    continue
                km = _km(centre[0], centre[1], float(o.latitude), float(o.longitude))
                if nearest_km is None or km < nearest_km:
                    nearest, nearest_km = o, km
        rows.append(
            DistrictCoverage(
                district=district,
                total=len(here),
                in_person=sum(1 for o in here if not o.is_online),
                by_band={name: sum(1 for o in here if _covers_band(o, lo, hi)) for name, lo, hi in AGE_BANDS},
                by_type={t: sum(1 for o in here if o.opportunity_type == t) for t in OpportunityType.values},
                # Counted only where the opportunity is aimed at the group (open-to-all is not).
                by_group={g: sum(1 for o in here if g in o.groups) for g in Group.values},
                nearest_km=round(nearest_km, 1) if nearest_km is not None else None,
                nearest=nearest,
                latitude=centre[0] if centre else None,
                longitude=centre[1] if centre else None,
            )
        )
    area_gaps: dict[str, list[str]] = {}
    for area_name in sorted({d.district.area.name for d in rows}):
        in_area = [o for o in published if o.area.name == area_name]
        gaps = []
        for g, label in Group.choices:
            if g != Group.OPEN and not any(g in o.groups for o in in_area):
                gaps.append(f"nothing specifically for {label.lower()}")
            elif g != Group.OPEN and sum(1 for o in in_area if g in o.groups) == 1:
                gaps.append(f"only one opportunity specifically for {label.lower()}")
        area_gaps[area_name] = gaps
    return Coverage(
        districts=rows,
        area_gaps=area_gaps,
        bands=[name for name, _, _ in AGE_BANDS],
        types=list(OpportunityType.choices),
        groups=list(Group.choices),
    )


# --- voices ---------------------------------------------------------------------
#
# Every read here is of one partnership's young people: the caller passes the
# partnership of the user's own membership, so a second partnership hosted on
# the same install never sees the first's words. Reads that show words or
# names write their audit events, one per young person, in one transaction.


def contributions_of(partnership: Partnership) -> QuerySet[Contribution]:
    """Live contributions heard by members of the partnership's agencies."""
    # access: the user's partnership, for officers' pages that filter by consent
    return Contribution.objects.filter(withdrawn_at__isnull=True, heard_by__membership__agency__partnership=partnership)


def questions_of(partnership: Partnership) -> QuerySet[StrategicQuestion]:
    """The strategic questions the partnership's boards have put to young people."""
    return StrategicQuestion.objects.filter(partnership=partnership)


def audit_contributions_shown(*, user: Any, event: str, contributions: list[Contribution], obj: Any = None) -> None:
    """One audit event per young person whose words were shown (and one for words with no child)."""
    by_child: dict[Any, list[str]] = defaultdict(list)
    for c in contributions:
        by_child[c.child.uuid if c.child is not None else None].append(str(c.uuid))
    events = [
        {
            "actor": user,
            "event": event,
            "obj": obj,
            "child_uuid": child_uuid,
            "detail": {"contributions": uuids},
        }
        for child_uuid, uuids in by_child.items()
    ]
    if events:
        audit_record_many(events)


def for_the_officer(*, user: Any, partnership: Partnership) -> QuerySet[Contribution]:
    """The words a participation officer closes the loop on: those given to an opportunity or a
    strategic question, words about a child's own plan the young person agreed may be used,
    with their name, to help change services, and anything their own agency heard (words
    agreed anonymised for "only your agency" stay with the agency that heard them). Words for
    their own plan only stay with the people working on that plan."""
    return contributions_of(partnership).filter(
        Q(about_own_plan=False)
        | Q(consent_use=ConsentUse.NAMED)
        | Q(heard_by__membership__agency_id=user.membership.agency_id)
    )


def awaiting_feedback(*, user: Any, partnership: Partnership) -> list[Contribution]:
    """Contributions nobody has yet told the young person about, oldest first (the read is audited)."""
    with transaction.atomic():
        rows = list(
            for_the_officer(user=user, partnership=partnership)
            .filter(response__isnull=True)
            .select_related("opportunity", "question", "heard_by", "child")
            .order_by("heard_on", "id")
        )
        audit_contributions_shown(user=user, event="contributions.listed", contributions=rows)
    return rows


def contribution_view(*, user: Any, contribution: Contribution) -> Contribution:
    """One contribution, opened to record what changed; audited."""
    with transaction.atomic():
        audit_contributions_shown(
            user=user, event="contribution.viewed", contributions=[contribution], obj=contribution
        )
    return contribution


def themes_by_area_and_quarter(*, partnership: Partnership) -> dict[str, dict[str, Counter[str]]]:
    """Counts of themes raised (anonymised or named use only) by area and quarter."""
    table: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for c in contributions_of(partnership).exclude(consent_use="my_plan_only").select_related("area"):
        quarter = f"{c.heard_on.year} Q{(c.heard_on.month - 1) // 3 + 1}"
        area = c.area.short_name if c.area else "Partnership-wide"
        for theme in c.themes:
            table[area][quarter][theme] += 1
    return {a: dict(q) for a, q in table.items()}


@dataclass
class LedgerRow:
    question: StrategicQuestion
    said: list[Contribution]
    changed: list[Any]


def influence_ledger(*, user: Any, partnership: Partnership) -> list[LedgerRow]:
    """For each of the partnership's questions: what young people said and what changed (audited)."""
    live = contributions_of(partnership).exclude(consent_use="my_plan_only").select_related("response", "child")
    rows = []
    with transaction.atomic():
        for question in (
            questions_of(partnership)
            .prefetch_related(Prefetch("contributions", queryset=live.order_by("heard_on", "id")))
            .order_by("-asked_on")
        ):
            said = list(question.contributions.all())
            changed = [c.response for c in said if hasattr(c, "response")]
            rows.append(LedgerRow(question=question, said=said, changed=changed))
        audit_contributions_shown(
            user=user, event="influence.viewed", contributions=[c for row in rows for c in row.said]
        )
    return rows


# --- cohorts --------------------------------------------------------------------


def kept_apart_pairs(cohort: Cohort) -> list[tuple[CohortMember, CohortMember]]:
    """Pairs of current members the officer decided, on any check of this cohort, to keep apart."""
    active = {str(m.uuid): m for m in cohort.members.exclude(status=MemberStatus.WITHDRAWN)}
    pairs = []
    for check in cohort.checks.filter(decision=CheckDecision.SEPARATE).order_by("created_at"):
        for a, b in check.flagged_pairs:
            if a in active and b in active:
                first, second = sorted((active[a], active[b]), key=lambda m: m.display_name)
                pairs.append((first, second))
    return pairs


@dataclass
class CohortView:
    cohort: Cohort
    members: list[CohortMember]
    check: SafetyCheck | None
    # Linked pairs of current members found by the latest check, each pair by display name.
    flagged: list[tuple[CohortMember, CohortMember]]
    # Pairs still both in the cohort although the officer decided to keep them apart.
    apart: list[tuple[CohortMember, CohortMember]]
    # Who left the cohort (withdrawn, or moved to another cohort).
    left: list[CohortMember]


def cohort_view(*, user: Any, cohort: Cohort) -> CohortView:
    """The cohort as the officer sees it: display names, lead practitioners and the latest check.

    The officer sees which young people are in the group: the read is audited
    once per young person, so each child's trail shows who saw them here.
    """
    with transaction.atomic():
        members = list(
            cohort.members.exclude(status=MemberStatus.WITHDRAWN)
            .select_related("child", "lead_practitioner__membership__agency")
            .order_by("display_name", "id")
        )
        check = cohort.checks.order_by("-created_at").first()
        by_uuid = {str(m.uuid): m for m in members}
        flagged = [
            (by_uuid[a], by_uuid[b]) if by_uuid[a].display_name <= by_uuid[b].display_name else (by_uuid[b], by_uuid[a])
            for a, b in (check.flagged_pairs if check else [])
            if a in by_uuid and b in by_uuid
        ]
        events = [
            {"actor": user, "event": "cohort.viewed", "obj": cohort, "child_uuid": m.child.uuid} for m in members
        ] or [{"actor": user, "event": "cohort.viewed", "obj": cohort}]
        audit_record_many(events)
        left = list(cohort.members.filter(status=MemberStatus.WITHDRAWN).order_by("display_name", "id"))
        apart = kept_apart_pairs(cohort)
    return CohortView(cohort=cohort, members=members, check=check, flagged=flagged, apart=apart, left=left)


def theme_label(code: str) -> str:
    return Theme(code).label if code in Theme.values else code
