"""A background job as people see it: what, who started it, how far, and how it ended.

The queue itself is django-tasks-db's DBTaskResult; a Job is the page's view
of one task, written only by jobs/services.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

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


class JobFile(PublicModel):
    """The file a job made (a PDF pack), kept for its download until `expires_at`, then emptied.

    Kept in the database rather than on a disk: the worker and the web servers
    may be different machines with no shared storage (the web tier is
    stateless), the file stays inside the database's security boundary, and
    removing it is a row update the retention command audits, not a file
    somewhere to forget. Packs are at most a few megabytes. The owning app
    says how a download is audited (`download_event`, `purpose`, the child or
    children it holds in `child_uuid` and `detail`), so the one download view
    (jobs:file) writes each app's own event.
    """

    job = models.OneToOneField(Job, on_delete=models.PROTECT, related_name="file")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    # Emptied (b"") when the file is removed; the row stays to say what was made and when it went.
    content = models.BinaryField()
    size = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    download_event = models.CharField(max_length=80)
    purpose = models.CharField(max_length=40, blank=True)
    child_uuid = models.UUIDField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return self.filename

    @property
    def available(self) -> bool:
        return self.removed_at is None and self.expires_at > timezone.now()
