"""Who may see and start background jobs, built on the policy core in partnership/access.py.

The permission and scope of each kind come from its registration (jobs/registry.py).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from joinedup.jobs.models import Job, JobFile
from joinedup.jobs.registry import JobKind, job_kind, job_kinds
from joinedup.partnership.access import membership_for, require
from joinedup.partnership.models import Membership
from joinedup.partnership.roles import Perm, role_can


def jobs_visible_to(user: Any) -> QuerySet[Job]:
    """A member's own jobs, and others' jobs of each kind their role may start: across the partnership
    for partnership-scoped kinds, at their own agency for agency-scoped ones; nobody else's of a
    starter-scoped kind; nothing otherwise."""
    membership = membership_for(user)
    if membership is None:
        return Job.objects.none()
    seen = Q(started_by=user)
    for entry in job_kinds():
        if entry.scope != "starter" and role_can(membership.role, Perm(entry.perm)):
            seen |= Q(kind=entry.kind) & _scope(entry, membership)
    return Job.objects.filter(seen).select_related("started_by")


def _scope(entry: JobKind, membership: Membership) -> Q:
    if entry.scope == "agency":
        return Q(agency_id=membership.agency_id)
    return Q(agency__partnership_id=membership.agency.partnership_id)


def job_get_for_user(*, user: Any, job_uuid: UUID | str) -> Job:
    """One job the user may see; the same 404 for missing and not theirs."""
    try:
        return jobs_visible_to(user).get(uuid=job_uuid)
    except (Job.DoesNotExist, ValidationError) as exc:
        raise Http404 from exc


def job_file_for_download(*, user: Any, job_uuid: UUID | str) -> JobFile:
    """The file a job made, for a download:

    - the job is one the user may see (job_get_for_user: their own, or of a kind their role
      may start within its scope; the same 404 otherwise);
    - their role holds the kind's permission now (403 for a starter who has lost it);
    - the file is still kept: not removed and not past its retention (404).
    """
    job = job_get_for_user(user=user, job_uuid=job_uuid)
    entry = job_kind(job.kind)
    if entry is None:
        raise Http404
    require(user, Perm(entry.perm))
    file = JobFile.objects.filter(job=job).select_related("job").first()
    if file is None or not file.available:
        raise Http404
    return file


def job_file_about(*, user: Any, job: Job) -> tuple[JobFile | None, bool]:
    """What the job's page says of its file (without its content), and whether the user may download it."""
    file = JobFile.objects.filter(job=job).defer("content").first()
    if file is None:
        return None, False
    entry = job_kind(job.kind)
    membership = membership_for(user)
    may = (
        file.available and entry is not None and membership is not None and role_can(membership.role, Perm(entry.perm))
    )
    return file, may


def job_kind_for_start(user: Any, kind: str) -> JobKind:
    """A registered kind the user may start: 404 for a kind nobody registered, 403 for a role that may not."""
    entry = job_kind(kind)
    if entry is None:
        raise Http404
    require(user, Perm(entry.perm))
    return entry


def require_may_start(user: Any, kind: str) -> None:
    """403 unless the user's role may start `kind` (404 for an unknown kind)."""
    job_kind_for_start(user, kind)
