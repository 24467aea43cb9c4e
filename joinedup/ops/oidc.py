"""Sign-in through the partnership's OpenID Connect provider (mozilla-django-oidc).

The contract:
- A provider account signs in as the one user linked to its (issuer, subject)
  by `oidc_identity_link`; email is never used to find the user.
- The email the provider asserts must be at a domain the user's agency allows
  (ops.AgencyEmailDomain); a user with no active membership, an inactive user
  or an agency with no domains is refused.
- Every `OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS` the session is re-checked with
  the provider (prompt=none). An account disabled there gets an error back,
  and the callback signs the person out: access ends at that refresh.
- Local accounts (demo users, break-glass administrators) are untouched: the
  refresh only applies to sessions this backend started.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.middleware import SessionRefresh as _SessionRefresh

from joinedup.ops.models import AgencyEmailDomain
from joinedup.ops.services import oidc_sign_in_record, oidc_sign_in_refuse
from joinedup.partnership.access import membership_for


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower() if "@" in email else ""


class SubjectBackend(OIDCAuthenticationBackend):  # type: ignore[misc]  # the library is untyped
    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        if not settings.OIDC_ENABLED:
            return None
        return super().authenticate(request, **kwargs)

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        # The subject is what identifies the person; email is checked against the agency later.
        return bool(claims.get("sub"))

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        subject = claims.get("sub") or ""
        users = self.UserModel.objects.filter(
            oidc_identity__issuer=settings.OIDC_OP_ISSUER, oidc_identity__subject=subject
        ).select_related("oidc_identity")
        if not users.exists():
            oidc_sign_in_refuse(subject=subject, reason="not_linked")
        return users

    def update_user(self, user: Any, claims: dict[str, Any]) -> Any:
        """Admit the linked user only if active, in an active agency, signing in from its domain."""
        subject = claims.get("sub") or ""
        membership = membership_for(user)
        if membership is None:
            oidc_sign_in_refuse(subject=subject, user=user, reason="no_active_membership")
            return None
        domain = email_domain(str(claims.get("email") or ""))
        allowed = AgencyEmailDomain.objects.filter(agency=membership.agency, domain=domain).exists()
        if not domain or not allowed:
            oidc_sign_in_refuse(subject=subject, user=user, reason="email_domain_not_allowed")
            return None
        oidc_sign_in_record(identity=user.oidc_identity)
        return user


class SessionRefresh(_SessionRefresh):  # type: ignore[misc]  # the library is untyped
    """Re-check OIDC sessions with the provider; htmx requests are told to reload the page.

    Reads the provider's settings on each request (it stands aside while OIDC
    is off). mozilla-django-oidc answers XMLHttpRequest with JSON; htmx's fetch
    would follow a redirect to the provider cross-origin and fail, so it gets
    an HX-Redirect to the page it was on, whose full load does the refresh.
    """

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        if not settings.OIDC_ENABLED:
            return None
        self.OIDC_OP_AUTHORIZATION_ENDPOINT = settings.OIDC_OP_AUTHORIZATION_ENDPOINT
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_SCOPES = settings.OIDC_RP_SCOPES
        if request.headers.get("HX-Request") and self.is_refreshable_url(request):
            if request.session.get("oidc_id_token_expiration", 0) <= time.time():
                reload = HttpResponse(status=200)
                reload["HX-Redirect"] = request.headers.get("HX-Current-URL") or "/"
                return reload
            return None
        response: HttpResponse | None = super().process_request(request)
        return response
