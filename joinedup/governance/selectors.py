"""Reads for the data protection officer: audit trail, disclosures, break-glass, retention.

Subject access requests are in governance/subject_access.py.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from joinedup.audit.models import AuditEvent
from joinedup.audit.services import audit_record
from joinedup.children.access import children_visible_to
from joinedup.children.models import (
    AgencyRecord,
    BreakGlassGrant,
    Child,
    Disclosure,
    ReviewStatus,
)
from joinedup.children.services import disclosures_record
from joinedup.governance.models import (
    RetentionDecision,
    RetentionOutcome,
    RetentionPolicy,
)
from joinedup.partnership.access import Grant, require
from joinedup.partnership.models import Agency
from joinedup.partnership.roles import DataCategory, Perm, Purpose

# --- audit trail ---------------------------------------------------------------------


def _partnership_events(partnership_id: int) -> QuerySet[AuditEvent]:
    """The events that belong to one partnership, so a DPO never reads another's trail.

    An event belongs where its actor's agency is; an event with no agency (the
    system's, such as a linkage run's joins) where its child's records are.
    Installation events that name no agency and no child (the chain's key
    markers, model training) are about the shared platform and show to every
    partnership's DPO.
    """
    agencies = Agency.objects.filter(partnership_id=partnership_id).values("uuid")
    children = Child.objects.filter(records__agency__partnership_id=partnership_id).values("uuid")
    return AuditEvent.objects.filter(
        Q(agency_uuid__in=agencies)
        | Q(agency_uuid__isnull=True, child_uuid__in=children)
        | Q(agency_uuid__isnull=True, child_uuid__isnull=True, actor__isnull=True)
    )


def audit_events_for(*, user: Any, filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    """The DPO's partnership's audit events matching their filters, newest first. 403 for other roles."""
    membership = require(user, Perm.VIEW_AUDIT)
    events = _partnership_events(membership.agency.partnership_id).select_related("actor").order_by("-id")
    if filters.get("user"):
        events = events.filter(actor_label__iexact=filters["user"])
    if filters.get("child"):
        events = events.filter(child_uuid=filters["child"])
    if filters.get("agency"):
        events = events.filter(agency_uuid=filters["agency"].uuid)
    if filters.get("event"):
        events = events.filter(event__startswith=filters["event"])
    tz = timezone.get_current_timezone()
    if filters.get("date_from"):
        events = events.filter(occurred_at__gte=dt.datetime.combine(filters["date_from"], dt.time.min, tzinfo=tz))
    if filters.get("date_to"):
        events = events.filter(
            occurred_at__lt=dt.datetime.combine(filters["date_to"], dt.time.min, tzinfo=tz) + dt.timedelta(days=1)
        )
    return events


@dataclass
class AuditPage:
    page: Any
    rows: list[tuple[AuditEvent, ChildLabel | None]]


def audit_page(*, user: Any, filters: dict[str, Any], page: Any) -> AuditPage:
    """One page of the filtered trail, each child named; reading it is audited too."""
    membership = require(user, Perm.VIEW_AUDIT)
    with transaction.atomic():
        current = Paginator(audit_events_for(user=user, filters=filters), 50).get_page(page)
        labels = child_labels_by_uuid(
            partnership_id=membership.agency.partnership_id, uuids=[e.child_uuid for e in current.object_list]
        )
        audit_record(
            actor=user,
            event="audit.viewed",
            purpose=Purpose.DATA_PROTECTION,
            detail={"filters": {k: str(v) for k, v in filters.items() if v not in (None, "")}, "page": current.number},
        )
    rows = [(e, labels.get(e.child_uuid)) for e in current.object_list]
    return AuditPage(page=current, rows=rows)


AUDIT_CSV_HEADER = (
    "id",
    "occurred_at",
    "actor",
    "agency",
    "event",
    "object_type",
    "object_uuid",
    "child_uuid",
    "purpose",
    "old",
    "new",
    "detail",
    "hash",
)


def audit_csv_rows(events: Iterable[AuditEvent]) -> Iterator[tuple[Any, ...]]:
    """The filtered trail's rows for the CSV export (audit.exports makes the cells formula-safe and audits it)."""
    for e in events:
        yield (
            e.id,
            e.occurred_at.isoformat(),
            e.actor_label,
            e.agency_label,
            e.event,
            e.object_type,
            e.object_uuid,
            e.child_uuid,
            e.purpose,
            e.old,
            e.new,
            e.detail,
            e.hash,
        )


