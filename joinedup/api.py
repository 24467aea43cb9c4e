"""The JSON API under /api/v1, assembled from each app's router; OpenAPI docs at /api/docs.

One error envelope for every failure: {"error": {"code", "message", "fields"}}.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from joinedup.children.api import router as children_router
from joinedup.core.api import TokenAuth, envelope
from joinedup.governance.api import router as governance_router
from joinedup.linkage.api import router as linkage_router
from joinedup.referrals.api import router as referrals_router
from joinedup.shell.api_docs import AccessibleDocs

api = NinjaAPI(
    title="Joined Up API",
    version="1",
    description="Children, agency records, sharing agreements and the audit trail, under the same access "
    "policy as the pages. Authenticate with a personal API token: `Authorization: Bearer <token>`.",
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/v1/openapi.json",
    docs=AccessibleDocs(),
)
api.add_router("/v1", children_router)
api.add_router("/v1", governance_router)
api.add_router("/v1", referrals_router)
api.add_router("/v1", linkage_router)


def _fields_from_ninja(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        loc = [str(p) for p in error.get("loc", []) if p not in ("body", "payload", "query", "path")]
        fields.setdefault(".".join(loc) or "request", []).append(error.get("msg", "Invalid value."))
    return fields


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return api.create_response(
        request, envelope("invalid", "Some values are not valid.", _fields_from_ninja(exc.errors)), status=422
    )


@api.exception_handler(ValidationError)
def _domain_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"request": exc.messages}
    return api.create_response(request, envelope("invalid", "Some values are not valid.", fields), status=422)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        envelope("unauthenticated", "Send a valid, unexpired API token as 'Authorization: Bearer <token>'."),
        status=401,
    )


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, envelope("forbidden", str(exc) or "Your role does not allow this."), status=403)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, envelope("not_found", "Not found, or not yours to see."), status=404)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, envelope("error", str(exc)), status=exc.status_code)
