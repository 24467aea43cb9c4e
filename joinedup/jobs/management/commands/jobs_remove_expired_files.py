from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from joinedup.jobs.services import job_files_remove_expired


class Command(BaseCommand):
    help = (
        "Empty the files background jobs made (subject access packs, meeting packs) once "
        "JOBS_FILE_RETENTION_DAYS have passed, auditing each removal. Run it daily from cron; "
        "an expired file is refused for download before this runs, so a late run never lets one out."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        removed = job_files_remove_expired()
        days = settings.JOBS_FILE_RETENTION_DAYS
        self.stdout.write(f"Removed {removed} file{'' if removed == 1 else 's'} kept longer than {days} days.")
