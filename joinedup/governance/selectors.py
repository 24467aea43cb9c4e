"""Reads for the data protection officer: audit trail, disclosures, break-glass, retention, SAR."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from joinedup.audit.models import AuditEvent
from joinedup.audit.services import audit_record
from joinedup.children.models import AgencyRecord, BreakGlassGrant, Child, Disclosure, ReviewStatus
from joinedup.children.services import disclosures_record
from joinedup.core.csvsafe import csv_safe
from joinedup.governance.models import RetentionDecision, RetentionOutcome, RetentionPolicy
from joinedup.partnership.access import Grant, children_visible_to, require
from joinedup.partnership.models import Agency, AgreementStatus, InformationSharingAgreement
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


def audit_csv(*, user: Any, events: Iterable[AuditEvent]) -> str:
    """The filtered trail as CSV; the export itself is audited."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
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
        ]
    )
    count = 0
    for e in events:
        count += 1
        writer.writerow(
            [
                csv_safe(v)
                for v in (
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
            ]
        )
    audit_record(actor=user, event="audit.exported", purpose=Purpose.DATA_PROTECTION, detail={"rows": count})
    return out.getvalue()


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
    for child in Child.objects.filter(pk__in=ids - set(labels)):
        labels[child.pk] = ChildLabel(uuid=child.uuid, name="Name erased (records past retention)", date_of_birth=None)
    return labels


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


# --- subject access ------------------------------------------------------------------


def subject_access_find(*, user: Any, query: str) -> list[Child]:
    """Children in the DPO's partnership by NHS number or child id."""
    import re
    import uuid

    membership = require(user, Perm.SUBJECT_ACCESS)
    children = Child.objects.filter(records__agency__partnership_id=membership.agency.partnership_id).distinct()
    text = query.strip()
    digits = re.sub(r"[\s-]", "", text)
    condition = Q(pk__in=[])
    if digits.isdigit() and len(digits) == 10:
        condition |= Q(records__nhs_number=digits)
    try:
        condition |= Q(uuid=uuid.UUID(text))
    except ValueError:
        pass
    results = list(children.filter(condition)[:20])
    audit_record(
        actor=user,
        event="subject_access.searched",
        purpose=Purpose.DATA_PROTECTION,
        detail={"query": query, "results": len(results)},
    )
    return results


REDACTED = "[redacted: third party]"


def _redacting_agencies(agencies: Iterable[Agency]) -> set[int]:
    """Holders party to an active agreement that asks for third parties' names to be redacted."""
    return set(
        InformationSharingAgreement.objects.filter(
            parties__in=list(agencies), status=AgreementStatus.ACTIVE, redact_third_parties=True
        ).values_list("parties__id", flat=True)
    ) & {a.pk for a in agencies}


def subject_access_export(*, user: Any, child: Child) -> dict[str, Any]:
    """Everything held on a child, by agency, with disclosures and views. Audited as an export."""
    membership = require(user, Perm.SUBJECT_ACCESS)
    records = list(
        AgencyRecord.objects.filter(child=child)
        .select_related("agency", "area", "district", "created_by", "updated_by")
        .prefetch_related("intelligence__recorded_by")
        .order_by("agency__name", "created_at")
    )
    redact = _redacting_agencies({r.agency for r in records})

    def person(agency_id: int, user_obj: Any) -> str | None:
        if user_obj is None:
            return None
        return REDACTED if agency_id in redact else user_obj.get_full_name() or user_obj.get_username()

    by_agency: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by_agency.setdefault(r.agency.name, []).append(
            {
                "reference": r.local_id,
                "erased": r.erased_at.isoformat() if r.erased_at else None,
                "given_names": r.given_names,
                "family_name": r.family_name,
                "other_names": r.other_names,
                "date_of_birth": r.date_of_birth.isoformat() if r.date_of_birth else None,
                "sex": r.get_sex_display(),
                "gender": r.gender,
                "nhs_number": r.nhs_number,
                "unique_pupil_number": r.upn,
                "address": r.address,
                "postcode": r.postcode,
                "area": r.area.name if r.area else None,
                "school": r.school,
                "created_at": r.created_at.isoformat(),
                "created_by": person(r.agency_id, r.created_by),
                "updated_at": r.updated_at.isoformat(),
                "updated_by": person(r.agency_id, r.updated_by),
                "police_intelligence": [
                    {
                        "recorded_at": i.recorded_at.isoformat(),
                        "grading": i.grading,
                        "summary": i.summary,
                        "handling_conditions": i.handling_conditions,
                        "recorded_by": person(r.agency_id, i.recorded_by),
                    }
                    for i in r.intelligence.all()
                ],
            }
        )
    disclosures = [
        {
            "when": d.occurred_at.isoformat(),
            "from_agency": d.holder_agency.name,
            "to_agency": d.recipient_agency.name,
            "categories": d.categories,
            "purpose": Purpose(d.purpose).label if d.purpose in Purpose.values else d.purpose,
            "basis": (
                f"Agreement {d.agreement.reference}"
                if d.agreement
                else ("Emergency access (break-glass)" if d.break_glass_id else "Not recorded")
            ),
            "channel": d.get_channel_display(),
        }
        for d in Disclosure.objects.filter(child=child)
        .select_related("holder_agency", "recipient_agency", "agreement")
        .order_by("occurred_at")
    ]
    views = [
        {"when": e.occurred_at.isoformat(), "agency": e.agency_label, "purpose": e.purpose, "event": e.event}
        for e in AuditEvent.objects.filter(
            child_uuid=child.uuid, event__in=["child.viewed", "pseudonymised.viewed"]
        ).order_by("id")
    ]
    export = {
        "child": str(child.uuid),
        "produced_at": timezone.now().isoformat(),
        "produced_for": membership.agency.partnership.name,
        "records_by_agency": by_agency,
        "disclosures": disclosures,
        "views": views,
        "redaction": (
            "Names of staff and other third parties are redacted where the holding agency's agreement says so."
        ),
    }
    audit_record(
        actor=user,
        event="subject_access.exported",
        obj=child,
        child_uuid=child.uuid,
        purpose=Purpose.DATA_PROTECTION,
        detail={"records": len(records), "disclosures": len(disclosures)},
    )
    return export
