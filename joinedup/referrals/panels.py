"""The referrals app's panel on the home page: the user's own draft referrals, as the form promises."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from joinedup.partnership.access import user_can
from joinedup.partnership.roles import Perm
from joinedup.referrals.selectors import drafts_for_user


def draft_referrals_panel(request: HttpRequest) -> dict[str, Any] | None:
    if not user_can(request.user, Perm.RAISE_REFERRAL):
        return None
    return {"shown": True, "drafts": list(drafts_for_user(request.user)[:20])}
