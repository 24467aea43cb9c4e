"""The home page's "your draft referrals" panel, for core's home template to include by name.

core sits below referrals, so it cannot call drafts_for_user; a template tag
keeps the import direction and lets home show what the referral form promises.
"""

from __future__ import annotations

from typing import Any

from django import template

from joinedup.partnership.access import user_can
from joinedup.partnership.roles import Perm
from joinedup.referrals.selectors import drafts_for_user

register = template.Library()


@register.inclusion_tag("referrals/partials/drafts.html", takes_context=True)
def your_draft_referrals(context: dict[str, Any]) -> dict[str, Any]:
    user = context["request"].user
    shown = user_can(user, Perm.RAISE_REFERRAL)
    return {"shown": shown, "drafts": list(drafts_for_user(user)[:20]) if shown else []}
