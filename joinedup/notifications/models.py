"""In-app notifications: a list per user, read or unread."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from joinedup.core.models import PublicModel


class Notification(PublicModel):
    """Something a user should know, with where to go about it.

    The text names a child only as the recipient's own agency's record names
    them, or by pseudonymous reference where it holds none, and says nothing
    of what a partner's record holds (at most which agencies hold one). The
    link leads to the page, where the access policy in force when it is
    opened decides what is shown: a notification may be read long after it
    was sent.
    """

    # A message to one person, not a record about a child: it goes with its recipient.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The menu's unread badge counts these on every page a signed-in user opens.
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return f"{self.title} ({self.user})"
