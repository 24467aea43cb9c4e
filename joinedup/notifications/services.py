"""Writes for notifications: send to users, mark read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from joinedup.notifications.models import Notification


def notify(*, users: Iterable[Any], kind: str, title: str, body: str = "", url: str = "") -> int:
    """One notification per distinct active user; returns how many were sent."""
    distinct = {u.pk: u for u in users if u is not None and u.is_active}
    Notification.objects.bulk_create(
        [Notification(user=u, kind=kind, title=title, body=body, url=url) for u in distinct.values()]
    )
    return len(distinct)


def notify_many(messages: list[dict[str, Any]]) -> int:
    """Many notifications at once: each a dict of user_id, kind, title, body and url."""
    from joinedup.core.bulk import insert_many

    return insert_many(Notification, messages)


@transaction.atomic
def notification_read(*, user: Any, notification: Notification) -> Notification:
    if notification.user_id != user.pk:
        raise PermissionError("Only its recipient marks a notification read.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


def notifications_all_read(*, user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now(), updated_at=timezone.now()
    )
