"""Audit events: an append-only, hash-chained record of who did what.

Each event stores `hash` = SHA-256 over its own canonical content plus the
previous event's hash, so editing, deleting or reordering any row breaks the
chain from that row on (see audit/chain.py and `manage.py audit_verify`).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    # The primary key is the chain order: events are verified in id order.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    occurred_at = models.DateTimeField(db_index=True)
    # No index of its own: the (actor, occurred_at) index below starts with it.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # Snapshots, so the trail still reads correctly after a user or agency changes.
    actor_label = models.CharField(max_length=200)
    agency_uuid = models.UUIDField(null=True, blank=True, db_index=True)
    agency_label = models.CharField(max_length=200, blank=True)
    event = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_uuid = models.UUIDField(null=True, blank=True, db_index=True)
    child_uuid = models.UUIDField(null=True, blank=True, db_index=True)
    purpose = models.CharField(max_length=60, blank=True)
    old = models.JSONField(default=dict, blank=True)
    new = models.JSONField(default=dict, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["actor", "occurred_at"]),
            # A person's latest events of one kind (home's recently opened children): read from
            # the end of the index, however long the person's history.
            models.Index(fields=["actor", "event", "-id"], name="audit_actor_event_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.event}"

    def save(self, *args: object, **kwargs: object) -> None:
        # Append-only: an existing event is never rewritten by the application.
        if self.pk is not None and not self._state.adding:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are append-only.")
