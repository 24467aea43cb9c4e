"""Background jobs: the list, one job's page (with its htmx progress partial), the file a job made,
and starting a kind from a button."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from joinedup.audit.exports import ExportEvent, kept_file_response
from joinedup.jobs import services
from joinedup.jobs.access import (
    job_file_about,
    job_file_for_download,
    job_get_for_user,
    job_kind_for_start,
    jobs_visible_to,
)


@require_GET
@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = jobs_visible_to(request.user)[:50]
    return render(request, "jobs/list.html", {"jobs": jobs, "page_title": "Background jobs"})


@require_GET
@login_required
def job_detail(request: HttpRequest, job_uuid: str) -> HttpResponse:
    job = job_get_for_user(user=request.user, job_uuid=job_uuid)
    file, may_download = job_file_about(user=request.user, job=job) if job.finished else (None, False)
    context = {
        "job": job,
        "file": file,
        "may_download": may_download,
        "poll_seconds": settings.JOBS_POLL_SECONDS,
        "page_title": job.label,
    }
    if request.headers.get("HX-Request"):
        return render(request, "jobs/partials/status.html", context)
    return render(request, "jobs/detail.html", context)


@require_GET
@login_required
def job_file(request: HttpRequest, job_uuid: str) -> HttpResponse:
    """Download the file a job made, while it is kept; every download is audited as its app said."""
    file = job_file_for_download(user=request.user, job_uuid=job_uuid)
    event = ExportEvent(
        event=file.download_event,
        purpose=file.purpose,
        obj=file,
        child_uuid=file.child_uuid,
        detail={**file.detail, "job": str(file.job.uuid)},
    )
    fmt = file.filename.rsplit(".", 1)[-1].lower()
    return kept_file_response(
        actor=request.user,
        filename=file.filename,
        content=file.content,
        content_type=file.content_type,
        fmt=fmt,
        event=event,
    )


@require_POST
@login_required
def job_start(request: HttpRequest, kind: str) -> HttpResponse:
    """Start a kind registered with a start button (jobs/registry.py): its form's params, or what to fix."""
    entry = job_kind_for_start(request.user, kind)
    params, form = entry.params_from(request.POST)
    if params is None:
        context = {"form": form, "entry": entry, "page_title": f"Check the settings: {entry.label}"}
        return render(request, "jobs/start_failed.html", context, status=400)
    job = services.job_start(actor=request.user, kind=kind, params=params)
    return redirect("jobs:detail", job_uuid=job.uuid)
