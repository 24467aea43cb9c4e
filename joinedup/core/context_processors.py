"""Context every page needs: the service name, the synthetic-data flag, navigation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.urls import reverse

SYNTHETIC_CACHE_KEY = "joinedup:synthetic-data"


def synthetic_data_loaded() -> bool:
    """Whether the database holds the generated demo partnership (cached briefly)."""
    from joinedup.partnership.models import Partnership

    flag = cache.get(SYNTHETIC_CACHE_KEY)
    if flag is None:
        flag = Partnership.objects.filter(is_synthetic=True).exists()
        cache.set(SYNTHETIC_CACHE_KEY, flag, 60)
    return bool(flag)


def _nav(request: HttpRequest) -> list[dict[str, Any]]:
    from joinedup.partnership.access import user_can
    from joinedup.partnership.roles import Perm

    items = [("Home", reverse("home"), True)]
    items.append(("Find a child", reverse("children:search"), user_can(request.user, Perm.SEARCH_CHILDREN)))
    items.append(("Add a record", reverse("children:record_create"), user_can(request.user, Perm.CREATE_AGENCY_RECORD)))
    items.append(("Raise a concern", reverse("referrals:new"), user_can(request.user, Perm.RAISE_REFERRAL)))
    items.append(("Screening", reverse("pathways:screening"), user_can(request.user, Perm.SCREEN_REFERRALS)))
    items.append(("Tasks", reverse("pathways:tasks"), user_can(request.user, Perm.WORK_CASES)))
    items.append(("MACE", reverse("pathways:mace"), user_can(request.user, Perm.RUN_PANELS)))
    items.append(("Possible matches", reverse("linkage:queue"), user_can(request.user, Perm.REVIEW_MATCHES)))
    items.append(("Pathways", reverse("pathways:definitions"), user_can(request.user, Perm.VIEW_PATHWAYS)))
    items.append(
        ("Pseudonymised data", reverse("children:pseudonymised_list"), user_can(request.user, Perm.VIEW_PSEUDONYMISED))
    )
    items.append(("Governance", reverse("governance:index"), user_can(request.user, Perm.VIEW_AUDIT)))
    items.append(
        (
            "Agreements",
            reverse("governance:agreements"),
            not user_can(request.user, Perm.VIEW_AUDIT) and user_can(request.user, Perm.SEARCH_CHILDREN),
        )
    )
    items.append(
        (
            "Participation",
            reverse("participation:directory"),
            user_can(request.user, Perm.MANAGE_PARTICIPATION)
            or user_can(request.user, Perm.VIEW_PARTICIPATION_COVERAGE),
        )
    )
    items.append(("API tokens", reverse("tokens"), user_can(request.user, Perm.USE_API)))
    items.append(("Linkage models", reverse("linkage:models"), user_can(request.user, Perm.ADMIN_PARTNERSHIP)))
    items.append(("Admin", reverse("admin:index"), user_can(request.user, Perm.ADMIN_PARTNERSHIP)))
    path = request.path
    return [
        {"text": text, "href": href, "active": path == href or (href != "/" and path.startswith(href))}
        for text, href, shown in items
        if shown
    ]


def site(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {
        "service_name": settings.JOINEDUP_SERVICE_NAME,
        "synthetic_data": synthetic_data_loaded(),
    }
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        from joinedup.notifications.selectors import unread_count

        context["nav_items"] = _nav(request)
        context["unread_notifications"] = unread_count(request.user)
    return context
