"""The one way to write an audit event.

Services call `audit_record` inside their own transaction, so the event and
the change it describes commit together or not at all.

Every event is chained with an HMAC under AUDIT_HMAC_KEY (audit/chain.py).
The first write after a key is configured, on a new or an existing chain,
first appends an `audit.chain_keyed` marker naming the key: events before it
keep verifying as they were chained (plain SHA-256), events from it on are
keyed. After the commit of a write that crosses a multiple of
AUDIT_CHECKPOINT_EVERY ids, or writes a marker, the new head is checkpointed
outside the table (audit/checkpoints.py).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Subquery
from django.db.models.fields.json import KT
from django.utils import timezone

from joinedup.audit.chain import GENESIS, KEYED_MARKER, event_hash, key_id
from joinedup.audit.checkpoints import checkpoint_write
from joinedup.audit.models import AuditEvent
from joinedup.core.bulk import insert_many

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


def _current_key() -> bytes:
    return str(settings.AUDIT_HMAC_KEY).encode()


def _head() -> tuple[int, str, str | None]:
    """(id, hash) of the last event and the key id its chain is keyed with, in one query."""
    last_marker = (
        AuditEvent.objects.filter(event=KEYED_MARKER)
        .order_by("-id")
        .annotate(named=KT("detail__key_id"))
        .values("named")[:1]
    )
    head = (
        AuditEvent.objects.order_by("-id")
        .annotate(keyed_with=Subquery(last_marker))
        .values_list("id", "hash", "keyed_with")
    )
    row = head.first()
    return (0, GENESIS, None) if row is None else (row[0], row[1], row[2])


def _chain(events: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int, bool]:
    """The events to insert, chained in order, with the head's id before them and whether a marker leads.

    If the chain is not yet keyed with the configured key, a marker naming it
    goes first, so the verifier knows from where the key applies.
    """
    _lock_chain()
    head_id, prev_hash, keyed_with = _head()
    key = _current_key()
    marker = keyed_with != key_id(key)
    if marker:
        events = [
            _fields(
                actor=None,
                event=KEYED_MARKER,
                detail={"key_id": key_id(key), "previous_key_id": keyed_with, "after_event": head_id},
            ),
            *events,
        ]
    for fields in events:
        fields["uuid"] = uuid4()
        fields["prev_hash"] = prev_hash
        fields["hash"] = prev_hash = event_hash(fields, prev_hash, key)
    return events, head_id, marker


def _checkpoint_on_commit(*, before: int, head: int, head_hash: str, marker: bool) -> None:
    """Checkpoint the new head once committed, if this write crossed a multiple of the interval."""
    every = max(1, int(settings.AUDIT_CHECKPOINT_EVERY))
    if marker or head // every > before // every:
        # After commit: a checkpoint of an event that was rolled back would look like truncation.
        transaction.on_commit(lambda: checkpoint_write(seq=head, hash=head_hash))


# No savepoint of its own: an event that fails to append fails the work it records (the
# caller's transaction), and the two round trips were a tenth of a child page's queries.
@transaction.atomic(savepoint=False)
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
    chained, before, marker = _chain(
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
    for fields in chained:
        instance = AuditEvent(**fields)
        instance.save()
    _checkpoint_on_commit(before=before, head=instance.pk, head_hash=instance.hash, marker=marker)
    return instance


@transaction.atomic
def audit_record_many(events: list[dict[str, Any]]) -> int:
    """Append many events in order (each a dict of `audit_record`'s arguments), chained as one.

    For bulk work such as a linkage run: one lock and one insert per batch
    instead of one round trip per event; the chain is the same as if each had
    been recorded alone.
    """
    if not events:
        return 0
    chained, before, marker = _chain([_fields(**event) for event in events])
    # In chain order: ids ascend with the order rows are inserted.
    insert_many(AuditEvent, chained)
    # insert_many returns no ids: read the head back (still under the chain lock).
    head = AuditEvent.objects.filter(hash=chained[-1]["hash"]).values_list("id", flat=True).get()
    _checkpoint_on_commit(before=before, head=head, head_hash=chained[-1]["hash"], marker=marker)
    return len(events)
