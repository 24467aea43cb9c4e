"""Writes for notifications: send to users, mark read.

Sending writes no audit event of its own: every caller sends from a service
that has audited the change the notification tells of (a record check asked
for, children joined across the boundary), and the notification adds nothing
about a child that the event does not hold. Callers send on commit, so a
change that is rolled back tells nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from joinedup.core.bulk import insert_many
from joinedup.notifications.models import Notification


def notify(*, users: Iterable[Any], kind: str, title: str, body: str = "", url: str = "") -> int:
    """One notification per distinct active user; returns how many were sent.

    A user reached twice (through their team and their agency) is told once; an account that
    has been deactivated (someone who has left) must not collect news about children.
    """
    distinct = {u.pk: u for u in users if u is not None and u.is_active}
    Notification.objects.bulk_create(
        [Notification(user=u, kind=kind, title=title, body=body, url=url) for u in distinct.values()]
    )
    return len(distinct)


def notify_many(messages: list[dict[str, Any]]) -> int:
    """Many notifications at once: each a dict of user_id, kind, title, body and url.

    For a linkage run, which may tell thousands of people at once: one statement per few
    thousand rows rather than one per notification (core.bulk).
    """
    return insert_many(Notification, messages)


@transaction.atomic
def notification_read(*, user: Any, notification: Notification) -> Notification:
    # The views reach it through notification_get_for_user already; the service holds the
    # rule itself, whoever calls it.
    if notification.user_id != user.pk:
        raise PermissionError("Only its recipient marks a notification read.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


def notifications_all_read(*, user: Any) -> int:
    """Mark every unread notification of the user read; returns how many.

    One UPDATE rather than a save per row, however many are unread: only read_at changes,
    so there is nothing for full_clean to check.
    """
    now = timezone.now()
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=now, updated_at=now)
