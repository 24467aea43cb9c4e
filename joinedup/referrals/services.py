"""Writes for referrals: drafts that keep every step, and submission."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from joinedup.audit.services import audit_record
from joinedup.core.workingdays import WorkingCalendar
from joinedup.referrals.intake import find_or_create_child
from joinedup.referrals.models import Referral, ReferralStatus
from joinedup.referrals.taxonomy import harm_types

# What a step (or the API) may set. The referring agency, the author, the child and the status
# are the services' to set, never what was posted.
DRAFT_FIELDS = (
    "referrer_name",
    "referrer_contact",
    "child_details",
    "harm_types",
    "indicators",
    "places_mentioned",
    "people_mentioned",
    "child_says",
    "consent",
    "family_informed",
    "family_not_informed_reason",
    "home_area",
    "found_area",
)


def _jsonable(details: dict[str, Any]) -> dict[str, Any]:
    # child_details is JSON: a date goes in as ISO text and comes back as a date at submission.
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in details.items()}


@transaction.atomic
def referral_draft_save(*, actor: Any, referral: Referral | None, data: dict[str, Any]) -> Referral:
    """Save what the user has entered so far; nothing typed is lost between steps."""
    unknown = set(data) - set(DRAFT_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    if referral is None:
        referral = Referral(
            referring_agency=actor.membership.agency,
            created_by=actor,
            referrer_name=actor.get_full_name() or actor.get_username(),
        )
    elif referral.status != ReferralStatus.DRAFT:
        raise ValidationError("This referral has been submitted and can no longer be changed.")
    for name, value in data.items():
        if name == "child_details":
            # Merged, not replaced: a save that sends some of the child's details keeps the rest.
            value = {**referral.child_details, **_jsonable(value)}
        setattr(referral, name, value)
    referral.full_clean()
    referral.save()
    audit_record(actor=actor, event="referral.draft_saved", obj=referral, detail={"fields": sorted(data)})
    return referral


def missing_for_submission(referral: Referral) -> dict[str, str]:
    """What must be completed before the referral can be sent, by step field.

    Not the model's own validation: a draft may be incomplete (nothing typed is lost
    between steps), so completeness is a rule of sending, checked here and on the
    check-your-answers page.
    """
    missing = {}
    child = referral.child_details
    if not child.get("given_names") or not child.get("family_name"):
        missing["child_details"] = "Enter the child's name."
    if not referral.referrer_contact:
        missing["referrer_contact"] = "Enter how the screener can contact you."
    if not referral.harm_types:
        missing["harm_types"] = "Choose at least one concern."
    elif set(referral.harm_types) - set(harm_types()):
        missing["harm_types"] = "Choose concerns from the list."
    if not referral.indicators.strip():
        missing["indicators"] = "Describe what you have seen or been told."
    if not referral.consent:
        missing["consent"] = "Say whether the family consented, or why consent was not sought."
    if referral.family_informed is None:
        missing["family_informed"] = "Say whether the family has been told about the referral."
    elif referral.family_informed is False and not referral.family_not_informed_reason.strip():
        missing["family_not_informed_reason"] = "Say why the family has not been told."
    if referral.home_area_id is None and referral.found_area_id is None:
        missing["home_area"] = "Choose the area the child lives in, or where they were found."
    return missing


@transaction.atomic
def referral_submit(
    *, actor: Any, referral: Referral, calendar: WorkingCalendar | None = None, at: dt.datetime | None = None
) -> Referral:
    """Send the referral for screening: find or create the child and start the one-working-day clock.

    The referral's row is locked first, so the same draft sent twice at once is sent once;
    the second sender is told it has gone.
    """
    # Both the row as locked and the instance the caller holds: the instance may have been
    # loaded before another request sent it.
    locked = Referral.objects.select_for_update().filter(pk=referral.pk).values_list("status", flat=True).first()
    if referral.status != ReferralStatus.DRAFT or locked != ReferralStatus.DRAFT:
        raise ValidationError("This referral has already been submitted.")
    missing = missing_for_submission(referral)
    if missing:
        raise ValidationError(missing)
    details = dict(referral.child_details)
    if details.get("date_of_birth"):
        details["date_of_birth"] = dt.date.fromisoformat(details["date_of_birth"])
    # A new agency record needs a reference unique in its agency; this one leads back to the referral.
    child, _ = find_or_create_child(
        actor=actor, details=details, reference=f"REFERRAL-{str(referral.uuid)[:8].upper()}"
    )
    now = at or timezone.now()
    calendar = calendar or WorkingCalendar()
    # The front door decides within one working day: by the end of the next working day, local
    # time, whatever the hour it arrived (a Friday evening referral is due on Monday night).
    due_day = calendar.add_working_days(timezone.localdate(now), 1)
    referral.child = child
    referral.status = ReferralStatus.SUBMITTED
    referral.received_at = now
    referral.decision_due_at = dt.datetime.combine(due_day, dt.time(23, 59, 59), tzinfo=timezone.get_current_timezone())
    referral.save(update_fields=["child", "status", "received_at", "decision_due_at", "updated_at"])
    audit_record(
        actor=actor,
        event="referral.submitted",
        obj=referral,
        child_uuid=child.uuid,
        new={"harm_types": referral.harm_types},
    )
    return referral
