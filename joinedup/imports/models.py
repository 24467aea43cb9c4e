"""An import of an agency's records from a CSV file: what was sent, how it was read, and what it made.

Written only by imports/services.py. The file's text is kept while the import
waits or runs (so a file refused for its column map can be sent again without
choosing it again, and so the worker can read it) and blanked when it ends;
what it made stays as counts and the problem rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from joinedup.core.models import PublicModel


class ImportStatus(models.TextChoices):
    WAITING = "waiting", "Waiting to be sent again"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    FINISHED = "finished", "Finished"


class RecordImport(PublicModel):
    agency = models.ForeignKey("partnership.Agency", on_delete=models.PROTECT, related_name="+")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=ImportStatus.choices, default=ImportStatus.WAITING)
    file_name = models.CharField(max_length=255)
    content = models.TextField(blank=True)
    # The column map as chosen: standard headers, or the columns file's text.
    standard_columns = models.BooleanField(default=True)
    columns_file = models.TextField(blank=True)
    rows = models.PositiveIntegerField(default=0)
    # Rows done so far (the import is written row by row; a worker stopped mid-file resumes after it).
    done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    # Rows whose reference the agency already held with the same details (a file sent again).
    unchanged = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    possible = models.PositiveIntegerField(default=0)
    problem_rows = models.PositiveIntegerField(default=0)
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["agency", "-created_at"], name="record_import_agency_idx")]

    def __str__(self) -> str:
        return f"Import of {self.file_name} ({self.get_status_display()})"


class ImportProblem(models.Model):
    """One problem with one row of an import: the row was not written."""

    record_import = models.ForeignKey(RecordImport, on_delete=models.CASCADE, related_name="problems")
    row = models.PositiveIntegerField()
    column = models.CharField(max_length=300)
    message = models.CharField(max_length=1000)

    class Meta:
        ordering = ["row", "id"]
        indexes = [models.Index(fields=["record_import", "row"], name="import_problem_row_idx")]

    def __str__(self) -> str:
        return f"Row {self.row}, {self.column}: {self.message}"
