"""A child's multi-agency chronology: one timeline from every source the user may see.

Each source reads one kind of event and is given the ChildAccess the policy
already granted, so it shows only what that user may see:

- records and police intelligence: the user's own agency's records, and partners'
  records shared with them (know-of records add nothing: their existence is
  already shown, their history is not);
- referrals and screening decisions: referrals the user may read
  (`referrals_visible_to`);
- pathway stages, meetings and handovers: cases the user may open in full;
- significant events: the user's own agency's, and a partner's where an
  agreement shares the category of that agency's records (or break-glass);
- the child's own words, as participation's rules allow (consent and
  agreements), from contributions and from the referrals that carried them;
- joins and splits of this child's records, without naming hidden records.

Every source runs a fixed number of queries however many events it returns, so
the page's cost does not grow with a child's history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import prefetch_related_objects
from django.utils import timezone

from joinedup.children.models import RECORD_TYPE_CATEGORY
from joinedup.chronology.access import significant_events_visible
from joinedup.chronology.models import EventKind
from joinedup.core.text import quoted
from joinedup.linkage.access import joins_of_opened_child
from joinedup.linkage.models import JoinKind
from joinedup.participation.access import (
    contributions_of_opened_child,
    contributions_readable,
    referral_words_readable,
)
from joinedup.pathways.access import case_access_levels, cases_of_opened_child_read
from joinedup.pathways.models import Handover, Meeting
from joinedup.referrals.access import referrals_of_opened_child
from joinedup.referrals.models import Decision

KINDS: dict[str, str] = {
    "record": "Agency record",
    "intelligence": "Police intelligence",
    "referral": "Referral",
    "screening": "Screening decision",
    "pathway": "Pathway stage",
    "meeting": "Meeting",
    "handover": "Handover",
    "join": "Records joined or split",
    "words": "In their own words",
    "event": "Significant event",
}


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class Entry:
    """One line of the chronology. `when` is a datetime; `date_only` events happened on a day."""

    when: dt.datetime
    kind: str
    title: str
    summary: str
    agency: str
    date_only: bool = False
    url: str = ""
    # The partner's record a young person's words crossed by (a SharedRecord), for the disclosure log.
    via: Any = None

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def local(self) -> dt.datetime:
        return timezone.localtime(self.when)

    @property
    def when_iso(self) -> str:
        return self.local.isoformat()

    @property
    def when_text(self) -> str:
        """'3 November 2026' for a day, '3 November 2026, 14:05' for a moment. Formatted here
        rather than by the template's date filter, which costs most of a long chronology's page."""
        local = self.local
        day = f"{local.day} {_MONTHS[local.month - 1]} {local.year}"
        return day if self.date_only else f"{day}, {local:%H:%M}"

    @property
    def sort_key(self) -> tuple[dt.datetime, str]:
        return (self.when, self.title)


Source = Callable[[Any, Any], list[Entry]]


def _day(date: dt.date) -> dt.datetime:
    """A date as the start of that day in London, so it sorts among timed events."""
    # zoneinfo zones resolve the offset from the wall time itself: no make_aware needed,
    # which matters for a child with hundreds of dated events.
    return dt.datetime.combine(date, dt.time.min, tzinfo=timezone.get_current_timezone())


def records_source(user: Any, access: Any) -> list[Entry]:
    entries = []
    for record in access.all_records:
        entries.append(
            Entry(
                when=record.created_at,
                kind="record",
                title=f"{record.record_type_label} record opened",
                summary=f"Reference {record.local_id}" if record in access.own_records else "",
                agency=record.agency.name,
            )
        )
        if record.updated_at - record.created_at > dt.timedelta(minutes=1):
            entries.append(
                Entry(
                    when=record.updated_at,
                    kind="record",
                    title=f"{record.record_type_label} record last changed",
                    summary="",
                    agency=record.agency.name,
                )
            )
    return entries


def intelligence_source(user: Any, access: Any) -> list[Entry]:
    items = [(item, record) for record in access.own_records for item in record.intelligence.all()]
    items += [(item, shared.record) for shared in access.shared for item in shared.intelligence]
    return [
        Entry(
            when=item.recorded_at,
            kind="intelligence",
            title=f"Intelligence recorded (graded {item.source_grade}{item.information_grade}{item.handling_code})",
            summary=item.summary,
            agency=record.agency.name,
        )
        for item, record in items
    ]


def _child_referrals(user: Any, access: Any) -> list[Any]:
    """The opened child's referrals the user may read (`referrals_visible_to`), by decision due,
    then created (the model's order), a missing due date last and the id breaking ties, on
    SQLite as on PostgreSQL. Of the child's referrals read once for the request
    (`referrals_of_opened_child`), which mark each with referrals_visible_to's rule."""
    visible = [r for r in referrals_of_opened_child(user, access) if r.visible_to_user]  # type: ignore[attr-defined]
    return sorted(
        visible, key=lambda r: (r.decision_due_at is None, r.decision_due_at or r.created_at, r.created_at, r.pk)
    )


def referrals_source(user: Any, access: Any) -> list[Entry]:
    from django.urls import reverse

    entries = []
    for referral in _child_referrals(user, access):
        when = referral.received_at or referral.created_at
        entries.append(
            Entry(
                when=when,
                kind="referral",
                title="Referral received",
                summary=referral.indicators[:300],
                agency=referral.referring_agency.name,
                url=reverse("referrals:detail", args=[referral.uuid]),
            )
        )
        if referral.screened_at and referral.decision:
            entries.append(
                Entry(
                    when=referral.screened_at,
                    kind="screening",
                    title=f"Screened: {Decision(referral.decision).label}",
                    summary=referral.decision_reasons[:300],
                    agency=f"Front door, {referral.home_area.name}" if referral.home_area else "Front door",
                )
            )
    return entries


def cases_source(user: Any, access: Any) -> list[Entry]:
    from django.urls import reverse

    # The opened child's cases are those cases_visible_to gives of them (cases_of_opened_child).
    child_cases = cases_of_opened_child_read(access)
    levels = case_access_levels(user=user, cases=child_cases)
    cases = [case for case in child_cases if levels[case.pk] == "full"]
    if not cases:
        return []
    # Events only of the cases shown in full, in one query.
    prefetch_related_objects(cases, "events")
    by_id = {case.pk: case for case in cases}
    entries = []
    for case in cases:
        for event in case.events.all():
            entries.append(
                Entry(
                    when=event.occurred_at,
                    kind="pathway",
                    title=event.summary,
                    summary=case.pathway.title,
                    agency=case.lead_agency.name,
                    url=reverse("pathways:case", args=[case.uuid]),
                )
            )
    for meeting in Meeting.objects.filter(case__in=cases):  # access: cases the user may open in full
        case = by_id[meeting.case_id]
        entries.append(
            Entry(
                when=meeting.held_at,
                kind="meeting",
                title=meeting.name,
                summary=meeting.decisions[:300],
                agency=case.lead_agency.name,
                url=reverse("pathways:case", args=[case.uuid]),
            )
        )
    handovers = Handover.objects.filter(case__in=cases)  # access: cases the user may open in full
    for handover in handovers.select_related("from_area", "to_area", "to_agency"):
        entries.append(
            Entry(
                when=handover.created_at,
                kind="handover",
                title=f"Handover offered from {handover.from_area.name} to {handover.to_area.name}",
                summary=f"{handover.to_agency.name}: {handover.get_status_display().lower()}",
                agency=by_id[handover.case_id].lead_agency.name,
            )
        )
    return entries


def joins_source(user: Any, access: Any) -> list[Entry]:
    return [
        Entry(
            when=join.created_at,
            kind="join",
            title="Records split apart" if join.kind == JoinKind.UNMERGE else "Records joined as one child",
            summary=f"{len(join.moves)} record{'s' if len(join.moves) != 1 else ''} moved. {join.reason}".strip(),
            agency="Joining the dots",
        )
        # The child's own joins and splits (not splits of another child that sent records here).
        for join in joins_of_opened_child(access)
        if join.target_id == access.child.pk
    ]


def events_source(user: Any, access: Any) -> list[Entry]:
    labels = dict(EventKind.choices)
    # Plain rows rather than model instances: a child's history may run to hundreds of events.
    rows = significant_events_visible(access=access).values_list(
        "occurred_on", "kind", "summary", "source", "agency__name"
    )
    return [
        Entry(
            when=_day(occurred_on),
            date_only=True,
            kind="event",
            title=str(labels.get(kind, kind)),
            summary=f"{summary} (Source: {source})",
            agency=agency,
        )
        for occurred_on, kind, summary, source, agency in rows
    ]


def words_source(user: Any, access: Any) -> list[Entry]:
    """The child's own words: contributions and the words a referral carried, as participation's
    rules allow (consent and agreements; withdrawn words never)."""
    contributions = contributions_of_opened_child(access)
    entries = [
        Entry(
            when=_day(shown.item.heard_on),
            date_only=True,
            kind="words",
            title="The child said",
            summary=quoted(shown.item.words, 400),
            agency=shown.holder.name,
            via=shown.via,
        )
        for shown in contributions_readable(access=access, contributions=contributions)
    ]
    # Every submitted referral of the child that carried words, as the child page's voices
    # section reads them: whether the words show is participation's rule (the referrer's own
    # plan, crossing by the agreements), not whether the user may open the referral itself.
    referrals = [referral for referral in referrals_of_opened_child(user, access) if referral.child_says != ""]
    for shown in referral_words_readable(access=access, referrals=referrals):
        entries.append(
            Entry(
                when=shown.item.received_at or shown.item.created_at,
                kind="words",
                title="The child said (in a referral)",
                summary=quoted(shown.item.child_says, 400),
                agency=shown.holder.name,
                via=shown.via,
            )
        )
    return entries


SOURCES: list[Source] = [
    records_source,
    intelligence_source,
    referrals_source,
    cases_source,
    joins_source,
    words_source,
    events_source,
]


def register_source(source: Source) -> None:
    """For capabilities added later (contexts: missing episodes, return interviews)."""
    if source not in SOURCES:
        SOURCES.append(source)


def category_for(agency: Any) -> str:
    """The data category an agency's events are shared under: that of its records."""
    return RECORD_TYPE_CATEGORY.get(agency.agency_type, "social_care")
