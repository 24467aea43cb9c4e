"""The child page's history of joins and splits, and the decisions that keep its records apart."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from joinedup.children.access import children_visible_among
from joinedup.children.models import AgencyRecord
from joinedup.linkage.access import join_checks_for_review, joins_of_opened_child
from joinedup.linkage.models import CandidatePair, CheckStatus, ChildJoin, JoinCheck, JoinKind, PairStatus
from joinedup.linkage.services import SETTLED_WITH
from joinedup.partnership.access import user_can
from joinedup.partnership.roles import Perm

KEPT_APART_SHOWN = 20
# The fields linkage/partials/child_history.html shows of a pair kept apart (and settled_with reads).
KEPT_APART_FIELDS = (
    "uuid",
    "conflict",
    "decided_at",
    "decision_note",
    "record_a__agency__name",
    "record_b__agency__name",
    "decided_by__username",
    "decided_by__first_name",
    "decided_by__last_name",
)


def records_joined(joins: list[ChildJoin], *, held_now: set[int]) -> dict[int, int]:
    """How many records each join on one child brought together: those the child held just after it.

    A join keeps only the records it moved in (from the other children), not those the child
    held already, so its count is worked back from the records on the child now (`held_now`,
    erased ones too), newest first: before a join the child lacked the records it moved in;
    before a split it still held those the split sent away. Records reach a child only through
    joins (each new record starts a child of its own), so nothing else changes the count.
    """
    held = set(held_now)
    counts: dict[int, int] = {}
    for join in sorted(joins, key=lambda j: (j.created_at, j.pk), reverse=True):
        moved = {m["record"] for m in join.moves}
        if join.kind == JoinKind.MERGE:
            counts[join.pk] = len(held | moved)
            held -= moved
        else:
            held |= moved
    return counts


def rejoins_a_split(join: ChildJoin, joins: list[ChildJoin]) -> bool:
    """Whether `join` brought back records that an earlier split of the same child sent away:
    splitting it is splitting them again."""
    moved = {m["record"] for m in join.moves}
    return any(
        j.kind == JoinKind.UNMERGE
        and (j.created_at, j.pk) < (join.created_at, join.pk)
        and moved & {m["record"] for m in j.moves}
        for j in joins
    )


def splits_of(child: Any) -> list[ChildJoin]:
    """The splits of a child a reviewer reached through a join of it (to word its split page)."""
    # access: the join's own child, which the caller reached through child_join_get_for_undo
    return list(ChildJoin.objects.filter(target=child, kind=JoinKind.UNMERGE))


def history_section(user: Any, access: Any) -> tuple[str, dict[str, Any]] | None:
    joins = joins_of_opened_child(access)
    # Splits that sent records here from another child (its target is that child): told from
    # this side, and kept out of the count of what this child's own joins brought together.
    own = [j for j in joins if j.target_id == access.child.pk]
    reviewer = user_can(user, Perm.REVIEW_MATCHES)
    kept_apart: list[CandidatePair] = []
    if reviewer:
        # Who decided these records are not the same child: a reviewer can look again (and reopen).
        ids = [r.pk for r in access.all_records] + [r.pk for r, _ in access.know_of]
        kept_apart = list(
            # access: pairs of the records the policy opened on this child (own, shared, know-of), for a reviewer
            CandidatePair.objects.filter(Q(record_a_id__in=ids) | Q(record_b_id__in=ids), status=PairStatus.NOT_SAME)
            .select_related("record_a__agency", "record_b__agency", "decided_by")
            # What the list shows of each pair, and no more: two records and a user are wide rows.
            .only(*KEPT_APART_FIELDS)
            .order_by("-decided_at", "pk")[:KEPT_APART_SHOWN]
        )
    for pair in kept_apart:
        # Said beside it, as on the pair's page: the reviewer weighed another pair, not this one.
        pair.settled_with = pair.decision_note.startswith(SETTLED_WITH)  # type: ignore[attr-defined]
    if not joins and not kept_apart:
        return None
    # Where a split sent records: a link to each child the user may open, nothing about others.
    sent_to = {m["to"] for j in own if j.kind == JoinKind.UNMERGE for m in j.moves}
    # ... and where a split that sent records here took them from.
    came_from = {j.target_id for j in joins if j.target_id != access.child.pk}
    # The policy's conditions cost more to build than this child's handful of rows, so they are
    # asked only of the children and checks the history names, and not at all where it names none.
    linked = sorted(sent_to | came_from)
    open_to_user = {c.pk: c for c in children_visible_among(user, linked)} if linked else {}
    # The checks of this child's joins that the reviewer may open (the list of joins to check
    # holds the same ones): a link to a check they cannot act on would be a 404.
    checks: dict[int, JoinCheck] = {}
    if reviewer and own:
        # Ids only; join_checks_for_review then decides which of them the reviewer may act on.
        # access: the open checks on the joins of the child the policy opened
        open_checks = list(JoinCheck.objects.filter(join__in=own, status=CheckStatus.OPEN).values_list("pk", flat=True))
        if open_checks:
            checks = {c.join_id: c for c in join_checks_for_review(user).filter(pk__in=open_checks)}
    # access: ids of the records on the child the policy opened, to count what each join brought together
    held_now = set(AgencyRecord.objects.filter(child=access.child).values_list("pk", flat=True))
    joined = records_joined(own, held_now=held_now)
    rows = [
        {
            "join": j,
            # A join: the records it brought together; a split: the records it sent away.
            "records": joined.get(j.pk, len(j.moves)),
            "moved_in": len(j.moves),
            "from_children": len({m["from"] for m in j.moves}),
            # A join some of whose records were split off since cannot be undone whole.
            "can_split": j.kind == JoinKind.MERGE and not hasattr(j, "undone_by") and not j.parts.all() and reviewer,
            # ... but more of its records can still be split off (records_split_off allows it).
            "can_split_part": j.kind == JoinKind.MERGE and not hasattr(j, "undone_by") and reviewer,
            "split_again": j.kind == JoinKind.MERGE and rejoins_a_split(j, own),
            "check": checks.get(j.pk),
            "went_to": [open_to_user[c] for c in sorted({m["to"] for m in j.moves}) if c in open_to_user]
            if j.kind == JoinKind.UNMERGE and not received
            else [],
            # A split seen from the child its records went to: how many came here, and from where.
            "came_here": sum(m["to"] == access.child.pk for m in j.moves) if received else 0,
            "came_from": open_to_user.get(j.target_id) if received else None,
        }
        for j in joins
        for received in [j.target_id != access.child.pk]
    ]
    return ("linkage/partials/child_history.html", {"rows": rows, "kept_apart": kept_apart})
