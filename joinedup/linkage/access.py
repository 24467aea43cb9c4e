"""Who may reach the linkage app's objects, built on the policy core in partnership/access.py."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from joinedup.children.access import agency_record_get_for_user
from joinedup.children.models import FIELD_CATEGORIES, AgencyRecord
from joinedup.linkage.models import CandidatePair, ChildJoin, LinkageModel, LinkageRun, PairStatus
from joinedup.partnership.access import (
    _NOT_FOUND,
    membership_for,
    partner_grants,
    require,
)
from joinedup.partnership.models import Membership
from joinedup.partnership.roles import Perm, Purpose, default_purpose, role_can, role_may_act_for


def agency_records_for_linkage() -> QuerySet[AgencyRecord]:
    """Every live agency record, for the batch linkage job only (a system process, run by operators).

    Its results reach people only through the access policy above.
    """

    return AgencyRecord.objects.filter(erased_at__isnull=True)


def review_purpose(user: Any) -> str:
    membership = require(user, Perm.REVIEW_MATCHES)
    return Purpose.DATA_PROTECTION if role_may_act_for(membership.role, Purpose.DATA_PROTECTION) else Purpose.SCREENING


def candidate_pairs_for_review(user: Any) -> QuerySet[CandidatePair]:
    """Pairs waiting for a person, in the reviewer's partnership; 403 for other roles."""

    membership = require(user, Perm.REVIEW_MATCHES)
    return CandidatePair.objects.filter(
        status__in=[PairStatus.PENDING, PairStatus.UNSURE],
        record_a__agency__partnership_id=membership.agency.partnership_id,
    ).select_related("record_a__agency", "record_b__agency")


def candidate_pair_get_for_review(*, user: Any, pair_uuid: UUID | str) -> CandidatePair:
    try:
        return candidate_pairs_for_review(user).get(uuid=pair_uuid)
    except _NOT_FOUND as exc:
        raise Http404 from exc


def _record_fields(*, membership: Membership, record: AgencyRecord, purpose: str | None) -> dict[str, Any] | None:

    if record.agency_id == membership.agency_id:
        return {name: getattr(record, name) for name in FIELD_CATEGORIES}
    grant = partner_grants(membership=membership, purpose=purpose).get(record.agency_id) if purpose else None
    if grant is None or grant.level != "content":
        return None
    return {name: getattr(record, name) for name, category in FIELD_CATEGORIES.items() if grant.covers(category)}


def record_view_for_review(*, user: Any, record: AgencyRecord) -> dict[str, Any] | None:
    """The fields of a record a reviewer may see: all for their own agency's, the agreement's
    categories for a partner's; None where only knowing-of is allowed (show agency and dates only)."""
    membership = require(user, Perm.REVIEW_MATCHES)
    return _record_fields(membership=membership, record=record, purpose=review_purpose(user))


def intake_matches_for(*, user: Any, record_uuid: UUID | str) -> tuple[AgencyRecord, QuerySet[CandidatePair]]:
    """A record the user's agency holds and the possible matches found when it was added
    (pairs waiting for a decision); 404 for anyone else's record."""

    record = agency_record_get_for_user(user=user, record_uuid=record_uuid)
    require(user, Perm.CREATE_AGENCY_RECORD)
    pairs = (
        CandidatePair.objects.filter(status__in=[PairStatus.PENDING, PairStatus.UNSURE])
        .filter(Q(record_a=record) | Q(record_b=record))
        .select_related("record_a__agency", "record_b__agency")
        .order_by("-probability")
    )
    return record, pairs


def possible_matches_for_new_record(*, user: Any, record: AgencyRecord) -> int:
    """For children.matching: the possible matches the record's maker is asked to decide."""
    return intake_matches_for(user=user, record_uuid=record.uuid)[1].count()


def record_view_for_intake(*, user: Any, record: AgencyRecord) -> dict[str, Any] | None:
    """What the creator of a new record may see of a possible match: as for review, under
    the creator's own casework purpose; None means the know-of view only."""
    membership = require(user, Perm.CREATE_AGENCY_RECORD)
    return _record_fields(membership=membership, record=record, purpose=default_purpose(membership.role))


def child_join_get_for_undo(*, user: Any, join_uuid: UUID | str) -> ChildJoin:
    """A join in the reviewer's partnership, to split again; 403 for other roles, 404 otherwise."""

    membership = require(user, Perm.REVIEW_MATCHES)
    try:
        return (
            ChildJoin.objects.filter(target__records__agency__partnership_id=membership.agency.partnership_id)
            .distinct()
            .select_related("target")
            .get(uuid=join_uuid)
        )
    except _NOT_FOUND as exc:
        raise Http404 from exc


def linkage_models_visible_to(user: Any) -> QuerySet[LinkageModel]:
    """Linkage model versions: for people who review matches and partnership admins; 403 otherwise."""

    membership = membership_for(user)
    if membership is None or not (
        role_can(membership.role, Perm.REVIEW_MATCHES) or role_can(membership.role, Perm.ADMIN_PARTNERSHIP)
    ):
        raise PermissionDenied("Linkage models are for match reviewers and partnership admins.")
    return LinkageModel.objects.select_related("trained_by", "activated_by")


def linkage_runs_visible_to(user: Any) -> QuerySet[LinkageRun]:
    """Batch linkage runs and their figures, for the same people as the models."""

    linkage_models_visible_to(user)
    return LinkageRun.objects.select_related("model").order_by("-created_at")


def linkage_model_get_for_user(*, user: Any, model_uuid: UUID | str) -> LinkageModel:
    try:
        return linkage_models_visible_to(user).get(uuid=model_uuid)
    except _NOT_FOUND as exc:
        raise Http404 from exc


def linkage_model_get_for_activation(*, user: Any, model_uuid: UUID | str) -> LinkageModel:
    """A model a partnership admin may put into use; 403 for everyone else."""
    model = linkage_model_get_for_user(user=user, model_uuid=model_uuid)
    require(user, Perm.ADMIN_PARTNERSHIP)
    return model
