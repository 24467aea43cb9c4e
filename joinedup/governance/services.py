"""Writes for information governance: retention decisions and subject access exemption decisions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from joinedup.audit.services import audit_record
from joinedup.children.models import AgencyRecord
from joinedup.children.services import agency_record_erase
from joinedup.governance.models import ExemptionDecision, ExemptionOutcome, RetentionDecision, RetentionOutcome


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


@transaction.atomic
def exemption_decide(
    *, actor: Any, partnership: Any, child: Any, item: Any, outcome: str, reason: str
) -> ExemptionDecision:
    """Record the DPO's decision to disclose or withhold one possibly exempt item of a subject access response.

    `item` is a SubjectAccessItem of the child (governance.selectors); a later
    decision on the same item supersedes this one, and both stay on record.
    """
    if outcome not in ExemptionOutcome.values:
        raise ValidationError({"outcome": "Choose disclose or withhold."})
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason for the decision."})
    decision = ExemptionDecision(
        partnership=partnership,
        child=child,
        item_kind=item.kind,
        item_uuid=item.uuid,
        ground=item.ground,
        outcome=outcome,
        reason=reason.strip(),
        decided_by=actor,
    )
    decision.full_clean()
    decision.save()
    audit_record(
        actor=actor,
        event="subject_access.item_decided",
        obj=decision,
        child_uuid=child.uuid,
        purpose="data_protection",
        old={"outcome": item.decision.outcome if item.decision else None},
        new={
            "item_kind": item.kind,
            "item": str(item.uuid),
            "ground": item.ground,
            "outcome": outcome,
            "reason": decision.reason,
        },
    )
    return decision
