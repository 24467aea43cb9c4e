"""Who may reach the linkage app's objects, built on the policy core in partnership/access.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from joinedup.children.access import (
    active_break_glass,
    agency_record_get_for_user,
    child_ids_visible_to,
    children_visible_to,
    read_once,
)
from joinedup.children.models import FIELD_CATEGORIES, AgencyRecord, BreakGlassGrant
from joinedup.linkage.models import (
    CandidatePair,
    CheckStatus,
    ChildJoin,
    JoinCheck,
    JoinKind,
    LinkageModel,
    LinkageRun,
    PairStatus,
)
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


def candidate_pairs_in_partnership(user: Any) -> QuerySet[CandidatePair]:
    """Every pair in the reviewer's partnership, waiting or decided (to look at again, or reopen);
    403 for other roles."""

    membership = require(user, Perm.REVIEW_MATCHES)
    return CandidatePair.objects.filter(
        record_a__agency__partnership_id=membership.agency.partnership_id,
    ).select_related("record_a__agency", "record_b__agency", "decided_by")


def candidate_pair_get_for_reviewer(*, user: Any, pair_uuid: UUID | str) -> CandidatePair:
    """One pair of the reviewer's partnership, whatever was decided; 404 otherwise."""
    try:
        return candidate_pairs_in_partnership(user).get(uuid=pair_uuid)
    except _NOT_FOUND as exc:
        raise Http404 from exc


def records_seen_by_reviewer(*, user: Any, records: list[AgencyRecord]) -> set[int]:
    """The ids of `records` whose content the reviewer may see, as each child's page shows it
    (children.access.child_access, for the review purpose), decided in a few queries for many:

    - the record's child is one the reviewer may open, and the record is live;
    - and it is their own agency's, or they broke glass for the child, or an agreement in force
      shares at least one of its categories with their agency for the review purpose.

    Everything else is know-of at most.
    """
    membership = require(user, Perm.REVIEW_MATCHES)
    purpose = review_purpose(user)
    if not role_may_act_for(membership.role, purpose):
        return set()
    live = [r for r in records if r.erased_at is None]
    child_ids = {r.child_id for r in live}
    openable = set(children_visible_to(user).filter(pk__in=child_ids).values_list("pk", flat=True))
    grants = partner_grants(membership=membership, purpose=purpose)
    glass: dict[int, bool] = {}
    seen = set()
    for record in live:
        if record.child_id not in openable:
            continue
        if record.agency_id == membership.agency_id:
            seen.add(record.pk)
            continue
        grant = grants.get(record.agency_id)
        if grant is not None and grant.level == "content" and any(map(grant.covers, FIELD_CATEGORIES.values())):
            seen.add(record.pk)
            continue
        if record.child_id not in glass:
            glass[record.child_id] = active_break_glass(user=user, child=record.child) is not None
        if glass[record.child_id]:
            seen.add(record.pk)
    return seen


def escalated_by(*, user: Any, pair: CandidatePair) -> bool:
    """Whether `user` escalated `pair` as unsure: a second reviewer decides it, never them."""
    return pair.status == PairStatus.UNSURE and pair.decided_by_id == getattr(user, "pk", None)


def pairs_decidable_by(*, user: Any, pairs: list[CandidatePair]) -> set[int]:
    """The ids of `pairs` the reviewer may decide, one condition per line:

    - they see at least one of its records: someone who sees neither would be deciding blind,
      and a "same child" would bring records together that no one deciding has looked at;
    - and they did not escalate it as unsure themselves: an escalation asks for a second
      reviewer, so the one who escalated it does not settle it after all.
    """
    records = [r for p in pairs for r in (p.record_a, p.record_b)]
    seen = records_seen_by_reviewer(user=user, records=records)
    return {
        p.pk for p in pairs if (p.record_a_id in seen or p.record_b_id in seen) and not escalated_by(user=user, pair=p)
    }


def _seen_by_reviewer(user: Any) -> Callable[[str], Q] | None:
    """records_seen_by_reviewer's rule as a query condition on an agency record reached through
    `path` ("" for AgencyRecord itself, "record_a__" from a pair); None where the reviewer's role
    may not act for the review purpose (they see no record). A record is seen where, one per line:

    - it is live, and its child is one the reviewer may open;
    - and it is their own agency's, or an agreement in force shares content of at least one of
      its categories with their agency for the review purpose, or they broke glass for the child.
    """
    membership = require(user, Perm.REVIEW_MATCHES)
    purpose = review_purpose(user)
    if not role_may_act_for(membership.role, purpose):
        return None
    grants = partner_grants(membership=membership, purpose=purpose)
    sharing = [
        pk
        for pk, grant in grants.items()
        if grant.level == "content" and any(map(grant.covers, FIELD_CATEGORIES.values()))
    ]
    now = timezone.now()
    glass = BreakGlassGrant.objects.filter(user=user, starts_at__lte=now, expires_at__gt=now).values("child_id")

    def seen(path: str) -> Q:
        # The reviewer may open the record's child: each in-work rule read once and hashed
        # (children.access.child_ids_visible_to), as a queue asks it of thousands of pairs.
        return (
            Q(**{f"{path}erased_at__isnull": True})
            & child_ids_visible_to(user, f"{path}child_id")
            & (
                Q(**{f"{path}agency_id": membership.agency_id})
                | Q(**{f"{path}agency_id__in": sharing})
                | Q(**{f"{path}child_id__in": glass})
            )
        )

    return seen


