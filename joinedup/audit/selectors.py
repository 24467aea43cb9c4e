"""Reads over the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings

from joinedup.audit.chain import HASHED_FIELDS, Break, Verification, key_id, verify_chain
from joinedup.audit.checkpoints import CheckpointFileError, checkpoints_read
from joinedup.audit.models import AuditEvent


def _rows() -> Iterator[dict[str, Any]]:
    fields = ["id", "prev_hash", "hash", *HASHED_FIELDS]
    yield from AuditEvent.objects.order_by("id").values(*fields).iterator(chunk_size=5000)


def audit_keys() -> dict[str, bytes]:
    """The configured key and any previous ones (rotation), by key id."""
    keys = [str(settings.AUDIT_HMAC_KEY), *getattr(settings, "AUDIT_HMAC_PREVIOUS_KEYS", [])]
    return {key_id(k.encode()): k.encode() for k in keys if k}


def audit_chain_verify() -> Verification:
    """Verify the whole chain against the keys and the checkpoints kept outside the table."""
    try:
        checkpoints = checkpoints_read()
    except CheckpointFileError as exc:
        return Verification(broken=Break(0, str(exc)))
    return verify_chain(_rows(), keys=audit_keys(), checkpoints=checkpoints)
