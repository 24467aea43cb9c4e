"""Sharing agreements and the audit trail over the JSON API."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from joinedup.audit.services import audit_record
from joinedup.core.api import ERRORS, Page, clamp_page
from joinedup.governance import selectors
from joinedup.partnership.access import agreements_visible_to, membership_for
from joinedup.partnership.roles import Purpose

router = Router(tags=["governance"])


class AgreementOut(Schema):
    uuid: UUID
    reference: str
    title: str
    parties: list[str]
    purposes: list[str]
    categories: list[str]
    know_of_only: bool
    lawful_basis: str
    dpia_reference: str
    start_date: dt.date
    review_date: dt.date
    end_date: dt.date | None
    status: str
    in_force: bool


class AgreementList(Page):
    items: list[AgreementOut]


class AuditEventOut(Schema):
    id: int
    occurred_at: dt.datetime
    actor: str
    agency: str
    event: str
    object_type: str
    object_uuid: UUID | None
    child_uuid: UUID | None
    purpose: str
    hash: str


class AuditEventList(Page):
    items: list[AuditEventOut]


@router.get("/agreements", response={200: AgreementList, **ERRORS}, summary="Sharing agreements you are party to")
def list_agreements(request: HttpRequest, limit: int = 50, offset: int = 0) -> Any:
    if membership_for(request.user) is None:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Your account is not a member of any agency.")
    limit, offset = clamp_page(limit, offset)
    agreements = agreements_visible_to(request.user).prefetch_related("parties").order_by("reference")
    today = timezone.localdate()
    return Status(
        200,
        {
            "count": agreements.count(),
            "limit": limit,
            "offset": offset,
            "items": [
                {
                    "uuid": a.uuid,
                    "reference": a.reference,
                    "title": a.title,
                    "parties": sorted(p.name for p in a.parties.all()),
                    "purposes": a.purposes,
                    "categories": a.categories,
                    "know_of_only": a.know_of_only,
                    "lawful_basis": a.lawful_basis,
                    "dpia_reference": a.dpia_reference,
                    "start_date": a.start_date,
                    "review_date": a.review_date,
                    "end_date": a.end_date,
                    "status": a.status,
                    "in_force": a.is_in_force(today),
                }
                for a in agreements[offset : offset + limit]
            ],
        },
    )


@router.get(
    "/audit/events", response={200: AuditEventList, **ERRORS}, summary="The audit trail (data protection officers)"
)
def list_audit_events(
    request: HttpRequest,
    user: str = "",
    child: UUID | None = None,
    event: str = "",
    limit: int = 50,
    offset: int = 0,
) -> Any:
    limit, offset = clamp_page(limit, offset)
    filters = {"user": user, "child": child, "event": event}
    events = selectors.audit_events_for(user=request.user, filters=filters)
    # Reading the trail is itself audited, as on the page.
    audit_record(
        actor=request.user,
        event="audit.viewed",
        purpose=Purpose.DATA_PROTECTION,
        detail={
            "channel": "api",
            "filters": {k: str(v) for k, v in filters.items() if v not in (None, "")},
            "offset": offset,
        },
    )
    return Status(
        200,
        {
            "count": events.count(),
            "limit": limit,
            "offset": offset,
            "items": [
                {
                    "id": e.id,
                    "occurred_at": e.occurred_at,
                    "actor": e.actor_label,
                    "agency": e.agency_label,
                    "event": e.event,
                    "object_type": e.object_type,
                    "object_uuid": e.object_uuid,
                    "child_uuid": e.child_uuid,
                    "purpose": e.purpose,
                    "hash": e.hash,
                }
                for e in events[offset : offset + limit]
            ],
        },
    )
