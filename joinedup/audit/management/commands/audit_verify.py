from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from joinedup.audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = "Verify the audit hash chain and report the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        count, broken = audit_chain_verify()
        if broken is not None:
            raise CommandError(
                f"Audit chain broken at event id {broken.event_id}: {broken.reason}. {count} events before it verified."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {count} events verified."))
