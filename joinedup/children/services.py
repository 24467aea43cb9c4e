"""Writes to children and agency records. Each service audits in its own transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from joinedup.audit.services import audit_record
from joinedup.children.models import (
    AgencyRecord,
    BreakGlassGrant,
    Child,
    ChildAssociation,
    Disclosure,
    IntelligenceItem,
    ReviewStatus,
)
from joinedup.core.text import first_name_key, name_key
from joinedup.core.validators import normalise_nhs_number, normalise_postcode, normalise_upn
from joinedup.notifications.services import notify
from joinedup.partnership.models import Agency, PostcodePrefix
from joinedup.partnership.selectors import postcode_prefix_for

# The fields a user may set on an agency record; everything else is derived.
EDITABLE_FIELDS = (
    "local_id",
    "given_names",
    "family_name",
    "other_names",
    "date_of_birth",
    "sex",
    "gender",
    "nhs_number",
    "upn",
    "address",
    "postcode",
    "school",
)
DERIVED_FIELDS = ("given_key", "first_given_key", "family_key", "other_keys", "district", "area")


class StaleVersionError(Exception):
    """The record changed since the editor loaded it."""

    def __init__(self, current: AgencyRecord) -> None:
        super().__init__(f"Agency record {current.uuid} is now at version {current.version}.")
        self.current = current


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "uuid"):
        return str(value.uuid)
    return value


def snapshot(record: AgencyRecord, fields: tuple[str, ...] = EDITABLE_FIELDS) -> dict[str, Any]:
    return {name: _json_value(getattr(record, name)) for name in fields}


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    """Canonical forms of identifiers; bad ones raise ValidationError naming the field."""
    clean = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
    errors: dict[str, list[str]] = {}
    for name, normalise in (
        ("nhs_number", normalise_nhs_number),
        ("upn", normalise_upn),
        ("postcode", normalise_postcode),
    ):
        if clean.get(name):
            try:
                clean[name] = normalise(clean[name])
            except ValidationError as exc:
                errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    return clean


def _check_local_id(record: AgencyRecord) -> None:
    clash = AgencyRecord.objects.filter(agency_id=record.agency_id, local_id=record.local_id).exclude(pk=record.pk)
    if clash.exists():
        raise ValidationError(
            {
                "local_id": "Your agency already has a record with this reference. "
                "Find that record instead of adding another, or check the reference."
            }
        )


def derive_fields(record: AgencyRecord, resolve_prefix: Callable[[str], PostcodePrefix | None]) -> None:
    """Fill the search keys and the area of residence from the record's own fields.

    `resolve_prefix` maps a normalised postcode to the partnership's prefix row;
    bulk loaders pass an in-memory lookup instead of one query per record.
    """
    record.given_key = name_key(record.given_names)
    record.first_given_key = first_name_key(record.given_names)
    record.family_key = name_key(record.family_name)
    record.other_keys = " ".join(name_key(n) for n in record.other_names.split(",") if n.strip())
    prefix = resolve_prefix(record.postcode) if record.postcode else None
    record.district = prefix.district if prefix else None
    record.area = prefix.district.area if prefix else None


def _derive(record: AgencyRecord) -> None:
    partnership = record.agency.partnership
    derive_fields(record, lambda postcode: postcode_prefix_for(partnership=partnership, postcode=postcode))


# Called, in the creating transaction, with (actor, record) after every new record:
# the joining-the-dots capability registers its intake matching here.
RecordCreatedHook = Callable[[Any, AgencyRecord], None]
_ON_CREATE: list[RecordCreatedHook] = []


def register_record_created_hook(hook: RecordCreatedHook) -> None:
    if hook not in _ON_CREATE:
        _ON_CREATE.append(hook)


@transaction.atomic
def agency_record_create(*, actor: Any, agency: Agency, data: dict[str, Any]) -> AgencyRecord:
    """Create an agency record and, until matching places it, a new child for it."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    child = Child.new()
    child.full_clean()
    child.save()
    record = AgencyRecord(child=child, agency=agency, created_by=actor, updated_by=actor, **_normalise(data))
    _derive(record)
    _check_local_id(record)
    record.full_clean()
    record.save()
    audit_record(
        actor=actor,
        event="agency_record.created",
        obj=record,
        child_uuid=child.uuid,
        new=snapshot(record),
    )
    for hook in _ON_CREATE:
        hook(actor, record)
    if _ON_CREATE:
        record.refresh_from_db(fields=["child"])  # matching may have joined it to a known child
    return record