# --- disclosures ---------------------------------------------------------------------


@dataclass(frozen=True)
class ChildLabel:
    """How governance pages name a child: from the partnership's own records, newest first."""

    uuid: Any
    name: str
    date_of_birth: dt.date | None
    records: tuple[Any, ...] = ()


def child_labels(*, partnership_id: int, child_ids: Iterable[int]) -> dict[int, ChildLabel]:
    """Names for children by primary key, in one query; a child whose records are all erased says so.

    The DPO's view: every live record the partnership holds, whichever agency
    holds it, because reviewing access and answering requests needs to know
    who the child is.
    """
    ids = set(child_ids)
    rows = (
        AgencyRecord.objects.filter(child_id__in=ids, agency__partnership_id=partnership_id, erased_at__isnull=True)
        .select_related("agency", "child")
        .order_by("child_id", "-updated_at", "-id")
    )
    labels: dict[int, ChildLabel] = {}
    for record in rows:
        label = labels.get(record.child_id)
        if label is None:
            labels[record.child_id] = ChildLabel(
                uuid=record.child.uuid,
                name=record.full_name,
                date_of_birth=record.date_of_birth,
                records=(record,),
            )
        else:
            labels[record.child_id] = ChildLabel(
                uuid=label.uuid, name=label.name, date_of_birth=label.date_of_birth, records=(*label.records, record)
            )
    # The name and date of birth most of the child's records agree on (the most recently
    # updated record breaks a tie), as the child page shows them: not one odd record's value.
    for child_id, label in labels.items():
        labels[child_id] = ChildLabel(
            uuid=label.uuid,
            name=_agreed([r.full_name for r in label.records]) or label.name,
            date_of_birth=_agreed([r.date_of_birth for r in label.records if r.date_of_birth]),
            records=label.records,
        )
    rest = list(Child.objects.filter(pk__in=ids - set(labels)).values_list("pk", "uuid", "joined_into_id"))
    # A child whose records were all moved into another by a join is named by where they went:
    # "erased" would tell a DPO reviewing access that records were destroyed.
    moved_to = {pk: into for pk, _, into in rest if into is not None}
    targets = child_labels(partnership_id=partnership_id, child_ids=set(moved_to.values())) if moved_to else {}
    erased = set(
        AgencyRecord.objects.filter(child_id__in=[pk for pk, _, into in rest if into is None], erased_at__isnull=False)
        .values_list("child_id", flat=True)
        .distinct()
    )
    for pk, public_id, into in rest:
        if into is not None:
            target = targets.get(into)
            name = f"Records moved to another child: {target.name}" if target else "Records moved to another child"
        elif pk in erased:
            name = "Name erased (records past retention)"
        else:
            name = "No records held"
        labels[pk] = ChildLabel(uuid=public_id, name=name, date_of_birth=None)
    return labels


def child_labels_by_uuid(*, partnership_id: int, uuids: Iterable[Any]) -> dict[Any, ChildLabel]:
    """child_labels for audit events, which name children by public id: uuid -> label, for the
    children of the partnership (an id of another partnership's child, or none, is left out)."""
    # access: ids of the children the DPO's lists name, in their partnership (child_labels narrows)
    pks = dict(Child.objects.filter(uuid__in={u for u in uuids if u}).values_list("pk", "uuid"))
    labels = child_labels(partnership_id=partnership_id, child_ids=pks)
    return {pks[pk]: label for pk, label in labels.items()}


