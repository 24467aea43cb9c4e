"""Reads over the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from joinedup.audit.chain import HASHED_FIELDS, Break, verify
from joinedup.audit.models import AuditEvent


def _rows() -> Iterator[dict[str, Any]]:
    fields = ["id", "prev_hash", "hash", *HASHED_FIELDS]
    yield from AuditEvent.objects.order_by("id").values(*fields).iterator(chunk_size=5000)


def audit_chain_verify() -> tuple[int, Break | None]:
    """Verify the whole chain; returns (events verified, first break or None)."""
    return verify(_rows())
