"""Writes for users' own settings: personal API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from joinedup.audit.services import audit_record
from joinedup.core.models import ApiToken

TOKEN_PREFIX = "ju_"  # noqa: S105 - a public prefix, not a secret


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: Any, name: str, expires_in_days: int | None) -> tuple[ApiToken, str]:
    """Create a token; returns it with the plaintext, which is never stored or shown again."""
    if not name.strip():
        raise ValidationError({"name": "Give the token a name, so you know what uses it."})
    if expires_in_days is not None and not 1 <= expires_in_days <= 365:
        raise ValidationError({"expires_in_days": "Choose between 1 and 365 days, or no expiry."})
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=actor,
        name=name.strip(),
        prefix=plaintext[:10],
        token_hash=token_hash(plaintext),
        expires_at=timezone.now() + dt.timedelta(days=expires_in_days) if expires_in_days else None,
    )
    token.full_clean()
    token.save()
    audit_record(
        actor=actor,
        event="api_token.created",
        obj=token,
        new={"name": token.name, "expires_at": token.expires_at.isoformat() if token.expires_at else None},
    )
    return token, plaintext


@transaction.atomic
def api_token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit_record(actor=actor, event="api_token.revoked", obj=token, detail={"name": token.name})
    return token


def api_token_authenticate(plaintext: str) -> Any:
    """The active user behind a live token, or None. Records when it was last used (at most each minute)."""
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(token_hash=token_hash(plaintext)).first()
    if token is None or token.revoked_at is not None:
        return None
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
