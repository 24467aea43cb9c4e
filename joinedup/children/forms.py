"""Forms for finding children and keeping agency records."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from joinedup.children.models import (
    AgencyRecord,
    BreakGlassReason,
    HandlingCode,
    InformationGrade,
    Sex,
    SourceGrade,
)
from joinedup.core.forms import DateField, GovukForm
from joinedup.core.validators import normalise_nhs_number, normalise_postcode, normalise_upn


class ChildSearchForm(GovukForm):
    q = forms.CharField(
        label="Name, NHS number or an agency's reference",
        required=False,
        max_length=200,
        help_text="For example: Jordan Smith, 943 476 5919, or a case number.",
    )
    date_of_birth = DateField(label="Date of birth", required=False, help_text="For example, 27 3 2011")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not (data.get("q") or "").strip() and not data.get("date_of_birth"):
            raise ValidationError("Enter a name, NHS number, reference or date of birth to search for.")
        return data


class AgencyRecordForm(GovukForm):
    """The fields a practitioner keeps on their agency's record of a child."""

    local_id = forms.CharField(
        label="Your agency's reference", max_length=60, help_text="The case or record number in your own system."
    )
    given_names = forms.CharField(label="Given names", max_length=120)
    family_name = forms.CharField(label="Family name", max_length=120)
    other_names = forms.CharField(
        label="Other names or aliases (optional)",
        max_length=300,
        required=False,
        help_text="Nicknames, previous surnames, names used online. Separate them with commas.",
    )
    date_of_birth = DateField(label="Date of birth", required=False, help_text="For example, 27 3 2011")
    sex = forms.ChoiceField(label="Sex", choices=Sex.choices, widget=forms.RadioSelect, initial=Sex.UNKNOWN)
    gender = forms.CharField(
        label="Gender (optional)",
        max_length=60,
        required=False,
        help_text="As the child describes it, if different from sex.",
    )
    nhs_number = forms.CharField(
        label="NHS number (optional)",
        max_length=14,
        required=False,
        help_text="10 digits, like 943 476 5919",
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    upn = forms.CharField(
        label="Unique pupil number (optional)", max_length=15, required=False, help_text="13 characters"
    )
    address = forms.CharField(label="Address (optional)", max_length=300, required=False)
    postcode = forms.CharField(label="Postcode (optional)", max_length=10, required=False)
    school = forms.CharField(label="School (optional)", max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_nhs_number(self) -> str:
        value = self.cleaned_data["nhs_number"]
        return normalise_nhs_number(value) if value.strip() else ""

    def clean_upn(self) -> str:
        value = self.cleaned_data["upn"]
        return normalise_upn(value) if value.strip() else ""

    def clean_postcode(self) -> str:
        value = self.cleaned_data["postcode"]
        return normalise_postcode(value) if value.strip() else ""

    def record_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}

    @classmethod
    def initial_from(cls, record: AgencyRecord) -> dict[str, Any]:
        initial = {name: getattr(record, name) for name in cls.base_fields if name != "version"}
        initial["version"] = record.version
        return initial


class PurposeForm(GovukForm):
    """The purpose a user is acting under when they open a child."""

    purpose = forms.ChoiceField(label="I am looking at this child's record for", choices=())

    def __init__(self, *args: Any, purposes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = purposes


class BreakGlassForm(GovukForm):
    reason = forms.ChoiceField(
        label="Why do you need emergency access?",
        choices=BreakGlassReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why you need emergency access."},
    )
    explanation = forms.CharField(
        label="Explain what is happening and why it cannot wait",
        help_text="The data protection officer reviews every emergency access. Do not include more about the "
        "child than you need to.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Explain what is happening and why it cannot wait."},
    )

    def clean_explanation(self) -> str:
        text = self.cleaned_data["explanation"].strip()
        if len(text) < 20:
            raise ValidationError("Explain the emergency in at least 20 characters.")
        return text


class IntelligenceForm(GovukForm):
    summary = forms.CharField(label="Intelligence", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    source_grade = forms.ChoiceField(label="Source evaluation", choices=SourceGrade.choices, widget=forms.RadioSelect)
    information_grade = forms.ChoiceField(
        label="Intelligence assessment", choices=InformationGrade.choices, widget=forms.RadioSelect
    )
    handling_code = forms.ChoiceField(label="Handling code", choices=HandlingCode.choices, widget=forms.RadioSelect)
    handling_conditions = forms.CharField(
        label="Conditions on sharing (handling code C)", required=False, max_length=300
    )
    legacy_5x5x5 = forms.CharField(
        label="Legacy 5x5x5 grading (optional)", required=False, max_length=10, help_text="For example, B2 4"
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("handling_code") == HandlingCode.C and not (data.get("handling_conditions") or "").strip():
            self.add_error("handling_conditions", "Say what the conditions on sharing are (handling code C).")
        return data


class PseudonymisedFilterForm(GovukForm):
    """The pseudonymised list's filters: an area's short name and a page number the database can reach."""

    area = forms.CharField(
        required=False,
        max_length=60,
        error_messages={
            "max_length": "Choose an area from the list.",
            "null_characters_not_allowed": "Choose an area from the list.",
        },
    )
    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=1_000_000,
        error_messages={
            "invalid": "Enter the page as a whole number, such as 2.",
            "min_value": "Enter a page number of 1 or more.",
            "max_value": "There are not that many pages: enter a page number of 1,000,000 or less.",
        },
    )
