from __future__ import annotations

from typing import Any

from django import template

from joinedup.jobs.registry import job_kinds
from joinedup.partnership.access import user_can
from joinedup.partnership.roles import Perm

register = template.Library()


@register.inclusion_tag("jobs/partials/start_buttons.html", takes_context=True)
def job_start_buttons(context: Any, owner: str) -> dict[str, Any]:
    """A button for each kind `owner` registered with a start button, that the user's role may start."""
    user = context["request"].user
    kinds = [e for e in job_kinds(owner) if e.start_label and user_can(user, Perm(e.perm))]
    return {"kinds": kinds, "owner": owner, "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("jobs/partials/start_buttons.html", takes_context=True)
def linkage_job_buttons(context: Any) -> dict[str, Any]:
    # linkage/models.html calls this name; it is job_start_buttons "linkage" and can go once that
    # template (in the linkage restructuring) calls job_start_buttons itself.
    return job_start_buttons(context, "linkage")
