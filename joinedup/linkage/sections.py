"""The child page's history of joins and splits."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from joinedup.children.access import children_visible_to
from joinedup.linkage.models import ChildJoin, JoinKind
from joinedup.partnership.access import user_can
from joinedup.partnership.roles import Perm


def history_section(user: Any, access: Any) -> tuple[str, dict[str, Any]] | None:
    # access: narrowed to the child the policy opened (ChildAccess)
    joins = list(ChildJoin.objects.filter(Q(target=access.child)).select_related("actor").prefetch_related("undone_by"))
    if not joins:
        return None
    # Where a split sent records: a link to each child the user may open, nothing about others.
    sent_to = {m["to"] for j in joins if j.kind == JoinKind.UNMERGE for m in j.moves}
    open_to_user = {c.pk: c for c in children_visible_to(user).filter(pk__in=sent_to)}
    rows = [
        {
            "join": j,
            "records": len(j.moves),
            "can_split": j.kind == JoinKind.MERGE
            and not hasattr(j, "undone_by")
            and user_can(user, Perm.REVIEW_MATCHES),
            "went_to": [open_to_user[c] for c in sorted({m["to"] for m in j.moves}) if c in open_to_user]
            if j.kind == JoinKind.UNMERGE
            else [],
        }
        for j in joins
    ]
    return ("linkage/partials/child_history.html", {"rows": rows})
