"""The child page's history of joins and splits, and the decisions that keep its records apart."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from joinedup.children.access import children_visible_to
from joinedup.linkage.models import CandidatePair, CheckStatus, ChildJoin, JoinCheck, JoinKind, PairStatus
from joinedup.partnership.access import user_can
from joinedup.partnership.roles import Perm

KEPT_APART_SHOWN = 20


def history_section(user: Any, access: Any) -> tuple[str, dict[str, Any]] | None:
    joins = list(
        # access: narrowed to the child the policy opened (ChildAccess)
        ChildJoin.objects.filter(Q(target=access.child)).select_related("actor").prefetch_related("undone_by", "parts")
    )
    reviewer = user_can(user, Perm.REVIEW_MATCHES)
    kept_apart: list[CandidatePair] = []
    if reviewer:
        # Who decided these records are not the same child: a reviewer can look again (and reopen).
        ids = [r.pk for r in access.all_records] + [r.pk for r, _ in access.know_of]
        kept_apart = list(
            # access: pairs of the records the policy opened on this child (own, shared, know-of), for a reviewer
            CandidatePair.objects.filter(Q(record_a_id__in=ids) | Q(record_b_id__in=ids), status=PairStatus.NOT_SAME)
            .select_related("record_a__agency", "record_b__agency", "decided_by")
            .order_by("-decided_at", "pk")[:KEPT_APART_SHOWN]
        )
    if not joins and not kept_apart:
        return None
    # Where a split sent records: a link to each child the user may open, nothing about others.
    sent_to = {m["to"] for j in joins if j.kind == JoinKind.UNMERGE for m in j.moves}
    open_to_user = {c.pk: c for c in children_visible_to(user).filter(pk__in=sent_to)}
    checks = (
        # access: the checks of this child's own joins, listed above; the check page asks its own access
        {c.join_id: c for c in JoinCheck.objects.filter(join__in=joins, status=CheckStatus.OPEN)} if reviewer else {}
    )
    rows = [
        {
            "join": j,
            "records": len(j.moves),
            # A join some of whose records were split off since cannot be undone whole.
            "can_split": j.kind == JoinKind.MERGE and not hasattr(j, "undone_by") and not j.parts.all() and reviewer,
            "check": checks.get(j.pk),
            "went_to": [open_to_user[c] for c in sorted({m["to"] for m in j.moves}) if c in open_to_user]
            if j.kind == JoinKind.UNMERGE
            else [],
        }
        for j in joins
    ]
    return ("linkage/partials/child_history.html", {"rows": rows, "kept_apart": kept_apart})
