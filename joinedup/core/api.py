"""Shared pieces of the JSON API: token authentication, the error envelope, pagination."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Schema
from ninja.security import HttpBearer

from joinedup.core.services import api_token_authenticate


class TokenAuth(HttpBearer):
    """Personal API tokens (`Authorization: Bearer ju_...`); the user then meets the same access policy."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorEnvelope(Schema):
    error: ErrorDetail


def envelope(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


# Every endpoint documents the same error shapes.
ERRORS: dict[int, type[Schema]] = {
    400: ErrorEnvelope,
    401: ErrorEnvelope,
    403: ErrorEnvelope,
    404: ErrorEnvelope,
    422: ErrorEnvelope,
}


class Page(Schema):
    count: int
    limit: int
    offset: int


MAX_OFFSET = 1_000_000_000


def clamp_page(limit: int, offset: int) -> tuple[int, int]:
    """Page sizes of 1 to 100; offsets the database can hold (past the end gives an empty page)."""
    return max(1, min(limit, 100)), max(0, min(offset, MAX_OFFSET))
