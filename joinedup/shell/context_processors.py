"""Context every page needs: the service name, the synthetic-data flag, the navigation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.urls import reverse

from joinedup.core.cachekeys import SYNTHETIC_DATA as SYNTHETIC_CACHE_KEY
from joinedup.core.registry import nav_entries
from joinedup.partnership.models import Partnership


def synthetic_data_loaded() -> bool:
    """Whether the database holds the generated demo partnership (cached briefly)."""
    flag = cache.get(SYNTHETIC_CACHE_KEY)
    if flag is None:
        flag = Partnership.objects.filter(is_synthetic=True).exists()
        cache.set(SYNTHETIC_CACHE_KEY, flag, 60)
    return bool(flag)


def _nav(request: HttpRequest) -> list[dict[str, Any]]:
    path = request.path
    items = []
    for entry in nav_entries():
        if not entry.shown(request.user):
            continue
        href = reverse(entry.url_name)
        items.append(
            {
                "key": entry.key,
                "text": entry.label,
                "href": href,
                "active": path == href or (href != "/" and path.startswith(href)),
                "badge": entry.badge(request.user) if entry.badge else 0,
                "badge_label": entry.badge_label,
            }
        )
    # One section is current: where two entries' addresses both lead to the page (Pathways at
    # /pathways/ and Screening at /pathways/screening/), the nearer one, the longer address.
    current = max((item for item in items if item["active"]), key=lambda item: len(item["href"]), default=None)
    for item in items:
        item["active"] = item is current
    return items


def site(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {
        "service_name": settings.JOINEDUP_SERVICE_NAME,
        "synthetic_data": synthetic_data_loaded(),
    }
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        context["nav_items"] = _nav(request)
    return context
