"""Writes to partnership configuration that happen outside the admin: sharing agreements."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from joinedup.audit.services import audit_record
from joinedup.partnership.models import Agency, InformationSharingAgreement, Partnership
from joinedup.partnership.roles import DataCategory, Purpose

AGREEMENT_FIELDS = (
    "title",
    "reference",
    "purposes",
    "categories",
    "know_of_only",
    "accepts_conditional_intelligence",
    "redact_third_parties",
    "lawful_basis",
    "dpia_reference",
    "start_date",
    "review_date",
    "end_date",
    "status",
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _check(agreement: InformationSharingAgreement, parties: list[Agency]) -> None:
    errors: dict[str, str] = {}
    if len({p.pk for p in parties}) < 2:
        errors["parties"] = "Choose at least two agencies: an agreement is between parties."
    if any(p.partnership_id != agreement.partnership_id for p in parties):
        errors["parties"] = "Every party must belong to this partnership."
    if not agreement.purposes:
        errors["purposes"] = "Choose at least one purpose the agreement allows sharing for."
    elif set(agreement.purposes) - set(Purpose.values):
        errors["purposes"] = "Choose purposes from the list."
    if not agreement.know_of_only and not agreement.categories:
        errors["categories"] = "Choose the categories shared, or make the agreement know-of only."
    elif agreement.know_of_only and agreement.categories:
        # Never drop what the officer chose without saying so: the two
        # answers contradict each other, and only they know which is meant.
        errors["categories"] = (
            "A know-of only agreement shares no content: untick the categories, or untick know-of only to share them."
        )
    elif set(agreement.categories) - set(DataCategory.values):
        errors["categories"] = "Choose categories from the list."
    if agreement.review_date and agreement.start_date and agreement.review_date < agreement.start_date:
        errors["review_date"] = "The review date must be on or after the start date."
    if agreement.end_date and agreement.start_date and agreement.end_date < agreement.start_date:
        errors["end_date"] = "The end date must be on or after the start date."
    clash = InformationSharingAgreement.objects.filter(
        partnership_id=agreement.partnership_id, reference=agreement.reference
    ).exclude(pk=agreement.pk)
    if clash.exists():
        errors["reference"] = "Another agreement already has this reference."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def agreement_create(
    *, actor: Any, partnership: Partnership, parties: list[Agency], data: dict[str, Any]
) -> InformationSharingAgreement:
    agreement = InformationSharingAgreement(partnership=partnership, created_by=actor, **data)
    _check(agreement, parties)
    agreement.full_clean()
    agreement.save()
    agreement.parties.set(parties)
    audit_record(
        actor=actor,
        event="agreement.created",
        obj=agreement,
        new={
            **{name: _jsonable(getattr(agreement, name)) for name in AGREEMENT_FIELDS},
            "parties": sorted(p.name for p in parties),
        },
    )
    return agreement


@transaction.atomic
def agreement_update(
    *, actor: Any, agreement: InformationSharingAgreement, parties: list[Agency], data: dict[str, Any]
) -> InformationSharingAgreement:
    current = InformationSharingAgreement.objects.select_for_update().get(pk=agreement.pk)
    old = {name: _jsonable(getattr(current, name)) for name in AGREEMENT_FIELDS}
    old_parties = sorted(current.parties.values_list("name", flat=True))
    for name, value in data.items():
        if name not in AGREEMENT_FIELDS:
            raise ValueError(f"Not editable: {name}")
        setattr(current, name, value)
    _check(current, parties)
    current.full_clean()
    current.save()
    current.parties.set(parties)
    new = {name: _jsonable(getattr(current, name)) for name in AGREEMENT_FIELDS}
    new_parties = sorted(p.name for p in parties)
    changed_old = {k: v for k, v in old.items() if new[k] != v}
    changed_new = {k: new[k] for k in changed_old}
    if old_parties != new_parties:
        changed_old["parties"], changed_new["parties"] = old_parties, new_parties
    audit_record(actor=actor, event="agreement.updated", obj=current, old=changed_old, new=changed_new)
    return current


@transaction.atomic
def agreement_review(
    *, actor: Any, agreement: InformationSharingAgreement, next_review: dt.date, note: str
) -> InformationSharingAgreement:
    """Record that the DPO reviewed the agreement and set the next review date."""
    if next_review <= timezone.localdate():
        raise ValidationError({"next_review": "The next review date must be in the future."})
    old = {"review_date": agreement.review_date.isoformat()}
    agreement.review_date = next_review
    agreement.last_reviewed_at = timezone.now()
    agreement.last_reviewed_by = actor
    agreement.full_clean()
    agreement.save(update_fields=["review_date", "last_reviewed_at", "last_reviewed_by", "updated_at"])
    audit_record(
        actor=actor,
        event="agreement.reviewed",
        obj=agreement,
        old=old,
        new={"review_date": next_review.isoformat()},
        detail={"note": note},
    )
    return agreement
