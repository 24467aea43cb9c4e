"""Forms for the child seen whole."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from joinedup.chronology.models import CheckField, EventKind
from joinedup.chronology.sources import KINDS
from joinedup.core.forms import DateField, GovukForm


class ChronologyFilterForm(GovukForm):
    """What to show: an agency, kinds of event, a period, and which way round."""

    # Offered as a list of the agencies in this child's chronology (set once it is built);
    # any other text simply matches nothing.
    agency = forms.CharField(label="Agency", required=False, max_length=200, widget=forms.Select)
    kind = forms.MultipleChoiceField(
        label="Kinds of event", required=False, choices=list(KINDS.items()), widget=forms.CheckboxSelectMultiple
    )
    start = DateField(label="From", required=False)
    end = DateField(label="To", required=False)
    order = forms.ChoiceField(
        label="Order",
        required=False,
        choices=[("newest", "Newest first"), ("oldest", "Oldest first")],
        widget=forms.RadioSelect,
        initial="newest",
    )

    def offer_agencies(self, agencies: list[str]) -> None:
        choices = [("", "All agencies"), *((a, a) for a in agencies)]
        # The GOV.UK field template reads the field's choices; the widget draws them.
        self.fields["agency"].choices = choices  # type: ignore[attr-defined]
        self.fields["agency"].widget.choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise ValidationError({"end": "The 'to' date must be the same as or after the 'from' date."})
        return data


class SignificantEventForm(GovukForm):
    kind = forms.ChoiceField(label="What happened", choices=EventKind.choices, widget=forms.RadioSelect)
    occurred_on = DateField(label="Date it happened", help_text="For example, 27 3 2025. It may be in the past.")
    summary = forms.CharField(
        label="What happened, in a few sentences", max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    source = forms.CharField(
        label="Source",
        max_length=200,
        help_text="Where this is recorded, or who told you (for example, a return interview).",
    )


class RecordCheckForm(GovukForm):
    to_agency = forms.UUIDField(widget=forms.HiddenInput)
    field = forms.ChoiceField(choices=CheckField.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        label="Note for the agency (optional)",
        required=False,
        max_length=1000,
        error_messages={"max_length": "Keep the note to 1,000 characters or fewer."},
    )


class RecordCheckAnswerForm(GovukForm):
    note = forms.CharField(
        label="What you found (optional)",
        required=False,
        max_length=1000,
        error_messages={"max_length": "Keep what you found to 1,000 characters or fewer."},
    )


class MacePackForm(GovukForm):
    """The meeting a MACE pack is prepared for: its title and date go on the cover and in the file's name."""

    title = forms.CharField(
        label="Meeting title",
        max_length=120,
        help_text="As the panel's papers name it, for example: City and County MACE panel.",
        error_messages={"required": "Enter the meeting's title."},
    )
    meeting_date = DateField(
        label="Meeting date",
        past_only=False,
        help_text="For example, 14 1 2027. Today or a date to come, within a year.",
        error_messages={"required": "Enter the date of the meeting."},
    )

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not any(ch.isalnum() for ch in title):
            raise ValidationError("Enter the meeting's title in words.")
        return title

    def clean_meeting_date(self) -> dt.date:
        day: dt.date = self.cleaned_data["meeting_date"]
        today = timezone.localdate()
        # A pack is prepared for a meeting still to come; a year ahead is as far as any panel plans.
        if day < today:
            raise ValidationError("Meeting date must be today or in the future.")
        if day > today + dt.timedelta(days=366):
            raise ValidationError("Meeting date must be within a year from today.")
        return day

    def params(self) -> dict[str, str]:
        """The job's params: JSON, so the date as ISO text."""
        return {"title": self.cleaned_data["title"], "meeting_date": self.cleaned_data["meeting_date"].isoformat()}
