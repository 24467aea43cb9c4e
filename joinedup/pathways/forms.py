"""The forms of the screening and case pages: each says what to fix when it fails."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from joinedup.core.forms import DateField, GovukForm
from joinedup.partnership.models import Agency, AgencyType
from joinedup.pathways.definitions import EVENTS
from joinedup.referrals.models import Decision


class ScreenForm(GovukForm):
    decision = forms.ChoiceField(label="Decision", choices=Decision.choices, widget=forms.RadioSelect)
    reasons = forms.CharField(label="Reasons", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)


class MeetingForm(GovukForm):
    kind = forms.ChoiceField(label="Meeting", choices=())
    held_on = DateField(label="Date the meeting was held", past_only=False, help_text="For example, 27 3 2026")
    attendees = forms.CharField(
        label="Attendees, and their agencies", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    decisions = forms.CharField(
        label="Decisions (optional)", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000
    )
    actions = forms.CharField(
        label="Actions (optional)", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000
    )

    def __init__(self, *args: Any, kinds: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds or []

    def clean_held_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["held_on"]
        # London's date, not the server's: "today" is the day the partnership is living.
        if value > timezone.localdate():
            raise forms.ValidationError("The date the meeting was held must be today or in the past.")
        return value

    def held_at(self) -> dt.datetime:
        """Midday in London on the day it was held, or now for a meeting held this morning.

        A day is all the form asks for; the time only orders the timeline, and a
        meeting can never be recorded as held later than the moment it is recorded.
        """
        held = dt.datetime.combine(self.cleaned_data["held_on"], dt.time(12, 0), tzinfo=timezone.get_current_timezone())
        return min(held, timezone.now())


class MoveForm(GovukForm):
    to_stage = forms.ChoiceField(label="Move the case to", choices=())
    reason = forms.CharField(label="Why", max_length=300)

    def __init__(self, *args: Any, case: Any, definition: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].choices = [
            (t.target, f"{definition.stage(t.target).name} ({t.when})") for t in definition.next_stages(case.stage_id)
        ]


class EventForm(GovukForm):
    # No event is preselected: pressing the button without choosing must ask, never record the first one.
    event = forms.ChoiceField(
        label="Record that this happened",
        choices=[("", "Choose what happened"), *((k, v) for k, v in EVENTS.items())],
        error_messages={"required": "Choose what happened."},
    )


class HandoverForm(GovukForm):
    to_agency = forms.ModelChoiceField(label="Offer the case to", queryset=Agency.objects.none())
    reason = forms.CharField(
        label="Why (for example, the child has moved)", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args: Any, case: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The other area's children's social care: the agencies that can lead a case there.
        self.fields["to_agency"].queryset = Agency.objects.filter(
            partnership_id=case.area.partnership_id, agency_type=AgencyType.CHILDRENS_SOCIAL_CARE, is_active=True
        ).exclude(areas=case.area)


class KeyPeopleForm(GovukForm):
    key_people = forms.CharField(
        label="Key people",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Lead practitioner, chair and others, with their agency: one per line.",
    )


class HandoverDecisionForm(GovukForm):
    decision = forms.ChoiceField(
        label="Decision", choices=[("accept", "Accept the case"), ("decline", "Decline")], widget=forms.RadioSelect
    )
    reason = forms.CharField(label="Reasons", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class TakeTaskForm(GovukForm):
    task = forms.UUIDField()
