"""`manage.py flush`, which empties every table, the audit trail included.

On PostgreSQL the audit table refuses TRUNCATE (migration 0005), and Django's
flush is a TRUNCATE. Only the table's owner may lift that for the flush: in
production the application role is not the owner (docs/deployment.md), so
flush fails there, as it should; in development and tests, where one role
owns everything, the test runner's flush between transactional tests works.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

_TRIGGER = "ALTER TABLE audit_auditevent {} TRIGGER audit_auditevent_no_truncate"


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            return super().handle(**options)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_trigger WHERE tgname = 'audit_auditevent_no_truncate'")
            if cursor.fetchone() is None:
                return super().handle(**options)
            cursor.execute(_TRIGGER.format("DISABLE"))
        try:
            return super().handle(**options)
        finally:
            with connection.cursor() as cursor:
                cursor.execute(_TRIGGER.format("ENABLE"))
