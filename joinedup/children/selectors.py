"""Reads of children and agency records, always through the access policy.

Searches and child views are audited here, where they happen, so no caller
can forget to.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q

from joinedup.audit.models import AuditEvent
from joinedup.audit.services import audit_record
from joinedup.children.models import AgencyRecord, Child
from joinedup.core.text import name_key
from joinedup.core.validators import normalise_nhs_number
from joinedup.partnership.access import (
    agency_records_visible_to,
    child_get_for_user,
    children_visible_to,
)

SEARCH_LIMIT = 50

_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d %m %Y", "%d.%m.%Y")


def parse_date(text: str) -> dt.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    return None


@dataclass
class SearchTerms:
    names: list[str] = field(default_factory=list)
    nhs_number: str = ""
    date_of_birth: dt.date | None = None
    words: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.names or self.nhs_number or self.date_of_birth)


def parse_query(query: str, date_of_birth: dt.date | None = None) -> SearchTerms:
    """Split what a user typed into names, an NHS number, a date of birth and references."""
    terms = SearchTerms(date_of_birth=date_of_birth)
    text = query.strip()
    compact = re.sub(r"[\s-]", "", text)
    if len(compact) == 10 and compact.isdigit():
        # Ten digits that fail the check digit are treated as a reference instead.
        with contextlib.suppress(ValidationError):
            terms.nhs_number = normalise_nhs_number(compact)
            return terms
    for token in text.split():
        as_date = parse_date(token)
        if as_date is not None and terms.date_of_birth is None:
            terms.date_of_birth = as_date
            continue
        terms.words.append(token)
        key = name_key(token)
        if key:
            terms.names.append(key)
    return terms


@dataclass
class ChildResult:
    child: Child
    records: list[AgencyRecord]

    @property
    def primary(self) -> AgencyRecord:
        return self.records[0]


def _search_filter(terms: SearchTerms) -> Q:
    condition = Q()
    if terms.nhs_number:
        return Q(nhs_number=terms.nhs_number)
    if terms.date_of_birth:
        condition &= Q(date_of_birth=terms.date_of_birth)
    if terms.names:
        names = Q()
        for key in terms.names:
            names &= Q(given_key__startswith=key) | Q(family_key__startswith=key) | Q(other_keys__contains=key)
        # A single word may also be an agency's own reference for the child.
        if len(terms.words) == 1:
            names |= Q(local_id__iexact=terms.words[0])
        condition &= names
    return condition


def child_search(*, user: Any, query: str, date_of_birth: dt.date | None = None) -> list[ChildResult]:
    """Children the user may see whose records match; audited whether or not anything matched."""
    terms = parse_query(query, date_of_birth)
    results: list[ChildResult] = []
    if not terms.is_empty:
        visible = agency_records_visible_to(user)
        matching_children = visible.filter(_search_filter(terms)).values("child_id")
        children = (
            children_visible_to(user)
            .filter(pk__in=matching_children)
            .prefetch_related(
                Prefetch(
                    "records",
                    queryset=visible.select_related("agency", "area").order_by("-updated_at"),
                    to_attr="visible_records",
                )
            )
            .order_by("-updated_at")[:SEARCH_LIMIT]
        )
        results = [ChildResult(child=c, records=c.visible_records) for c in children]
    audit_record(
        actor=user,
        event="children.searched",
        detail={
            "query": query,
            "date_of_birth": date_of_birth.isoformat() if date_of_birth else None,
            "results": len(results),
        },
    )
    return results


@dataclass
class ChildView:
    child: Child
    records: list[AgencyRecord]

    @property
    def primary(self) -> AgencyRecord | None:
        return self.records[0] if self.records else None

    @property
    def areas(self) -> list[str]:
        return sorted({r.area.short_name for r in self.records if r.area is not None})


def child_view(*, user: Any, child_uuid: Any, purpose: str) -> ChildView:
    """Open a child for `purpose` (404 if not allowed); the view is audited."""
    child = child_get_for_user(user=user, child_uuid=child_uuid, purpose=purpose)
    records = list(
        agency_records_visible_to(user)
        .filter(child=child)
        .select_related("agency", "area", "district", "created_by", "updated_by")
        .order_by("-updated_at")
    )
    audit_record(
        actor=user,
        event="child.viewed",
        obj=child,
        child_uuid=child.uuid,
        purpose=purpose,
        detail={"records_shown": [str(r.uuid) for r in records]},
    )
    return ChildView(child=child, records=records)


def recent_children_for(*, user: Any, limit: int = 10) -> list[ChildResult]:
    """Children the user opened most recently that they may still see."""
    recent: list[Any] = []
    for child_uuid in (
        AuditEvent.objects.filter(actor=user, event="child.viewed")
        .order_by("-id")
        .values_list("child_uuid", flat=True)[:200]
    ):
        if child_uuid not in recent:
            recent.append(child_uuid)
        if len(recent) == limit:
            break
    visible = agency_records_visible_to(user)
    children = {
        c.uuid: c
        for c in children_visible_to(user)
        .filter(uuid__in=recent)
        .prefetch_related(
            Prefetch(
                "records",
                queryset=visible.select_related("agency").order_by("-updated_at"),
                to_attr="visible_records",
            )
        )
    }
    return [ChildResult(child=children[u], records=children[u].visible_records) for u in recent if u in children]
