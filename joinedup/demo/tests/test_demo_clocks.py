"""16.10: the demo's clocks look like a partnership's: most met, some late by days or weeks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from joinedup.demo.services import demo_seed
from joinedup.pathways.models import Task


def test_demo_clocks_are_mostly_met_and_never_months_overdue(db: Any) -> None:
    demo_seed(children=600, seed=3, today=dt.date(2026, 11, 26))
    now = timezone.now()
    running = list(Task.objects.filter(completed_at__isnull=True, cancelled_at__isnull=True, case__status="open"))
    assert running
    overdue = [t for t in running if t.due_at < now]
    assert max((now - t.due_at for t in overdue), default=dt.timedelta(0)) <= dt.timedelta(weeks=6)
    assert overdue, "a real list has something late"
    assert len(overdue) <= 0.35 * len(running)
    done = list(Task.objects.filter(completed_at__isnull=False))
    on_time = [t for t in done if t.completed_at <= t.due_at]
    assert 0.6 * len(done) <= len(on_time) < len(done)
