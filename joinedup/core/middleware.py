"""Keep the API's one error envelope for the few errors Django or ninja answer themselves."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

_MESSAGES = {
    404: ("not_found", "No such endpoint. See /api/docs."),
    405: ("method_not_allowed", "This endpoint does not accept that method. See /api/docs."),
}


class ApiErrorEnvelopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/v1/") and _has_nul(request):
            # Databases refuse NUL characters in text; say so instead of failing later.
            body = json.dumps(
                {
                    "error": {
                        "code": "invalid",
                        "message": "Remove the NUL (\\u0000) characters from the request.",
                        "fields": {},
                    }
                }
            )
            return HttpResponse(body, status=422, content_type="application/json")
        response = self.get_response(request)
        if (
            request.path.startswith("/api/v1/")
            and response.status_code in _MESSAGES
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            code, message = _MESSAGES[response.status_code]
            body = json.dumps({"error": {"code": code, "message": message, "fields": {}}})
            replacement = HttpResponse(body, status=response.status_code, content_type="application/json")
            if response.has_header("Allow"):
                replacement["Allow"] = response["Allow"]
            return replacement
        return response


def _has_nul(request: HttpRequest) -> bool:
    query = request.META.get("QUERY_STRING", "")
    if "%00" in query or "\x00" in query:
        return True
    if request.method in {"POST", "PUT", "PATCH"}:
        body = request.body
        # JSON can only carry NUL escaped as \u0000.
        return b"\\u0000" in body or b"\x00" in body
    return False
