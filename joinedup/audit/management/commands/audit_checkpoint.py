from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from joinedup.audit.checkpoints import checkpoint_path, checkpoint_write
from joinedup.audit.models import AuditEvent
from joinedup.audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = (
        "Verify the audit chain, then checkpoint its head (sequence number, hash, time) to "
        "AUDIT_CHECKPOINT_FILE and the log. Run from cron (e.g. every 15 minutes): writes already "
        "checkpoint every AUDIT_CHECKPOINT_EVERY events, this anchors the quiet tail after them."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_chain_verify()
        if result.broken is not None:
            # Never anchor a chain that is already broken: that would bless the damage.
            raise CommandError(
                f"Not checkpointed: the audit chain is broken at event id {result.broken.event_id}: "
                f"{result.broken.reason}."
            )
        head = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
        if head is None:
            self.stdout.write("The audit trail is empty: nothing to checkpoint.")
            return
        checkpoint = checkpoint_write(seq=head[0], hash=head[1])
        self.stdout.write(
            self.style.SUCCESS(f"Checkpointed event {checkpoint.seq} at {checkpoint.at} to {checkpoint_path()}.")
        )
