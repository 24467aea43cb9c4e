"""The one task the worker runs: a Job, by kind. Enqueued by jobs.services.job_start."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.tasks import task

from joinedup.jobs import services
from joinedup.jobs.models import Job, JobStatus
from joinedup.jobs.registry import JobError, job_kind

logger = logging.getLogger(__name__)


@task()
def run_job(job_uuid: str) -> str:
    job = Job.objects.select_related("started_by").get(uuid=job_uuid)
    if job.status != JobStatus.QUEUED:
        # Claimed twice (a worker killed mid-job and the task retried): never run the work again.
        return f"Job {job_uuid} was already {job.status}."
    entry = job_kind(job.kind)
    if entry is None:
        # Queued by a release that had this kind; the app that ran it is gone or renamed.
        services.job_begin(job=job)
        services.job_fail(job=job, error=f"No app runs jobs of the kind {job.kind!r} any more; nothing was done.")
        return "failed"
    services.job_begin(job=job)
    handler = entry.handler

    def report(message: str, step: int | None) -> None:
        services.job_progress(job=job, message=message, step=step)

    try:
        result, url = handler(job, report)
    except (JobError, ValidationError, ValueError) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        services.job_fail(job=job, error=message)
        return "failed"
    except Exception as exc:
        # Unexpected: the page says so without the exception's text (it may hold record values);
        # the worker's log has the traceback for the people who run the service.
        logger.exception("Job %s (%s) failed", job.uuid, job.kind)
        services.job_fail(
            job=job,
            error=f"The job stopped because of an unexpected error ({type(exc).__name__}). "
            "Nothing it was writing was kept. Ask the people who run Joined Up to look at the worker's log.",
        )
        raise
    services.job_succeed(job=job, result=result, result_url=url)
    return "succeeded"
