"""The child page's history of joins and splits."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from joinedup.linkage.models import ChildJoin, JoinKind
from joinedup.partnership.access import user_can
from joinedup.partnership.roles import Perm


def history_section(user: Any, access: Any) -> tuple[str, dict[str, Any]] | None:
    joins = list(ChildJoin.objects.filter(Q(target=access.child)).select_related("actor").prefetch_related("undone_by"))
    if not joins:
        return None
    rows = [
        {
            "join": j,
            "records": len(j.moves),
            "can_split": j.kind == JoinKind.MERGE
            and not hasattr(j, "undone_by")
            and user_can(user, Perm.REVIEW_MATCHES),
        }
        for j in joins
    ]
    return ("linkage/partials/child_history.html", {"rows": rows})
