"""Base models shared by every app."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models


class PublicModel(models.Model):
    """A row with a public UUID and timestamps.

    Sequential primary keys never leave the database: URLs, the API and exports
    use `uuid` so that ids cannot be enumerated.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class User(AbstractUser):
    """A person who signs in. What they may do comes from their Membership."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    def __str__(self) -> str:
        return self.get_full_name() or self.username
