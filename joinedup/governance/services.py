"""Writes for information governance: retention decisions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from joinedup.audit.services import audit_record
from joinedup.children.models import AgencyRecord
from joinedup.children.services import agency_record_erase
from joinedup.governance.models import RetentionDecision, RetentionOutcome


@transaction.atomic
def retention_decide(
    *, actor: Any, record: AgencyRecord, outcome: str, reason: str, retain_until: dt.date | None = None
) -> RetentionDecision:
    """Record a reviewed retention decision; erasing keeps a tombstone. Nothing is erased without one."""
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason for the decision."})
    if outcome == RetentionOutcome.RETAIN and retain_until is None:
        raise ValidationError({"retain_until": "Enter when the record should be reviewed again."})
    decision = RetentionDecision(
        record=record,
        outcome=outcome,
        reason=reason.strip(),
        retain_until=retain_until if outcome == RetentionOutcome.RETAIN else None,
        decided_by=actor,
    )
    decision.full_clean()
    decision.save()
    audit_record(
        actor=actor,
        event="retention.decided",
        obj=decision,
        child_uuid=record.child.uuid,
        new={
            "outcome": outcome,
            "reason": decision.reason,
            "retain_until": retain_until.isoformat() if retain_until else None,
            "record": str(record.uuid),
        },
    )
    if outcome == RetentionOutcome.ERASE:
        agency_record_erase(actor=actor, record=record, reason=decision.reason)
    return decision
