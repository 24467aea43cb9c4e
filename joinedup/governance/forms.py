"""Forms for the data protection officer's pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from joinedup.children.models import ReviewStatus
from joinedup.core.forms import DateField, GovukForm
from joinedup.governance.models import ExemptionOutcome, RetentionOutcome
from joinedup.governance.subject_access import subject_access_query
from joinedup.partnership.models import Agency, AgreementStatus, LawfulBasis
from joinedup.partnership.roles import DataCategory, Purpose


class AgreementForm(GovukForm):
    title = forms.CharField(label="Title", max_length=200)
    reference = forms.CharField(label="Reference", max_length=60, help_text="As in the partnership's register")
    parties = forms.ModelMultipleChoiceField(
        label="Parties", queryset=Agency.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    purposes = forms.MultipleChoiceField(
        label="Purposes sharing is allowed for", choices=Purpose.choices, widget=forms.CheckboxSelectMultiple
    )
    know_of_only = forms.BooleanField(
        label="Know-of only: parties learn which agencies hold records, never their content",
        required=False,
    )
    categories = forms.MultipleChoiceField(
        label="Data categories shared",
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Leave empty for a know-of only agreement.",
    )
    accepts_conditional_intelligence = forms.BooleanField(
        label="Police intelligence with handling code C may be shown, with its conditions", required=False
    )
    redact_third_parties = forms.BooleanField(
        label="Redact third parties' names in subject access exports", required=False, initial=True
    )
    lawful_basis = forms.ChoiceField(label="Lawful basis", choices=LawfulBasis.choices, widget=forms.RadioSelect)
    dpia_reference = forms.CharField(label="DPIA reference", max_length=60)
    start_date = DateField(label="Start date", past_only=False)
    review_date = DateField(label="Review date", past_only=False)
    end_date = DateField(label="End date (optional)", past_only=False, required=False)
    status = forms.ChoiceField(label="Status", choices=AgreementStatus.choices, widget=forms.RadioSelect)

    def __init__(self, *args: Any, partnership: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parties"].queryset = Agency.objects.filter(partnership=partnership, is_active=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start_date") is None and "start_date" not in self.errors:
            self.add_error("start_date", "Enter the date the agreement starts.")
        if data.get("review_date") is None and "review_date" not in self.errors:
            self.add_error("review_date", "Enter the date the agreement is next reviewed.")
        return data

    def agreement_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "parties"}

    @staticmethod
    def initial_from(agreement: Any) -> dict[str, Any]:
        initial = {
            name: getattr(agreement, name)
            for name in (
                "title",
                "reference",
                "purposes",
                "categories",
                "lawful_basis",
                "dpia_reference",
                "start_date",
                "review_date",
                "end_date",
                "status",
            )
        }
        initial["parties"] = [p.pk for p in agreement.parties.all()]
        for name in ("know_of_only", "accepts_conditional_intelligence", "redact_third_parties"):
            initial[name] = getattr(agreement, name)
        return initial


class AgreementReviewForm(GovukForm):
    next_review = DateField(label="Next review date", past_only=False)
    note = forms.CharField(label="Review notes", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def clean_next_review(self) -> dt.date:
        value = self.cleaned_data.get("next_review")
        if value is None:
            raise ValidationError("Enter the next review date.")
        return value


class BreakGlassReviewForm(GovukForm):
    review_status = forms.ChoiceField(
        label="Decision",
        choices=[(ReviewStatus.JUSTIFIED, "Justified"), (ReviewStatus.REFERRED, "Refer for follow-up")],
        widget=forms.RadioSelect,
    )
    review_note = forms.CharField(
        label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    end_now = forms.BooleanField(
        label="End this emergency access now",
        required=False,
        help_text="The user loses sight of the partners' records at once, and is told.",
    )


class AuditFilterForm(GovukForm):
    user = forms.CharField(label="User name", required=False, max_length=150)
    child = forms.UUIDField(label="Child ID", required=False)
    agency = forms.ModelChoiceField(label="Agency", queryset=Agency.objects.none(), required=False)
    event = forms.CharField(label="Event type", required=False, max_length=80, help_text="For example child.viewed")
    date_from = DateField(label="From", required=False)
    date_to = DateField(label="To", required=False)

    def __init__(self, *args: Any, partnership: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(partnership=partnership)
        self.fields["agency"].empty_label = "Any agency"


class DisclosureFilterForm(GovukForm):
    child = forms.UUIDField(
        label="Child ID",
        required=False,
        help_text="Or choose a child's name in the log to see only their disclosures.",
        error_messages={"invalid": "Enter a child ID in the form shown on the child's page, or leave it empty."},
    )
    agency = forms.ModelChoiceField(
        label="Agency (holding or receiving)", queryset=Agency.objects.none(), required=False
    )
    category = forms.ChoiceField(
        label="Category",
        required=False,
        choices=[("", "Any category"), *DataCategory.choices, ("know_of", "Know-of (existence only)")],
    )
    date_from = DateField(label="From", required=False)
    date_to = DateField(label="To", required=False)

    def __init__(self, *args: Any, partnership: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(partnership=partnership)
        self.fields["agency"].empty_label = "Any agency"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "To must be the same as or after From.")
        return data


class RetentionDecisionForm(GovukForm):
    outcome = forms.ChoiceField(label="Decision", choices=RetentionOutcome.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    retain_until = DateField(label="Review again on (when retaining)", past_only=False, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("outcome") == RetentionOutcome.RETAIN and not data.get("retain_until"):
            self.add_error("retain_until", "Enter when the record should be reviewed again.")
        return data


class SubjectAccessForm(GovukForm):
    q = forms.CharField(
        label="NHS number or child ID",
        max_length=60,
        help_text="An NHS number is 10 digits. A child ID is in the address of the child's page, "
        "for example 6f1c2a90-5e7b-4d3a-9c1e-2b8f0d4a7e11.",
        error_messages={"required": "Enter the child's NHS number or child ID."},
    )

    def clean_q(self) -> str:
        value: str = self.cleaned_data["q"]
        if not subject_access_query(value)[0]:
            # Names are not searched: a subject is found by an identifier the requester gave, never a guess.
            raise ValidationError(
                "Enter an NHS number (10 digits) or a child ID: names and other text are not searched. "
                "Ask the requester for the NHS number if they have not given it."
            )
        return value


class ExemptionDecisionForm(GovukForm):
    """The DPO's decision on one possibly exempt item; prefixed with the item's id, one per item on the page."""

    outcome = forms.ChoiceField(
        label="Decision", choices=ExemptionOutcome.choices, widget=forms.RadioSelect, required=True
    )
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="For example: no risk identified in disclosing; or the exemption that applies and why.",
    )
