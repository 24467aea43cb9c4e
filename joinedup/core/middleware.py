"""Request and response rules every page and endpoint shares.

- The API keeps its one error envelope for the few errors Django or ninja answer themselves.
- Nothing personal is kept in a browser's or a proxy's cache.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control

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


class NoStoreMiddleware:
    """Signed-in pages and every API response carry personal data: never cache them.

    Static files are served before this by WhiteNoise; the public pages for young
    people (signed out) may still be cached by the browser.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response