@transaction.atomic
def agency_record_update(
    *, actor: Any, record: AgencyRecord, data: dict[str, Any], expected_version: int
) -> AgencyRecord:
    """Change an agency record, refusing with StaleVersionError if someone else saved first."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    current = AgencyRecord.objects.select_for_update().select_related("agency__partnership").get(pk=record.pk)
    if current.version != expected_version:
        raise StaleVersionError(current)
    clean = _normalise(data)
    old = snapshot(current)
    changed = [name for name, value in clean.items() if getattr(current, name) != value]
    if not changed:
        return current
    for name in changed:
        setattr(current, name, clean[name])
    _derive(current)
    _check_local_id(current)
    current.full_clean()
    current.version += 1
    current.updated_by = actor
    current.save(update_fields=[*changed, *DERIVED_FIELDS, "version", "updated_by", "updated_at"])
    new = snapshot(current)
    audit_record(
        actor=actor,
        event="agency_record.updated",
        obj=current,
        child_uuid=current.child.uuid,
        old={name: old[name] for name in changed},
        new={name: new[name] for name in changed},
    )
    return current


# --- break-glass, intelligence, disclosures, erasure -------------------------------


@transaction.atomic
def break_glass_open(*, actor: Any, child: Child, reason: str, explanation: str) -> BreakGlassGrant:
    """Grant the actor emergency access to `child` for BREAK_GLASS_HOURS; audited and queued for the DPO.

    Refused where the data protection officer ended this user's emergency access to this child
    early within the last BREAK_GLASS_HOURS: opening it again at once would undo their decision."""
    membership = actor.membership
    now = timezone.now()
    ended = (
        BreakGlassGrant.objects.filter(
            user=actor,
            child=child,
            reviewed_at__gte=now - dt.timedelta(hours=settings.BREAK_GLASS_HOURS),
            expires_at__lte=models.F("reviewed_at"),
            expires_at__gt=models.F("starts_at"),
        )
        .select_related("reviewed_by")
        .order_by("-reviewed_at")
        .first()
    )
    if (
        ended is not None
        and ended.reviewed_at is not None
        and ended.expires_at < ended.starts_at + dt.timedelta(hours=settings.BREAK_GLASS_HOURS)
    ):
        who = ended.reviewed_by.get_full_name() if ended.reviewed_by else "The data protection officer"
        raise ValidationError(
            f"{who} ended your emergency access to this child at "
            f"{timezone.localtime(ended.reviewed_at):%H:%M on %-d %B}: ask them before opening it again."
        )
    grant = BreakGlassGrant(
        user=actor,
        agency=membership.agency,
        child=child,
        reason=reason,
        explanation=explanation.strip(),
        starts_at=now,
        expires_at=now + dt.timedelta(hours=settings.BREAK_GLASS_HOURS),
    )
    grant.full_clean()
    grant.save()
    audit_record(
        actor=actor,
        event="break_glass.opened",
        obj=grant,
        child_uuid=child.uuid,
        new={"reason": reason, "explanation": grant.explanation, "expires_at": grant.expires_at.isoformat()},
    )
    return grant


@transaction.atomic
def break_glass_review(
    *, actor: Any, grant: BreakGlassGrant, status: str, note: str, end_now: bool = False
) -> BreakGlassGrant:
    """The DPO's decision on a break-glass access: justified, or referred for follow-up; and,
    while it is still open, `end_now` ends it at once (the user is told why)."""
    if status not in {ReviewStatus.JUSTIFIED, ReviewStatus.REFERRED}:
        raise ValidationError({"review_status": "Choose justified or referred for follow-up."})
    if status == ReviewStatus.REFERRED and not note.strip():
        raise ValidationError({"review_note": "Say why this access is referred and to whom."})
    now = timezone.now()
    if end_now and not note.strip():
        raise ValidationError({"review_note": "Say why the access is ended: the user is told."})
    old = {"review_status": grant.review_status, "expires_at": grant.expires_at.isoformat()}
    grant.review_status = status
    grant.review_note = note.strip()
    grant.reviewed_by = actor
    grant.reviewed_at = now
    ended = end_now and grant.expires_at > now
    if ended:
        grant.expires_at = now
    grant.full_clean()
    grant.save(update_fields=["review_status", "review_note", "reviewed_by", "reviewed_at", "expires_at", "updated_at"])
    audit_record(
        actor=actor,
        event="break_glass.reviewed",
        obj=grant,
        child_uuid=grant.child.uuid,
        old=old,
        new={"review_status": status, "review_note": grant.review_note, "expires_at": grant.expires_at.isoformat()},
        detail={"ended_early": ended},
    )
    if ended:
        user, reason = grant.user, grant.review_note
        transaction.on_commit(
            lambda: notify(
                users=[user],
                kind="break_glass_ended",
                title="Your emergency access was ended by the data protection officer",
                body=reason,
            )
        )
    return grant


@transaction.atomic
def intelligence_add(*, actor: Any, record: AgencyRecord, data: dict[str, Any]) -> IntelligenceItem:
    """Record a graded piece of police intelligence on the police agency's own record."""
    item = IntelligenceItem(record=record, recorded_by=actor, recorded_at=timezone.now(), **data)
    item.full_clean()
    item.save()
    audit_record(
        actor=actor,
        event="intelligence.added",
        obj=item,
        child_uuid=record.child.uuid,
        new={"grading": item.grading, "handling_conditions": item.handling_conditions},
    )
    return item


