"""Background jobs: the list, one job's page (with its htmx progress partial), and starting linkage work."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from joinedup.jobs import services
from joinedup.jobs.access import job_get_for_user, jobs_visible_to, require_may_start
from joinedup.jobs.forms import StartTrainingForm
from joinedup.jobs.kinds import KINDS
from joinedup.jobs.models import JobKind


@require_GET
@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = jobs_visible_to(request.user)[:50]
    return render(request, "jobs/list.html", {"jobs": jobs, "page_title": "Background jobs"})


@require_GET
@login_required
def job_detail(request: HttpRequest, job_uuid: str) -> HttpResponse:
    job = job_get_for_user(user=request.user, job_uuid=job_uuid)
    context = {"job": job, "poll_seconds": settings.JOBS_POLL_SECONDS, "page_title": job.get_kind_display()}
    if request.headers.get("HX-Request"):
        return render(request, "jobs/partials/status.html", context)
    return render(request, "jobs/detail.html", context)


def _start(request: HttpRequest, kind: str, params: dict[str, int]) -> HttpResponse:
    steps, _ = KINDS[kind]
    job = services.job_start(actor=request.user, kind=kind, params=params, steps=steps)
    return redirect("jobs:detail", job_uuid=job.uuid)


@require_POST
@login_required
def start_linkage_train(request: HttpRequest) -> HttpResponse:
    require_may_start(request.user, JobKind.LINKAGE_TRAIN)
    form = StartTrainingForm(request.POST)
    if not form.is_valid():
        return render(
            request, "jobs/start_failed.html", {"form": form, "page_title": "Check the training settings"}, status=400
        )
    return _start(request, JobKind.LINKAGE_TRAIN, {"seed": form.cleaned_data["seed"] or 1})


@require_POST
@login_required
def start_linkage_run(request: HttpRequest) -> HttpResponse:
    require_may_start(request.user, JobKind.LINKAGE_RUN)
    return _start(request, JobKind.LINKAGE_RUN, {})
