"""Background jobs: the list, one job's page (with its htmx progress partial), and starting a kind from a button."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from joinedup.jobs import services
from joinedup.jobs.access import job_get_for_user, job_kind_for_start, jobs_visible_to


@require_GET
@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = jobs_visible_to(request.user)[:50]
    return render(request, "jobs/list.html", {"jobs": jobs, "page_title": "Background jobs"})


@require_GET
@login_required
def job_detail(request: HttpRequest, job_uuid: str) -> HttpResponse:
    job = job_get_for_user(user=request.user, job_uuid=job_uuid)
    context = {"job": job, "poll_seconds": settings.JOBS_POLL_SECONDS, "page_title": job.label}
    if request.headers.get("HX-Request"):
        return render(request, "jobs/partials/status.html", context)
    return render(request, "jobs/detail.html", context)


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