def disclosures_record(
    *, user: Any, child: Child, items: list[tuple[AgencyRecord, list[str], Any]], purpose: str, channel: str
) -> None:
    """Log each crossing of data from a holding agency to this user. Call inside the read's transaction.

    `items` holds (record, categories shown, grant) for every partner record shown.
    """
    disclosures_record_many(
        user=user,
        items=[(child, record, categories, grant) for record, categories, grant in items],
        purpose=purpose,
        channel=channel,
    )


def disclosures_record_many(
    *, user: Any, items: list[tuple[Child, AgencyRecord, list[str], Any]], purpose: str, channel: str
) -> None:
    """disclosures_record for records of many children (a search's results) in one insert.

    `items` holds (child, record, categories shown, grant) for every partner record shown.
    """
    if not items:
        return
    now = timezone.now()
    recipient_id = user.membership.agency_id
    # By ids: a search writes up to a hundred of these, and each related object set through its
    # descriptor is checked and cached for a row that is only ever inserted.
    Disclosure.objects.bulk_create(
        [
            Disclosure(
                occurred_at=now,
                user_id=user.pk,
                recipient_agency_id=recipient_id,
                holder_agency_id=record.agency_id,
                child_id=child.pk,
                record_id=record.pk,
                categories=categories,
                purpose=purpose,
                agreement_id=grant.agreement.pk if grant.agreement else None,
                break_glass_id=grant.break_glass.pk if grant.break_glass else None,
                channel=channel,
            )
            for child, record, categories, grant in items
        ]
    )


ERASED_FIELDS = (
    "given_names",
    "family_name",
    "other_names",
    "gender",
    "nhs_number",
    "upn",
    "address",
    "postcode",
    "school",
)


@transaction.atomic
def agency_record_erase(*, actor: Any, record: AgencyRecord, reason: str) -> AgencyRecord:
    """Erase a record past retention, keeping a tombstone (agency, reference, dates) and the audit trail."""
    current = AgencyRecord.objects.select_for_update().get(pk=record.pk)
    if current.erased_at is not None:
        return current
    for name in ERASED_FIELDS:
        setattr(current, name, "")
    current.date_of_birth = None
    current.district = None
    current.area = None
    current.given_key = current.first_given_key = current.family_key = current.other_keys = ""
    current.erased_at = timezone.now()
    current.version += 1
    current.updated_by = actor
    current.save(
        update_fields=[
            *ERASED_FIELDS,
            "date_of_birth",
            "district",
            "area",
            "given_key",
            "first_given_key",
            "family_key",
            "other_keys",
            "erased_at",
            "version",
            "updated_by",
            "updated_at",
        ]
    )
    current.intelligence.all().update(summary="[erased]", handling_conditions="")
    # The audit event records that an erasure happened and why, never the erased values.
    audit_record(
        actor=actor,
        event="agency_record.erased",
        obj=current,
        child_uuid=current.child.uuid,
        detail={"reason": reason, "local_id": current.local_id},
    )
    return current


@transaction.atomic
def association_record(
    *,
    actor: Any,
    child_a: Child,
    child_b: Child,
    association_type: str,
    source_agency: Agency,
    confidence: str,
    recorded_on: dt.date | None = None,
) -> ChildAssociation:
    """Record that two children are associated, as one agency knows it."""
    if child_a.pk == child_b.pk:
        raise ValidationError("A child cannot be associated with themselves.")
    first, second = sorted((child_a, child_b), key=lambda c: c.pk)
    association = ChildAssociation(
        child_a=first,
        child_b=second,
        association_type=association_type,
        source_agency=source_agency,
        confidence=confidence,
        recorded_on=recorded_on or timezone.localdate(),
        recorded_by=actor,
    )
    association.full_clean()
    association.save()
    audit_record(
        actor=actor,
        event="association.recorded",
        obj=association,
        child_uuid=first.uuid,
        new={"with": str(second.uuid), "type": association_type, "confidence": confidence},
    )
    return association
