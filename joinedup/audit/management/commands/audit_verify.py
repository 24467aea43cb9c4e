from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from joinedup.audit.checkpoints import checkpoint_path
from joinedup.audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = (
        "Verify the audit chain: every hash (keyed with AUDIT_HMAC_KEY from the marker event on), "
        "every link, and every checkpoint in AUDIT_CHECKPOINT_FILE; report the first break."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_chain_verify()
        if result.broken is not None:
            raise CommandError(
                f"Audit chain broken at event id {result.broken.event_id}: {result.broken.reason}. "
                f"{result.count} events before it verified."
            )
        keyed = (
            f"keyed from event {result.keyed_from}"
            if result.keyed_from is not None
            else "not keyed yet (the next event written starts the keyed chain)"
        )
        if result.last_checkpoint is not None:
            anchored = (
                f"{result.checkpoints_matched} checkpoint{'' if result.checkpoints_matched == 1 else 's'} matched, "
                f"the last at event "
                f"{result.last_checkpoint.seq} ({result.last_checkpoint.at})"
            )
        else:
            anchored = f"no checkpoints yet in {checkpoint_path()}"
        self.stdout.write(
            self.style.SUCCESS(f"Audit chain intact: {result.count} events verified; {keyed}; {anchored}.")
        )
