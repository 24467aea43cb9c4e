from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("ops/partials/oidc_sign_in.html", takes_context=True)
def oidc_sign_in(context: Any) -> dict[str, Any]:
    """The "sign in with your organisation's account" button, when OIDC is configured."""
    request = context.get("request")
    return {
        "enabled": settings.OIDC_ENABLED,
        "provider": settings.OIDC_PROVIDER_NAME,
        "next": context.get("next") or "",
        "failed": bool(request and request.GET.get("oidc") == "failed"),
    }
