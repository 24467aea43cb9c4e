"""The hash chain over audit events, keyed, and anchored by checkpoints kept outside the table.

Contract:

- Each event's `hash` covers its canonical content and the previous event's
  hash. Events before the chain was keyed use plain SHA-256 (the legacy
  format); from the first `audit.chain_keyed` event on, every hash is an
  HMAC-SHA256 under the key named in that event's detail (`key_id`). The key
  lives in the environment (AUDIT_HMAC_KEY), never in the database, so someone
  who can write the table cannot re-hash it after deleting or editing rows.
- Once keyed, a chain never goes back: a later marker can only switch to
  another configured key (rotation), and is itself hashed with the new key.
- Checkpoints (sequence number, hash, time) written to a file and the log
  record what the head of the chain was. Verification fails when a
  checkpointed event is gone or has another hash, so cutting the tail off,
  or replacing the whole keyed part with a re-hashed legacy chain, is caught.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

GENESIS = "0" * 64
# The event that starts (or rotates) the keyed chain. Its detail names the key.
KEYED_MARKER = "audit.chain_keyed"

# The fields covered by the hash, in a fixed order. Adding a field here is a
# chain format change: old events must keep verifying with the old list.
HASHED_FIELDS = (
    "uuid",
    "occurred_at",
    "actor_id",
    "actor_label",
    "agency_uuid",
    "agency_label",
    "event",
    "object_type",
    "object_uuid",
    "child_uuid",
    "purpose",
    "old",
    "new",
    "detail",
)


def _canonical(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, float, str, list, dict)):
        return value
    return str(value)


def event_hash(fields: Mapping[str, Any], prev_hash: str, key: bytes | None = None) -> str:
    """SHA-256 of the previous hash and the content; an HMAC under `key` once the chain is keyed."""
    content = {name: _canonical(fields.get(name)) for name in HASHED_FIELDS}
    payload = (prev_hash + json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)).encode()
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def key_id(key: bytes) -> str:
    """A public name for a key (stored in markers and checkpoints); reveals nothing of the key."""
    return hmac.new(key, b"joinedup audit key id", hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    line: int = 0


@dataclass(frozen=True)
class Break:
    event_id: int
    reason: str


@dataclass
class Verification:
    count: int = 0
    broken: Break | None = None
    keyed_from: int | None = None
    key_ids: list[str] = field(default_factory=list)
    checkpoints_matched: int = 0
    last_checkpoint: Checkpoint | None = None
    head: int | None = None


def verify_chain(
    rows: Iterable[Mapping[str, Any]],
    *,
    keys: Mapping[str, bytes] | None = None,
    checkpoints: Iterable[Checkpoint] = (),
) -> Verification:
    """Walk events in id order against the configured keys and the checkpoints.

    `rows` yields dicts with the hashed fields plus id, prev_hash and hash.
    The first failure found stops the walk and is reported in `broken`.
    """
    keys = keys or {}
    by_seq = {c.seq: c for c in checkpoints}
    result = Verification()
    expected_prev = GENESIS
    key: bytes | None = None
    for row in rows:
        result.head = row["id"]
        if row["prev_hash"] != expected_prev:
            result.broken = Break(row["id"], "its previous-hash does not match the event before it")
            return result
        if row["event"] == KEYED_MARKER:
            named = (row.get("detail") or {}).get("key_id")
            key = keys.get(named) if isinstance(named, str) else None
            if key is None or not isinstance(named, str):
                result.broken = Break(row["id"], f"it starts a chain keyed with key {named!r}, which is not configured")
                return result
            if result.keyed_from is None:
                result.keyed_from = row["id"]
            result.key_ids.append(named)
        if event_hash(row, row["prev_hash"], key) != row["hash"]:
            result.broken = Break(row["id"], "its content does not match its hash")
            return result
        checkpoint = by_seq.pop(row["id"], None)
        if checkpoint is not None:
            if checkpoint.hash != row["hash"]:
                result.broken = Break(
                    row["id"],
                    f"its hash differs from the checkpoint taken at {checkpoint.at} (the chain was rewritten)",
                )
                return result
            result.checkpoints_matched += 1
            result.last_checkpoint = checkpoint
        expected_prev = row["hash"]
        result.count += 1
    if by_seq:
        # Checkpointed events that the walk never reached: deleted, or the tail cut off.
        missing = min(by_seq.values(), key=lambda c: c.seq)
        result.broken = Break(
            missing.seq,
            f"the checkpoint taken at {missing.at} records this event, which is no longer in the chain"
            f" (the chain now ends at event {result.head or 0}): events were deleted or the chain cut short",
        )
    return result
