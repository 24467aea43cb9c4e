"""Root-level URLs for running the service: the health probe and the OIDC round trip."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from mozilla_django_oidc import views as oidc_views

from joinedup.ops import views


def _only_when_configured(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """404 unless OIDC is configured, so an unconfigured service offers no half-working sign-in."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.OIDC_ENABLED:
            raise Http404("Sign-in through an identity provider is not configured.")
        return view(request, *args, **kwargs)

    return wrapped


urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # The names mozilla-django-oidc reverses.
    path(
        "oidc/authenticate/",
        _only_when_configured(oidc_views.OIDCAuthenticationRequestView.as_view()),
        name="oidc_authentication_init",
    ),
    path(
        "oidc/callback/",
        _only_when_configured(oidc_views.OIDCAuthenticationCallbackView.as_view()),
        name="oidc_authentication_callback",
    ),
    path("oidc/logout/", _only_when_configured(oidc_views.OIDCLogoutView.as_view()), name="oidc_logout"),
]
