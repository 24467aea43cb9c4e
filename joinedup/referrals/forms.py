"""The step-by-step referral form: one question group per page, saved as a draft each time."""

from __future__ import annotations

from typing import Any

from django import forms

from joinedup.children.models import Sex
from joinedup.core.forms import DateField, GovukForm
from joinedup.core.validators import normalise_nhs_number, normalise_postcode
from joinedup.partnership.models import Area
from joinedup.referrals.models import Consent
from joinedup.referrals.taxonomy import harm_types


class ChildStep(GovukForm):
    given_names = forms.CharField(label="Child's given names", max_length=120)
    family_name = forms.CharField(label="Child's family name", max_length=120)
    date_of_birth = DateField(label="Date of birth (if known)", required=False)
    sex = forms.ChoiceField(label="Sex", choices=Sex.choices, widget=forms.RadioSelect, initial=Sex.UNKNOWN)
    nhs_number = forms.CharField(label="NHS number (if known)", max_length=14, required=False)
    postcode = forms.CharField(label="Postcode where they live (if known)", max_length=10, required=False)

    def clean_nhs_number(self) -> str:
        value = self.cleaned_data["nhs_number"]
        return normalise_nhs_number(value) if value.strip() else ""

    def clean_postcode(self) -> str:
        value = self.cleaned_data["postcode"]
        return normalise_postcode(value) if value.strip() else ""

    def draft(self) -> dict[str, Any]:
        return {"child_details": dict(self.cleaned_data)}


class ConcernsStep(GovukForm):
    harm_types = forms.MultipleChoiceField(
        label="What are you worried about?",
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one thing you are worried about."},
    )
    indicators = forms.CharField(
        label="What have you seen or been told?",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=6000,
        error_messages={"required": "Enter what you have seen or been told."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["harm_types"].choices = [(h.code, h.label) for h in harm_types().values()]

    def draft(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class VoiceStep(GovukForm):
    child_says = forms.CharField(
        label="What does the child say? (optional)",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="In their words. Do not ask them to describe abuse again to fill this in.",
    )
    places_mentioned = forms.CharField(
        label="Places mentioned (optional)", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    people_mentioned = forms.CharField(
        label="People mentioned (optional)", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def draft(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class ConsentStep(GovukForm):
    consent = forms.ChoiceField(
        label="Consent",
        choices=Consent.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether consent was given."},
    )
    family_informed = forms.TypedChoiceField(
        label="Has the family been told about this referral?",
        error_messages={"required": "Choose whether the family has been told about this referral."},
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    family_not_informed_reason = forms.CharField(label="If not, why not", max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        # Said here as well as at sending (missing_for_submission), so it is fixed on this step
        # rather than discovered on the check page.
        data = super().clean()
        if data.get("family_informed") is False and not (data.get("family_not_informed_reason") or "").strip():
            self.add_error("family_not_informed_reason", "Say why the family has not been told.")
        return data

    def draft(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class AreasStep(GovukForm):
    home_area = forms.ModelChoiceField(
        label="Area the child lives in (home authority)", queryset=Area.objects.none(), required=False
    )
    found_area = forms.ModelChoiceField(
        label="Area the child was found in (found authority), if different",
        queryset=Area.objects.none(),
        required=False,
    )
    referrer_contact = forms.CharField(label="How the screener can contact you", max_length=200)

    def __init__(self, *args: Any, partnership: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the referrer's own partnership's areas: another partnership's must not be offered.
        for name in ("home_area", "found_area"):
            self.fields[name].queryset = Area.objects.filter(partnership=partnership)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("home_area") and not data.get("found_area"):
            self.add_error("home_area", "Choose the area the child lives in, or where they were found.")
        return data

    def draft(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


STEPS: list[tuple[str, str, type[GovukForm]]] = [
    ("child", "The child", ChildStep),
    ("concerns", "Your concerns", ConcernsStep),
    ("voice", "The child's voice, places and people", VoiceStep),
    ("consent", "Consent and the family", ConsentStep),
    ("areas", "Areas and your contact details", AreasStep),
]
