"""The one way to write an audit event.

Services call `audit_record` inside their own transaction, so the event and
the change it describes commit together or not at all.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from django.db import connection, transaction
from django.utils import timezone

from joinedup.audit.chain import GENESIS, event_hash
from joinedup.audit.models import AuditEvent

# Any constant: PostgreSQL transaction-level advisory lock that serialises
# appends to the chain. SQLite serialises writers itself (IMMEDIATE mode).
_CHAIN_LOCK = 7_413_001


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])


def _fields(
    *,
    actor: Any,
    event: str,
    obj: Any = None,
    child_uuid: UUID | None = None,
    purpose: str = "",
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
    object_type: str = "",
    object_uuid: UUID | None = None,
) -> dict[str, Any]:
    """The event's fields. The object is `obj`, or (for bulk work that writes rows without
    building instances) its `object_type` label and `object_uuid`."""
    membership = getattr(actor, "membership", None) if actor is not None else None
    agency = membership.agency if membership is not None else None
    return {
        "occurred_at": timezone.now(),
        "actor_id": actor.pk if actor is not None else None,
        "actor_label": (actor.get_username() if actor is not None else "system"),
        "agency_uuid": agency.uuid if agency is not None else None,
        "agency_label": agency.name if agency is not None else "",
        "event": event,
        "object_type": obj._meta.label if obj is not None else object_type,
        "object_uuid": getattr(obj, "uuid", None) if obj is not None else object_uuid,
        "child_uuid": child_uuid,
        "purpose": purpose,
        "old": old or {},
        "new": new or {},
        "detail": detail or {},
    }


def _chain(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each event's fields with its uuid, the hash before it and its own hash, in chain order."""
    _lock_chain()
    prev_hash = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS
    for fields in events:
        fields["uuid"] = uuid4()
        fields["prev_hash"] = prev_hash
        fields["hash"] = prev_hash = event_hash(fields, prev_hash)
    return events


@transaction.atomic
def audit_record(
    *,
    actor: Any,
    event: str,
    obj: Any = None,
    child_uuid: UUID | None = None,
    purpose: str = "",
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain. `actor` is a User, or None for the system."""
    (fields,) = _chain(
        [
            _fields(
                actor=actor,
                event=event,
                obj=obj,
                child_uuid=child_uuid,
                purpose=purpose,
                old=old,
                new=new,
                detail=detail,
            )
        ]
    )
    instance = AuditEvent(**fields)
    instance.save()
    return instance


@transaction.atomic
def audit_record_many(events: list[dict[str, Any]]) -> int:
    """Append many events in order (each a dict of `audit_record`'s arguments), chained as one.

    For bulk work such as a linkage run: one lock and one insert per batch
    instead of one round trip per event; the chain is the same as if each had
    been recorded alone.
    """
    from joinedup.core.bulk import insert_many

    # In chain order: ids ascend with the order rows are inserted.
    return insert_many(AuditEvent, _chain([_fields(**event) for event in events]))
