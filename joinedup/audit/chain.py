"""The hash chain over audit events."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64

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


def event_hash(fields: dict[str, Any], prev_hash: str) -> str:
    content = {name: _canonical(fields.get(name)) for name in HASHED_FIELDS}
    payload = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


@dataclass(frozen=True)
class Break:
    event_id: int
    reason: str


def verify(rows: Any) -> tuple[int, Break | None]:
    """Walk events in id order; return how many verified and the first break, if any.

    `rows` yields dicts with the hashed fields plus id, prev_hash and hash.
    """
    expected_prev = GENESIS
    count = 0
    for row in rows:
        if row["prev_hash"] != expected_prev:
            return count, Break(row["id"], "its previous-hash does not match the event before it")
        if event_hash(row, row["prev_hash"]) != row["hash"]:
            return count, Break(row["id"], "its content does not match its hash")
        expected_prev = row["hash"]
        count += 1
    return count, None
