"""Reads for notifications: a user sees only their own."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from joinedup.notifications.models import Notification


def notifications_for(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def unread_count(user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_get_for_user(*, user: Any, notification_uuid: Any) -> Notification:
    """The user's own notification; another user's answers 404 as a missing one does, so a
    guessed id says nothing about whether it exists."""
    try:
        return notifications_for(user).get(uuid=notification_uuid)
    except Notification.DoesNotExist as exc:
        raise Http404 from exc
