"""The child page's "their own words" section."""

from __future__ import annotations

from typing import Any

from joinedup.participation.models import Contribution
from joinedup.partnership.access import user_can
from joinedup.partnership.roles import Perm


def voices_section(user: Any, access: Any) -> tuple[str, dict[str, Any]] | None:
    """The young person's own words, who heard them and what changed. Withdrawn words are never shown."""
    contributions = list(
        Contribution.objects.filter(child=access.child, withdrawn_at__isnull=True)
        .select_related("heard_by", "response", "opportunity", "question")
        .order_by("-heard_on")
    )
    return (
        "participation/partials/child_voices.html",
        {
            "contributions": contributions,
            "child": access.child,
            "can_put_forward": user_can(user, Perm.PUT_FORWARD_FOR_COHORT),
        },
    )
