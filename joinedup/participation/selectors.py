"""Reads for youth participation: the directory, coverage and gaps, cohorts and voices."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from joinedup.participation.models import (
    Contribution,
    Group,
    Opportunity,
    OpportunityStatus,
    OpportunityType,
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


def live_contributions() -> QuerySet[Contribution]:
    return Contribution.objects.filter(withdrawn_at__isnull=True)


def awaiting_feedback() -> list[Contribution]:
    """Contributions nobody has yet told the young person about, oldest first."""
    return list(
        live_contributions()
        .filter(response__isnull=True)
        .select_related("opportunity", "question", "heard_by")
        .order_by("heard_on")
    )


def themes_by_area_and_quarter() -> dict[str, dict[str, Counter[str]]]:
    """Counts of themes raised (anonymised or named use only) by area and quarter."""
    table: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for c in live_contributions().exclude(consent_use="my_plan_only").select_related("area"):
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


def influence_ledger() -> list[LedgerRow]:
    """For each strategic question: what young people said and what changed as a result."""
    rows = []
    for question in StrategicQuestion.objects.prefetch_related("contributions__response").order_by("-asked_on"):
        said = [c for c in question.contributions.all() if c.withdrawn_at is None and c.consent_use != "my_plan_only"]
        changed = [c.response for c in said if hasattr(c, "response")]
        rows.append(LedgerRow(question=question, said=said, changed=changed))
    return rows


def theme_label(code: str) -> str:
    return Theme(code).label if code in Theme.values else code