def _agreed(values: list[Any]) -> Any:
    """The value most often given, the first given (the most recent) among equals; None if none."""
    counts = Counter(values)
    return max(values, key=lambda v: counts[v]) if values else None


def _day_range(events: QuerySet[Any], field: str, date_from: dt.date | None, date_to: dt.date | None) -> QuerySet[Any]:
    """Whole London days, from the start of `date_from` to the end of `date_to`."""
    tz = timezone.get_current_timezone()
    if date_from:
        events = events.filter(**{f"{field}__gte": dt.datetime.combine(date_from, dt.time.min, tzinfo=tz)})
    if date_to:
        end = dt.datetime.combine(date_to, dt.time.min, tzinfo=tz) + dt.timedelta(days=1)
        events = events.filter(**{f"{field}__lt": end})
    return events


def disclosures_for(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Disclosure]:
    """Who has seen which agency's data about a child, and why, newest first. 403 for non-DPOs.

    Filters: `child` (uuid), `agency` (holder or recipient), `category`, `date_from`, `date_to`.
    """
    membership = require(user, Perm.VIEW_AUDIT)
    filters = filters or {}
    rows = Disclosure.objects.filter(holder_agency__partnership_id=membership.agency.partnership_id).select_related(
        "user", "recipient_agency", "holder_agency", "agreement", "break_glass", "child"
    )
    if filters.get("child"):
        rows = rows.filter(child__uuid=filters["child"])
    if filters.get("agency"):
        rows = rows.filter(Q(holder_agency=filters["agency"]) | Q(recipient_agency=filters["agency"]))
    if filters.get("category"):
        # Categories are a JSON list of codes; matching the quoted code works alike on SQLite and PostgreSQL.
        rows = rows.filter(categories__icontains=f'"{filters["category"]}"')
    rows = _day_range(rows, "occurred_at", filters.get("date_from"), filters.get("date_to"))
    return rows.order_by("-occurred_at", "-id")


@dataclass
class DisclosureLog:
    page: Any
    rows: list[tuple[Disclosure, ChildLabel]]


def disclosure_log(*, user: Any, filters: dict[str, Any], page: Any) -> DisclosureLog:
    """One page of the disclosure log with the children named; the read is audited."""
    membership = require(user, Perm.VIEW_AUDIT)
    with transaction.atomic():
        current = Paginator(disclosures_for(user=user, filters=filters), 50).get_page(page)
        children = child_labels(
            partnership_id=membership.agency.partnership_id, child_ids={d.child_id for d in current.object_list}
        )
        audit_record(
            actor=user,
            event="disclosures.viewed",
            purpose=Purpose.DATA_PROTECTION,
            detail={
                "filters": {k: str(v) for k, v in filters.items() if v not in (None, "")},
                "page": current.number,
                "children_named": sorted(str(c.uuid) for c in children.values()),
            },
        )
    return DisclosureLog(page=current, rows=[(d, children[d.child_id]) for d in current.object_list])


# --- joins outside work ---------------------------------------------------------------


@dataclass
class OutsideWorkRow:
    event: AuditEvent
    child: ChildLabel | None  # None: the child's records are all erased, or it was joined into another
    held: bool  # held back for a reviewer (a record made), rather than confirmed with a reason
    reason: str


@dataclass
class OutsideWorkLog:
    page: Any
    rows: list[OutsideWorkRow]


def joins_outside_work_log(*, user: Any, page: Any) -> OutsideWorkLog:
    """One page of the records whose match would have opened a child outside their maker's
    work (held for a reviewer) and the matches confirmed with a reason that did open one: the
    DPO's list of possible access-seeking, newest first, children named; the read is audited."""
    from joinedup.children.selectors import HELD_OUTSIDE_WORK_EVENT, joins_outside_work_for

    membership = require(user, Perm.VIEW_AUDIT)
    with transaction.atomic():
        current = Paginator(joins_outside_work_for(user).select_related("actor"), 50).get_page(page)
        events = list(current.object_list)
        labels = child_labels_by_uuid(
            partnership_id=membership.agency.partnership_id, uuids=[e.child_uuid for e in events]
        )
        rows = [
            OutsideWorkRow(
                event=e,
                child=labels.get(e.child_uuid),
                held=e.event == HELD_OUTSIDE_WORK_EVENT,
                reason=str((e.detail or {}).get("reason", "")),
            )
            for e in events
        ]
        audit_record(
            actor=user,
            event="joins_outside_work.viewed",
            purpose=Purpose.DATA_PROTECTION,
            detail={"page": current.number, "children_named": sorted(str(r.child.uuid) for r in rows if r.child)},
        )
    return OutsideWorkLog(page=current, rows=rows)


