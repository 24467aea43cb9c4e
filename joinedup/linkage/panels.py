"""Linkage's panel on the home page: how many possible matches wait for the reviewer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from joinedup.linkage.selectors import review_queue_counts
from joinedup.partnership.access import user_can
from joinedup.partnership.roles import Perm


def possible_matches_panel(request: HttpRequest) -> dict[str, Any] | None:
    """For reviewers: the queue's own counts (selectors.review_queue_counts), so home and queue agree."""
    if not user_can(request.user, Perm.REVIEW_MATCHES):
        return None
    return {"counts": review_queue_counts(request.user)}
