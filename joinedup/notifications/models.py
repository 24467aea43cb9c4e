"""In-app notifications: a list per user, read or unread."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from joinedup.core.models import PublicModel


class Notification(PublicModel):
    """Something a user should know, with where to go about it.

    The text says what happened without personal details (no names): the
    link leads to the page, where the access policy decides what is shown.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return f"{self.title} ({self.user})"