# --- break-glass ---------------------------------------------------------------------


@dataclass
class BreakGlassQueue:
    pending: list[tuple[BreakGlassGrant, ChildLabel]]
    reviewed: list[tuple[BreakGlassGrant, ChildLabel]]


def break_glass_queue(*, user: Any, audit: bool = True) -> BreakGlassQueue:
    """(waiting for review, recently reviewed) grants in the DPO's partnership, each child named.

    Naming the children is a read of personal data: audited unless `audit` is
    False (the governance index only counts the queue).
    """
    membership = require(user, Perm.REVIEW_BREAK_GLASS)
    grants = BreakGlassGrant.objects.filter(agency__partnership_id=membership.agency.partnership_id).select_related(
        "user", "agency", "reviewed_by"
    )
    pending = list(grants.filter(review_status=ReviewStatus.PENDING).order_by("starts_at"))
    reviewed = list(grants.exclude(review_status=ReviewStatus.PENDING).order_by("-reviewed_at")[:50])
    if not audit:
        return BreakGlassQueue(pending=[(g, _UNNAMED) for g in pending], reviewed=[])
    with transaction.atomic():
        labels = child_labels(
            partnership_id=membership.agency.partnership_id, child_ids={g.child_id for g in pending + reviewed}
        )
        audit_record(
            actor=user,
            event="break_glass.queue_viewed",
            purpose=Purpose.DATA_PROTECTION,
            detail={"children_named": sorted({str(label.uuid) for label in labels.values()})},
        )
    return BreakGlassQueue(
        pending=[(g, labels[g.child_id]) for g in pending], reviewed=[(g, labels[g.child_id]) for g in reviewed]
    )


_UNNAMED = ChildLabel(uuid=None, name="", date_of_birth=None)


def break_glass_get_for_review(*, user: Any, grant_uuid: Any) -> BreakGlassGrant:
    """A grant in the DPO's partnership; 404 for any other, 403 for other roles."""
    membership = require(user, Perm.REVIEW_BREAK_GLASS)
    grant = (
        BreakGlassGrant.objects.filter(agency__partnership_id=membership.agency.partnership_id, uuid=grant_uuid)
        .select_related("user", "agency", "child", "reviewed_by")
        .first()
    )
    if grant is None:
        raise Http404
    return grant


@dataclass
class BreakGlassReview:
    grant: BreakGlassGrant
    child: ChildLabel
    disclosures: list[Disclosure]
    child_page_open: bool

    @property
    def seen(self) -> list[Seen]:
        """What was seen under the grant, once for each agency's records and the categories shown,
        with how many times and when first and last: each page opened writes a row per record."""
        groups: dict[tuple[int, tuple[str, ...]], Seen] = {}
        for d in self.disclosures:  # oldest first
            key = (d.holder_agency_id, tuple(sorted(d.categories)))
            group = groups.get(key)
            if group is None:
                groups[key] = Seen(agency=d.holder_agency.name, categories=list(key[1]), first=d.occurred_at)
                group = groups[key]
            group.last = d.occurred_at
            group.times += 1
            group.records.add(d.record_id)
        return list(groups.values())


@dataclass
class Seen:
    """One agency's records seen under a break-glass grant, for the same categories."""

    agency: str
    categories: list[str]
    first: dt.datetime
    last: dt.datetime | None = None
    times: int = 0
    records: set[int] = field(default_factory=set)


