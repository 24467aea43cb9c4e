"""Writes for the child seen whole: a significant event recorded, a record check asked for."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from joinedup.audit.services import audit_record
from joinedup.children.access import child_access
from joinedup.chronology.access import asker_as_seen
from joinedup.chronology.models import CHECK_STANDS_DAYS, CheckField, RecordCheckRequest, SignificantEvent
from joinedup.chronology.sources import category_for
from joinedup.linkage.access import review_purpose
from joinedup.notifications.services import notify
from joinedup.partnership.models import Membership
from joinedup.partnership.roles import Perm, role_can


@transaction.atomic
def significant_event_record(
    *, actor: Any, access: Any, kind: str, occurred_on: dt.date, summary: str, source: str
) -> SignificantEvent:
    """Record an event from the actor's agency on a child they have opened (`access`).

    The date may be in the past (an event learned of later), never in the future.
    """
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": "The date must be today or in the past."})
    agency = access.membership.agency
    event = SignificantEvent(
        child=access.child,
        agency=agency,
        category=category_for(agency),
        kind=kind,
        occurred_on=occurred_on,
        summary=summary.strip(),
        source=source.strip(),
        recorded_by=actor,
    )
    event.full_clean()
    event.save()
    audit_record(
        actor=actor,
        event="significant_event.recorded",
        obj=event,
        child_uuid=access.child.uuid,
        new={"kind": kind, "occurred_on": occurred_on.isoformat(), "agency": agency.name},
    )
    return event


@transaction.atomic
def record_check_request(*, actor: Any, access: Any, to_agency: Any, field: str, note: str) -> RecordCheckRequest:
    """Ask an agency whose record disagrees with others to check one detail.

    Its members who may correct its records are notified with a link to the child; the same asker
    asking the same agency about the same detail within a fortnight is refused.
    """
    if field not in CheckField.values:
        raise ValidationError({"field": "Choose which detail to check."})
    held = {r.agency_id for r in access.all_records}
    if to_agency.pk not in held:
        raise ValidationError({"to_agency": "Ask an agency whose record you can see."})
    if to_agency.pk == access.membership.agency_id:
        raise ValidationError({"to_agency": "This is your agency's own record: check and correct it yourself."})
    # Anyone's request stands for CHECK_STANDS_DAYS: the holder is asked once, not by each reader in turn.
    recent = (
        RecordCheckRequest.objects.filter(
            child=access.child,
            to_agency=to_agency,
            field=field,
            created_at__gte=timezone.now() - dt.timedelta(days=CHECK_STANDS_DAYS),
            checked_at__isnull=True,
        )
        .select_related("asked_by__membership__agency")
        .first()
    )
    if recent is not None:
        when = f"{timezone.localtime(recent.created_at):%-d %B %Y}"
        if recent.asked_by_id == actor.pk:
            raise ValidationError(f"You asked {to_agency.name} to check this on {when}.")
        asker = asker_as_seen(access=access, request=recent)
        raise ValidationError(
            f"{asker[0].upper()}{asker[1:]} asked {to_agency.name} to check this on {when}: it need not be asked again."
        )
    request = RecordCheckRequest(
        child=access.child, to_agency=to_agency, field=field, note=note.strip(), asked_by=actor
    )
    request.full_clean()
    request.save()
    audit_record(
        actor=actor,
        event="record_check.requested",
        obj=request,
        child_uuid=access.child.uuid,
        new={"field": field, "to_agency": to_agency.name},
    )
    # Told: those at the holding agency who can correct its record (others would find a page they may not open).
    recipients = [
        m.user
        for m in Membership.objects.filter(agency=to_agency, is_active=True).select_related("user")
        if role_can(m.role, Perm.EDIT_AGENCY_RECORD)
    ]
    label = CheckField(field).label.lower()
    # The holders are told about their own record, so it names the child as that record does.
    theirs = next((r for r in access.all_records if r.agency_id == to_agency.pk), None)
    named = f"{theirs.full_name} ({theirs.local_id})" if theirs is not None else f"child {access.child.pseudonym}"
    url = reverse("children:detail", args=[access.child.uuid])
    transaction.on_commit(
        lambda: notify(
            users=recipients,
            kind="record_check",
            title=f"Please check the {label} on your record of {named}",
            body=f"{access.membership.agency.name} sees a different {label} recorded by another agency. {note}".strip(),
            url=url,
        )
    )
    return request


def record_check_for_a_join(*, actor: Any, child: Any, agency: Any, field: str, note: str) -> None:
    """For linkage (registered in linkage.asks): a reviewer who confirms a join whose records
    disagree asks the holding agency to check, exactly as from the child page; only someone
    who may open the child, and sees that agency's record, may ask."""
    try:
        access = child_access(user=actor, child_uuid=child.uuid, purpose=review_purpose(actor))
    except Http404 as exc:
        raise ValidationError(
            "You may not open this child, so you cannot ask its holders to check: split the join, "
            "or leave it for a reviewer whose agency holds one of the records."
        ) from exc
    record_check_request(actor=actor, access=access, to_agency=agency, field=field, note=note)


class AlreadyCheckedError(Exception):
    """The request was marked as checked before (by a colleague, or twice): nothing more is saved."""

    def __init__(self, request: RecordCheckRequest) -> None:
        self.request = request
        who = request.checked_by.get_full_name() or request.checked_by.username if request.checked_by else "someone"
        super().__init__(f"{who} marked this as checked on {timezone.localtime(request.checked_at):%-d %B %Y}.")


def record_check_answer(*, actor: Any, access: Any, request_uuid: Any, note: str) -> RecordCheckRequest:
    """The holding agency says it has checked the detail it was asked about (and corrected its
    record if it was wrong): the request stops standing, and whoever asked is told, with the note.

    `access` is the actor's ChildAccess to the child; only a member of the agency asked, whose
    role may correct its records, and whose agency holds a live record of the child, may answer.
    Anyone else gets 404 (the request is not theirs to see) or, at the agency asked, a refusal.
    """
    membership = access.membership
    if not access.own_records:
        raise Http404
    with transaction.atomic():
        request = (
            # access: a request on the opened child to the actor's own agency, which holds a record of it
            RecordCheckRequest.objects.select_for_update()
            .filter(uuid=request_uuid, child=access.child, to_agency_id=membership.agency_id)
            .first()
        )
        if request is None:
            raise Http404
        if not role_can(membership.role, Perm.EDIT_AGENCY_RECORD):
            raise ValidationError("Only someone who may correct your agency's records can say this was checked.")
        if request.checked_at is not None:
            raise AlreadyCheckedError(request)
        request.checked_at = timezone.now()
        request.checked_by = actor
        request.checked_note = note.strip()
        request.full_clean()
        request.save(update_fields=["checked_at", "checked_by", "checked_note", "updated_at"])
        audit_record(
            actor=actor,
            event="record_check.answered",
            obj=request,
            child_uuid=access.child.uuid,
            new={"field": request.field, "to_agency": membership.agency.name},
        )
        label = CheckField(request.field).label.lower()
        asker = request.asked_by
        url = reverse("children:detail", args=[access.child.uuid])
        body = f"{membership.agency.name} checked the {label} on its record. {request.checked_note}".strip()
        transaction.on_commit(
            lambda: notify(
                users=[asker],
                kind="record_check",
                title=f"{membership.agency.name} checked the {label} you asked about",
                body=body,
                url=url,
            )
        )
    return request
