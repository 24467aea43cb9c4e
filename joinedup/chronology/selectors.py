"""Reads for the child seen whole: the chronology of one child for one user, filtered."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from joinedup.audit.services import audit_record
from joinedup.children.models import Channel
from joinedup.children.selectors import ChildView, child_view
from joinedup.children.services import disclosures_record
from joinedup.chronology.sources import SOURCES, Entry


@dataclass
class ChronologyFilter:
    agency: str = ""
    kinds: list[str] = field(default_factory=list)
    start: dt.date | None = None
    end: dt.date | None = None
    oldest_first: bool = False

    def keeps(self, entry: Entry) -> bool:
        day = timezone.localtime(entry.when).date()
        return (
            (not self.agency or entry.agency == self.agency)
            and (not self.kinds or entry.kind in self.kinds)
            and (self.start is None or day >= self.start)
            and (self.end is None or day <= self.end)
        )


def chronology_entries(*, user: Any, access: Any) -> list[Entry]:
    """Every entry this user may see, newest first (no filter, no audit: the caller audits)."""
    entries = [entry for source in SOURCES for entry in source(user, access)]
    return sorted(entries, key=lambda e: e.sort_key, reverse=True)


@dataclass
class Chronology:
    view: ChildView
    entries: list[Entry]
    agencies: list[str]
    total: int


def chronology_for(*, user: Any, child_uuid: Any, purpose: str, filters: ChronologyFilter, channel: str) -> Chronology:
    """Open the child for `purpose` (404 if not allowed; the view and its disclosures are audited
    as the child page is) and build the filtered chronology, recording that it was read."""
    with transaction.atomic():
        view = child_view(user=user, child_uuid=child_uuid, purpose=purpose, channel=channel)
        everything = chronology_entries(user=user, access=view.access)
        kept = [e for e in everything if filters.keeps(e)]
        if filters.oldest_first:
            kept.reverse()
        # A young person's words that crossed from a partner are disclosures, as on the child page.
        crossings = {e.via.record.pk: e.via for e in kept if e.via is not None}
        if crossings:
            disclosures_record(
                user=user,
                child=view.child,
                items=[(v.record, [v.record.record_type], v.grant) for v in crossings.values()],
                purpose=purpose,
                channel=Channel.EXPORT if channel == "export" else Channel.PAGE,
            )
        audit_record(
            actor=user,
            event="chronology.exported" if channel == "export" else "chronology.viewed",
            obj=view.child,
            child_uuid=view.child.uuid,
            purpose=purpose,
            detail={
                "entries": len(kept),
                "agency": filters.agency,
                "kinds": filters.kinds,
                "from": filters.start.isoformat() if filters.start else None,
                "to": filters.end.isoformat() if filters.end else None,
            },
        )
    return Chronology(view=view, entries=kept, agencies=sorted({e.agency for e in everything}), total=len(everything))
