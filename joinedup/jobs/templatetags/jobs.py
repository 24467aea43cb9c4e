from __future__ import annotations

from typing import Any

from django import template

from joinedup.partnership.access import user_can
from joinedup.partnership.roles import Perm

register = template.Library()


@register.inclusion_tag("jobs/partials/linkage_start.html", takes_context=True)
def linkage_job_buttons(context: Any) -> dict[str, Any]:
    """Buttons to train a model and start a run, for partnership admins (on the linkage pages)."""
    request = context["request"]
    return {"may_start": user_can(request.user, Perm.ADMIN_PARTNERSHIP), "csrf_token": context.get("csrf_token")}