def with_decidable(*, user: Any, pairs: QuerySet[CandidatePair]) -> QuerySet[CandidatePair]:
    """`pairs` annotated `decidable` (1 or 0): the rule of pairs_decidable_by, in the query.

    A queue orders by it across pages, and counts it, without reading each pair's records.
    A record counts as seen on the same conditions as records_seen_by_reviewer
    (_seen_by_reviewer), and a pair the reviewer escalated is not theirs to decide.
    test_decidable_in_the_query_is_pairs_decidable_by holds the two to the same answers.
    """
    seen = _seen_by_reviewer(user)
    if seen is None:
        return pairs.annotate(decidable=Value(0, output_field=IntegerField()))
    theirs = (seen("record_a__") | seen("record_b__")) & ~Q(status=PairStatus.UNSURE, decided_by_id=user.pk)
    return pairs.annotate(decidable=Case(When(theirs, then=Value(1)), default=Value(0), output_field=IntegerField()))


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


def children_open_to(*, user: Any, child_ids: list[int]) -> set[int]:
    """The ids among `child_ids` of children the user may open (children_visible_to): where a
    pair's or a check's page may link to the child's page rather than to a 404."""
    return set(children_visible_to(user).filter(pk__in=child_ids).values_list("pk", flat=True))


def join_checks_for_review(user: Any) -> QuerySet[JoinCheck]:
    """Joins whose records disagree on date of birth or sex, still to check, that the reviewer
    may act on; 403 for other roles. A check is theirs where, one per line:

    - it is open, and its child has a record in the reviewer's partnership;
    - and at least one of its child's records is one the reviewer sees (records_seen_by_reviewer,
      in the query), so they see a value and can ask its holder to check.

    A check on records the reviewer cannot see waits for a reviewer who can: it is not listed,
    not counted, and its page is a 404, as for anything else they may not see.
    """
    membership = require(user, Perm.REVIEW_MATCHES)
    seen = _seen_by_reviewer(user)
    if seen is None:
        return JoinCheck.objects.none()
    in_partnership = AgencyRecord.objects.filter(agency__partnership_id=membership.agency.partnership_id)
    return (
        JoinCheck.objects.filter(
            status=CheckStatus.OPEN,
            child__in=in_partnership.values("child_id"),
        )
        .filter(
            child__in=AgencyRecord.objects.filter(seen("")).values("child_id"),
        )
        .select_related("join", "child", "join__actor")
    )


def join_check_get_for_review(*, user: Any, check_uuid: UUID | str) -> JoinCheck:
    try:
        return join_checks_for_review(user).get(uuid=check_uuid)
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


def joins_of_opened_child(access: Any) -> list[ChildJoin]:
    """The joins and splits in the history of a child the user opened (`access`, a ChildAccess):
    the child's own, and splits that sent records to it from another child. Newest first, each
    with its actor, what undid it and its parts; read once for the request (the child page's
    history and its chronology both show them). A join names no record, only how many moved."""
    return read_once(
        access,
        "linkage.joins_of_opened_child",
        lambda: list(
            # access: narrowed to the child the policy opened (ChildAccess)
            ChildJoin.objects.filter(Q(target=access.child) | Q(kind=JoinKind.UNMERGE, sent_to=access.child))
            .distinct()
            .select_related("actor")
            .prefetch_related("undone_by", "parts")
        ),
    )


def matches_waiting_for(child: Any, *, agencies: set[int]) -> list[CandidatePair]:
    """The possible matches of a child's records still waiting for a person (strongest first),
    whose other record is held by one of `agencies` (those the caller may know hold a record:
    its own, and partners whose agreement shares at least that): until they are decided, the
    child may be one already known, with processes of their own. Pairs whose records are one
    child already ask nothing."""
    rows = list(
        # access: pairs of the records of a child the caller opened, narrowed below to other records
        # held by agencies the caller may know of; the caller names no record of them
        CandidatePair.objects.filter(
            Q(record_a__child=child) | Q(record_b__child=child), status__in=[PairStatus.PENDING, PairStatus.UNSURE]
        )
        .select_related("record_a", "record_b")
        .order_by("-probability", "pk")
    )
    waiting = []
    for pair in rows:
        a, b = pair.record_a, pair.record_b
        if a.child_id == b.child_id:
            continue
        other = b if a.child_id == child.pk else a
        if other.agency_id in agencies:
            waiting.append(pair)
    return waiting
