"""A background job as people see it: what, who started it, how far, and how it ended.

The queue itself is django-tasks-db's DBTaskResult; a Job is the page's view
of one task, written only by jobs/services.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from joinedup.core.models import PublicModel
from joinedup.jobs.registry import job_kind, validate_job_kind


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Finished"
    FAILED = "failed", "Failed"


class Job(PublicModel):
    # One of the kinds the apps registered (jobs/registry.py): no choices here, so an app adds a
    # kind without a migration of this table.
    kind = models.CharField(max_length=40, validators=[validate_job_kind])
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The agency the starter acted for when they started it: whose jobs an agency-scoped kind shows.
    agency = models.ForeignKey("partnership.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED)
    params = models.JSONField(default=dict, blank=True)
    # Steps done out of steps in all, and what the job is doing now, in words.
    step = models.PositiveSmallIntegerField(default=0)
    steps = models.PositiveSmallIntegerField(default=1)
    progress = models.CharField(max_length=300, blank=True)
    # How it ended, in words a person can act on, and a link to what it made.
    result = models.TextField(blank=True)
    result_url = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["started_by", "-created_at"], name="job_started_by_idx")]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_status_display()})"

    @property
    def label(self) -> str:
        """The kind's name in words; a kind no app registers any more shows its stored slug."""
        entry = job_kind(self.kind)
        return entry.label if entry else self.kind

    @property
    def finished(self) -> bool:
        return self.status in {JobStatus.SUCCEEDED, JobStatus.FAILED}

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        return min(100, round(100 * self.step / max(self.steps, 1)))
