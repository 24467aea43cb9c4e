from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms

from joinedup.core.forms import GovukForm


class ActivateForm(GovukForm):
    upper_threshold = forms.FloatField(
        label="Join automatically at or above",
        help_text="A probability between 0 and 1. Pairs scoring this or more are joined without review "
        "(unless a conflict rule stops it).",
        error_messages={
            "required": "Enter the upper threshold, such as 0.7.",
            "invalid": "Enter the upper threshold as a number, such as 0.7.",
        },
    )
    lower_threshold = forms.FloatField(
        label="Send for review at or above",
        help_text="Pairs scoring between the two thresholds go to the review queue; below it, nothing happens.",
        error_messages={
            "required": "Enter the lower threshold, such as 0.5.",
            "invalid": "Enter the lower threshold as a number, such as 0.5.",
        },
    )
    worse_reason = forms.CharField(
        label="Why put it in use although it did worse",
        help_text="Only when this model did worse than the one in use on pairs whose truth is known. "
        "Kept in the audit trail.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    # The service checks the range too (linkage_model_activate); checking it here as well says
    # what is wrong with each threshold at once, not one only after the other is put right.
    def clean_upper_threshold(self) -> float:
        upper: float = self.cleaned_data["upper_threshold"]
        if not 0 < upper < 1:
            raise forms.ValidationError("Enter the upper threshold as a probability between 0 and 1, such as 0.7.")
        return upper

    def clean_lower_threshold(self) -> float:
        lower: float = self.cleaned_data["lower_threshold"]
        if not 0 < lower < 1:
            raise forms.ValidationError("Enter the lower threshold as a probability between 0 and 1, such as 0.5.")
        return lower


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


BETWEEN = "between"  # the queue filter's value for pairs with no reason but their score


class QueueFilterForm(forms.Form):
    """The review queue's filter: waiting, escalated or decided pairs, and why a pair was not joined."""

    show = forms.ChoiceField(
        label="Show",
        choices=[
            ("waiting", "Waiting for a decision"),
            ("escalated", "Escalated as unsure"),
            ("decided", "Decided (to look at again or reopen)"),
        ],
        required=False,
    )
    why = forms.ChoiceField(label="Why not joined automatically", required=False)

    def __init__(self, *args: Any, reasons: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["why"].choices = [
            ("", "Any reason"),
            (BETWEEN, "Score between the thresholds"),
            *[(r, r) for r in reasons if r],
        ]


class PairsField(forms.MultipleChoiceField):
    """The ids of the pairs ticked: any well-formed ids (the view looks each up through access)."""

    def valid_value(self, value: str) -> bool:
        try:
            UUID(str(value))
        except ValueError:
            return False
        return True


class BulkDecisionForm(GovukForm):
    """One decision, with one reason, for several pairs ticked on the queue."""

    pairs = PairsField(
        label="Pairs",
        error_messages={
            "required": "Select the pairs to decide: tick them in the list.",
            "invalid_choice": "Select pairs from the list.",
        },
    )
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("same", "Same child"), ("not_same", "Not the same child")],
        error_messages={
            "required": "Choose same child or not the same child.",
            "invalid_choice": "Choose same child or not the same child.",
        },  # fmt: skip
    )
    reason = forms.CharField(
        label="Why, for every pair selected",
        help_text="For example: same NHS number and date of birth on both; or: twins, different given names. "
        "It is kept with each decision.",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "Say why the selected pairs are, or are not, the same child.",
            "max_length": "Keep the reason to 300 characters or fewer.",
        },
    )

    def clean_pairs(self) -> list[UUID]:
        return [UUID(v) for v in self.cleaned_data["pairs"]]


class ReopenForm(GovukForm):
    reason = forms.CharField(
        label="Why should this pair be decided again?",
        help_text="For example: the school has confirmed a new date of birth.",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "Say why this pair should be decided again.",
            "max_length": "Keep the reason to 300 characters or fewer.",
        },
    )


class SplitPartForm(GovukForm):
    """Which of a joined child's records are a different child."""

    records = forms.MultipleChoiceField(
        label="Which records are a different child?",
        help_text="Select each record that belongs to another child. They become a new child together; "
        "the rest stay with this one.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Select the records that are a different child.",
            "invalid_choice": "Select records from the list: the one you chose is no longer with this child.",
        },
    )
    reason = SplitForm.base_fields["reason"]
    confirm = SplitForm.base_fields["confirm"]

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["records"].choices = choices

    def clean_records(self) -> list[str]:
        chosen = self.cleaned_data["records"]
        if len(chosen) >= len(self.fields["records"].choices):
            raise forms.ValidationError(
                "Leave at least one record with this child. To send every record back, split the whole join."
            )
        return chosen


class CheckConfirmForm(GovukForm):
    """Confirming a join whose records disagree: one child, and which holder should check."""

    asks = forms.MultipleChoiceField(
        label="Which agency should check its record?",
        help_text="Each agency chosen is told, with a link to the child, and asked to check the detail.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose the agency whose record should be checked."},
    )
    note = forms.CharField(
        label="Why are you sure this is one child?",
        help_text="For example: same NHS number and school; the date of birth on one record is a typing slip.",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Say why you are sure these records are one child.",
            "max_length": "Keep the note to 300 characters or fewer.",
        },
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["asks"].choices = choices
