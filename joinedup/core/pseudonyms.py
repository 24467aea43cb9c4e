"""Stable pseudonyms for analysts: a keyed hash, so they cannot be reversed without the key."""

from __future__ import annotations

import hashlib
import hmac
from uuid import UUID

from django.conf import settings


def pseudonym_for(value: UUID | str) -> str:
    digest = hmac.new(settings.PSEUDONYM_KEY.encode(), str(value).encode(), hashlib.sha256).hexdigest()
    return f"P-{digest[:12].upper()}"