def break_glass_review_view(*, user: Any, grant: BreakGlassGrant) -> BreakGlassReview:
    """What the DPO reviews: the grant, the child by name, what was seen. Audited, with the disclosure
    of the child's name where another agency's record supplies it."""
    membership = require(user, Perm.REVIEW_BREAK_GLASS)
    with transaction.atomic():
        label = child_labels(partnership_id=membership.agency.partnership_id, child_ids=[grant.child_id])[
            grant.child_id
        ]
        named_from = label.records[0] if label.records else None
        if named_from is not None and named_from.agency_id != membership.agency_id:
            disclosures_record(
                user=user,
                child=grant.child,
                items=[(named_from, [DataCategory.IDENTITY], Grant(level="content", categories=frozenset()))],
                purpose=Purpose.DATA_PROTECTION,
                channel="page",
            )
        audit_record(
            actor=user,
            event="break_glass.review_viewed",
            obj=grant,
            child_uuid=grant.child.uuid,
            purpose=Purpose.DATA_PROTECTION,
            detail={"named_from": str(named_from.uuid) if named_from else None},
        )
    return BreakGlassReview(
        grant=grant,
        child=label,
        disclosures=list(grant.disclosures.select_related("holder_agency").order_by("occurred_at")),
        child_page_open=children_visible_to(user).filter(pk=grant.child_id).exists(),
    )


# --- retention -----------------------------------------------------------------------


@dataclass
class RetentionCandidate:
    record: AgencyRecord
    policy: RetentionPolicy
    due_since: dt.date


def retention_candidates(*, user: Any, today: dt.date | None = None) -> list[RetentionCandidate]:
    """Records past their retention period with no current decision to keep them."""
    membership = require(user, Perm.RETENTION_REVIEW)
    today = today or timezone.localdate()
    policies = {p.agency_type: p for p in RetentionPolicy.objects.all()}
    kept = RetentionDecision.objects.filter(outcome=RetentionOutcome.RETAIN, retain_until__gt=today).values("record_id")
    candidates = []
    for agency_type, policy in policies.items():
        cutoff = timezone.now() - dt.timedelta(days=365 * policy.years)
        records = (
            AgencyRecord.objects.filter(
                agency__partnership_id=membership.agency.partnership_id,
                agency__agency_type=agency_type,
                erased_at__isnull=True,
                updated_at__lt=cutoff,
            )
            .exclude(pk__in=kept)
            .select_related("agency")
            .order_by("updated_at")[:200]
        )
        for record in records:
            due = (record.updated_at + dt.timedelta(days=365 * policy.years)).date()
            candidates.append(RetentionCandidate(record=record, policy=policy, due_since=due))
    return sorted(candidates, key=lambda c: c.due_since)


def retention_review_list(*, user: Any) -> list[RetentionCandidate]:
    """The retention review page's records; listing them (each a person's record) is audited."""
    with transaction.atomic():
        candidates = retention_candidates(user=user)
        audit_record(
            actor=user,
            event="retention.listed",
            purpose=Purpose.DATA_PROTECTION,
            detail={"records": [str(c.record.uuid) for c in candidates]},
        )
    return candidates


def retention_decision_view(*, user: Any, record: AgencyRecord) -> AgencyRecord:
    """Open one record for a retention decision: the DPO sees whose record it is. Audited."""
    require(user, Perm.RETENTION_REVIEW)
    audit_record(
        actor=user,
        event="retention.record_viewed",
        obj=record,
        child_uuid=record.child.uuid,
        purpose=Purpose.DATA_PROTECTION,
        detail={"record": str(record.uuid), "agency": record.agency.name},
    )
    return record


def retention_record_for_decision(*, user: Any, record_uuid: Any) -> AgencyRecord:
    membership = require(user, Perm.RETENTION_REVIEW)
    record = (
        AgencyRecord.objects.filter(agency__partnership_id=membership.agency.partnership_id, uuid=record_uuid)
        .select_related("agency", "child")
        .first()
    )
    if record is None:
        raise Http404
    return record
