"""Who may see and start background jobs, built on the policy core in partnership/access.py."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from joinedup.jobs.models import Job, JobKind
from joinedup.partnership.access import membership_for, require
from joinedup.partnership.roles import Perm, role_can

# The permission each kind of job needs, to start it and to see other people's.
KIND_PERM: dict[str, Perm] = {
    JobKind.LINKAGE_TRAIN: Perm.ADMIN_PARTNERSHIP,
    JobKind.LINKAGE_RUN: Perm.ADMIN_PARTNERSHIP,
}


def jobs_visible_to(user: Any) -> QuerySet[Job]:
    """A member's own jobs, and the partnership's jobs of each kind their role may start; nothing otherwise."""
    membership = membership_for(user)
    if membership is None:
        return Job.objects.none()
    kinds = [kind for kind, perm in KIND_PERM.items() if role_can(membership.role, perm)]
    same_partnership = Q(started_by__membership__agency__partnership_id=membership.agency.partnership_id)
    return Job.objects.filter(Q(started_by=user) | (same_partnership & Q(kind__in=kinds))).select_related("started_by")


def job_get_for_user(*, user: Any, job_uuid: UUID | str) -> Job:
    """One job the user may see; the same 404 for missing and not theirs."""
    try:
        return jobs_visible_to(user).get(uuid=job_uuid)
    except (Job.DoesNotExist, ValidationError) as exc:
        raise Http404 from exc


def require_may_start(user: Any, kind: str) -> None:
    """403 unless the user's role may start `kind`."""
    require(user, KIND_PERM[kind])
