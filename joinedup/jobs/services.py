"""Writes for background jobs: each atomic, each with its audit event.

A job is started in a request (`job_start`) and moved on by the worker
(`job_begin`, `job_progress`, `job_succeed`, `job_fail`). Progress is saved
in its own short transaction so the job's page sees it while the work goes
on; what the job itself writes is in the work's own transactions. A job that
makes a file keeps it (`job_file_save`) until the retention command empties
it (`job_files_remove_expired`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from joinedup.audit.services import audit_record
from joinedup.jobs.models import Job, JobFile, JobStatus
from joinedup.jobs.registry import job_kind
from joinedup.partnership.access import membership_for


@transaction.atomic
def job_start(*, actor: Any, kind: str, params: dict[str, Any] | None = None) -> Job:
    """Queue a job of a registered `kind` for the worker; the job row and its task row commit together.

    The job belongs to the agency the actor acts for now, which decides who else sees
    an agency-scoped kind. Whether the actor may start it is the caller's check
    (jobs.access.job_kind_for_start, or the starting page's own access rule).
    """
    from joinedup.jobs.tasks import run_job

    entry = job_kind(kind)
    if entry is None:
        raise ValidationError({"kind": f"Unknown kind of job {kind!r}."})
    membership = membership_for(actor)
    job = Job(
        kind=kind,
        started_by=actor,
        agency=membership.agency if membership else None,
        params=params or {},
        steps=entry.steps,
    )
    job.full_clean()
    job.save()
    result = run_job.enqueue(str(job.uuid))
    job.task_id = str(result.id)
    job.save(update_fields=["task_id", "updated_at"])
    audit_record(actor=actor, event="job.started", obj=job, new={"kind": kind, "params": job.params})
    return job


@transaction.atomic
def job_begin(*, job: Job) -> Job:
    job.status = JobStatus.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at", "updated_at"])
    return job


@transaction.atomic
def job_progress(*, job: Job, message: str, step: int | None = None) -> None:
    """Say how far the job has got (inside a job's own transaction, the page sees it when that commits)."""
    job.progress = message[:300]
    fields = ["progress", "updated_at"]
    if step is not None:
        job.step = min(step, job.steps)
        fields.append("step")
    job.save(update_fields=fields)


@transaction.atomic
def job_succeed(*, job: Job, result: str, result_url: str = "") -> Job:
    job.status = JobStatus.SUCCEEDED
    job.step = job.steps
    job.result, job.result_url = result, result_url
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "step", "result", "result_url", "finished_at", "updated_at"])
    audit_record(actor=job.started_by, event="job.succeeded", obj=job, new={"result": result})
    return job


@transaction.atomic
def job_fail(*, job: Job, error: str) -> Job:
    job.status = JobStatus.FAILED
    job.error = error
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at", "updated_at"])
    audit_record(actor=job.started_by, event="job.failed", obj=job, new={"error": error})
    return job


@transaction.atomic
def job_file_save(
    *,
    job: Job,
    filename: str,
    content_type: str,
    content: bytes,
    download_event: str,
    purpose: str = "",
    child_uuid: UUID | None = None,
    detail: dict[str, Any] | None = None,
    needed_until: dt.datetime | None = None,
) -> JobFile:
    """Keep the file `job` made for JOBS_FILE_RETENTION_DAYS, or until `needed_until` if that
    is later (a meeting's pack, made a week or more ahead, is kept past the meeting); each
    download is audited as `download_event` with `purpose`, `child_uuid` and `detail`."""
    if not content:
        raise ValidationError({"content": "The job made an empty file."})
    expires_at = timezone.now() + dt.timedelta(days=settings.JOBS_FILE_RETENTION_DAYS)
    if needed_until is not None:
        expires_at = max(expires_at, needed_until)
    file = JobFile(
        job=job,
        filename=filename,
        content_type=content_type,
        content=content,
        size=len(content),
        expires_at=expires_at,
        download_event=download_event,
        purpose=purpose,
        child_uuid=child_uuid,
        detail=detail or {},
    )
    file.full_clean()
    file.save()
    audit_record(
        actor=job.started_by,
        event="job_file.kept",
        obj=file,
        child_uuid=child_uuid,
        purpose=purpose,
        new={"job": str(job.uuid), "filename": filename, "size": file.size, "expires_at": file.expires_at.isoformat()},
    )
    return file


@transaction.atomic
def job_files_remove_expired(*, now: dt.datetime | None = None) -> int:
    """Empty every kept file whose retention has passed (the system's act, audited per file); how many."""
    now = now or timezone.now()
    # Locked so two runs at once (cron and a person) remove and audit each file once.
    expired = list(
        JobFile.objects.select_for_update()
        .filter(removed_at__isnull=True, expires_at__lte=now)
        .defer("content")
        .select_related("job")
    )
    for file in expired:
        file.content = b""
        file.removed_at = now
        file.save(update_fields=["content", "removed_at", "updated_at"])
        audit_record(
            actor=None,
            event="job_file.removed",
            obj=file,
            child_uuid=file.child_uuid,
            detail={"job": str(file.job.uuid), "filename": file.filename, "expired_at": file.expires_at.isoformat()},
        )
    return len(expired)
