from __future__ import annotations

from django import forms

from joinedup.core.forms import GovukForm


class ActivateForm(GovukForm):
    upper_threshold = forms.FloatField(
        label="Join automatically at or above",
        help_text="A probability between 0 and 1. Pairs scoring this or more are joined without review "
        "(unless a conflict rule stops it).",
        error_messages={"invalid": "Enter the upper threshold as a number, such as 0.7."},
    )
    lower_threshold = forms.FloatField(
        label="Send for review at or above",
        help_text="Pairs scoring between the two thresholds go to the review queue; below it, nothing happens.",
        error_messages={"invalid": "Enter the lower threshold as a number, such as 0.5."},
    )


class SplitForm(GovukForm):
    reason = forms.CharField(
        label="Why are these records not the same child?",
        help_text="For example: different dates of birth confirmed with the school. This is kept with the split "
        "and no linkage run joins these records again.",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Say why these records are not the same child.",
            "max_length": "Keep the reason to 300 characters or fewer.",
        },
    )
    confirm = forms.BooleanField(
        label="I have checked: these records are not the same child",
        error_messages={"required": "Confirm that you have checked these records are not the same child."},
    )
