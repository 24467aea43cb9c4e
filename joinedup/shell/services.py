"""The shell's writes: a user's own API tokens (created and revoked from the tokens page).

The token model and its authentication live in core, which every app's API uses;
creating and revoking write audit events, and core sits below audit, so these
two services live here.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from joinedup.audit.services import audit_record
from joinedup.core.models import ApiToken
from joinedup.core.services import TOKEN_PREFIX, token_hash


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
