"""Forms for youth participation."""

from __future__ import annotations

from typing import Any

from django import forms

from joinedup.core.forms import DateField, GovukForm
from joinedup.participation.models import (
    Access,
    CheckDecision,
    ConsentUse,
    ContributionKind,
    Group,
    HartRung,
    OpportunityStatus,
    OpportunityType,
    ParentConsent,
    Safeguard,
    Theme,
)
from joinedup.partnership.models import Agency, Area


class OpportunityForm(GovukForm):
    title = forms.CharField(label="Title", max_length=200)
    summary = forms.CharField(
        label="What it is, in plain language", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    opportunity_type = forms.ChoiceField(label="Type", choices=OpportunityType.choices, widget=forms.RadioSelect)
    provider = forms.ModelChoiceField(label="Provider", queryset=Agency.objects.none())
    area = forms.ModelChoiceField(label="Area", queryset=Area.objects.none())
    is_online = forms.BooleanField(label="It happens online", required=False)
    venue = forms.CharField(label="Venue (optional when online)", max_length=200, required=False)
    venue_postcode = forms.CharField(label="Venue postcode (optional when online)", max_length=10, required=False)
    age_min = forms.IntegerField(label="Youngest age", min_value=5, max_value=25)
    age_max = forms.IntegerField(label="Oldest age", min_value=5, max_value=25)
    groups = forms.MultipleChoiceField(
        label="Who it is for", choices=Group.choices, widget=forms.CheckboxSelectMultiple
    )
    accessibility = forms.MultipleChoiceField(
        label="Accessibility (optional)", choices=Access.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    accessibility_notes = forms.CharField(label="Accessibility notes (optional)", max_length=300, required=False)
    schedule = forms.CharField(label="When it happens", max_length=200, help_text="For example, Tuesdays 5pm to 7pm")
    capacity = forms.IntegerField(label="Places (optional)", min_value=1, max_value=500, required=False)
    contact = forms.CharField(label="How to join", max_length=200)
    safeguards = forms.MultipleChoiceField(
        label="Safeguarding arrangements",
        choices=Safeguard.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    safeguarding_notes = forms.CharField(label="Safeguarding notes (optional)", max_length=300, required=False)
    views_will_shape = forms.CharField(
        label="What young people's views will shape (required to publish)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    out_of_scope = forms.CharField(
        label="What is out of scope (required to publish)", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    audience = forms.CharField(
        label="Who will listen and can act (required to publish)", max_length=200, required=False
    )
    feedback_plan = forms.CharField(
        label="How and when young people will hear what changed (required to publish)", max_length=300, required=False
    )
    hart_rung = forms.TypedChoiceField(
        label="Rung on Hart's ladder (required to publish)",
        choices=[("", "Not chosen"), *HartRung.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    status = forms.ChoiceField(label="Status", choices=OpportunityStatus.choices, widget=forms.RadioSelect)

    def __init__(self, *args: Any, partnership: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = Agency.objects.filter(partnership=partnership, is_active=True)
        self.fields["area"].queryset = Area.objects.filter(partnership=partnership)

    def opportunity_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)

    @classmethod
    def initial_from(cls, opportunity: Any) -> dict[str, Any]:
        return {name: getattr(opportunity, name) for name in cls.base_fields}


class CohortForm(GovukForm):
    # By UUID, as every public identifier: a malformed or unknown one is an ordinary form error.
    opportunity = forms.ModelChoiceField(
        label="Opportunity",
        queryset=None,
        to_field_name="uuid",
        empty_label="Choose",
        error_messages={
            "required": "Choose the opportunity the cohort is for.",
            "invalid_choice": "Choose the opportunity the cohort is for.",
        },
    )
    name = forms.CharField(label="Cohort name", max_length=120)

    def __init__(self, *args: Any, opportunities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["opportunity"].queryset = opportunities
        self.fields["opportunity"].label_from_instance = lambda o: o.title


class SeparateForm(GovukForm):
    """Carry out a keep-apart decision: who moves out, and where to (or nowhere: withdrawn)."""

    member = forms.ModelChoiceField(
        label="Who moves out of this cohort",
        queryset=None,
        to_field_name="uuid",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose which young person moves out of this cohort.",
            "invalid_choice": "Choose which young person moves out of this cohort.",
        },
    )
    to_cohort = forms.ModelChoiceField(
        label="Move them to",
        queryset=None,
        to_field_name="uuid",
        required=False,
        empty_label="Nowhere: withdraw them from this cohort",
        help_text="Their lead practitioner's consent record goes with them. Tell the lead practitioner.",
        error_messages={"invalid_choice": "Choose a cohort that is still forming."},
    )

    def __init__(self, *args: Any, members: Any, cohorts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda m: m.display_name
        self.fields["to_cohort"].queryset = cohorts
        self.fields["to_cohort"].label_from_instance = lambda c: f"{c.opportunity.title}: {c.name}"


class PutForwardForm(GovukForm):
    cohort = forms.ModelChoiceField(label="Opportunity and cohort", queryset=None)
    display_name = forms.CharField(
        label="Name the young person wants the group to use", max_length=80, help_text="Often a first name only"
    )
    young_person_consent = forms.BooleanField(label="The young person agrees to take part", required=False)
    parent_consent = forms.ChoiceField(
        label="Parent or carer consent", choices=ParentConsent.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, cohorts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohorts
        self.fields["cohort"].label_from_instance = lambda c: f"{c.opportunity.title}: {c.name}"


class SafetyDecisionForm(GovukForm):
    decision = forms.ChoiceField(
        label="Decision after speaking to the lead practitioners",
        choices=[
            (CheckDecision.PROCEED, CheckDecision.PROCEED.label),
            (CheckDecision.SEPARATE, CheckDecision.SEPARATE.label),
        ],
        widget=forms.RadioSelect,
    )
    decision_note = forms.CharField(label="What they said", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ContributionForm(GovukForm):
    kind = forms.ChoiceField(label="What they shared", choices=ContributionKind.choices, widget=forms.RadioSelect)
    words = forms.CharField(
        label="In their own words",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text="Write what they said, as they said it. Never ask for or record an account of abuse here.",
    )
    heard_on = DateField(label="When you heard it")
    consent_use = forms.ChoiceField(
        label="How they agreed it may be used", choices=ConsentUse.choices, widget=forms.RadioSelect
    )
    themes = forms.MultipleChoiceField(
        label="Themes (optional)", choices=Theme.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    area = forms.ModelChoiceField(label="Area (optional)", queryset=Area.objects.none(), required=False)
    opportunity = forms.ModelChoiceField(label="Opportunity (optional)", queryset=None, required=False)
    question = forms.ModelChoiceField(label="Strategic question (optional)", queryset=None, required=False)

    def __init__(self, *args: Any, partnership: Any, opportunities: Any, questions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.filter(partnership=partnership)
        self.fields["opportunity"].queryset = opportunities
        self.fields["question"].queryset = questions


class ChildWordsForm(GovukForm):
    """A practitioner records, from the child's page, something the child said about their own plan."""

    kind = forms.ChoiceField(label="What they shared", choices=ContributionKind.choices, widget=forms.RadioSelect)
    words = forms.CharField(
        label="In their own words",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text="Write what they said, as they said it. Never ask for or record an account of abuse here.",
    )
    heard_on = DateField(label="When they said it")
    consent_use = forms.ChoiceField(
        label="Who they agreed may see their words",
        choices=[
            (ConsentUse.MY_PLAN_ONLY, "Only for my own plan: the people working on it"),
            (ConsentUse.NAMED, "Anyone working with me, and with my name to help change services"),
            (ConsentUse.ANONYMISED, "Only your agency; anonymised to help change services"),
        ],
        help_text="Other agencies working with them see their words only where an information-sharing "
        "agreement shares your agency's records with them; tell them so if they ask who will read them.",
        widget=forms.RadioSelect,
    )


class FeedbackForm(GovukForm):
    what_changed = forms.CharField(label="What changed, or what was decided", widget=forms.Textarea(attrs={"rows": 3}))
    decided_by = forms.CharField(label="Who decided", max_length=200)
    decided_on = DateField(label="When it was decided")
    told_how = forms.CharField(label="How the young person was told", max_length=200)
    told_on = DateField(label="When they were told")


class DirectoryFilterForm(forms.Form):
    area = forms.ChoiceField(
        label="Area", required=False, choices=[("", "Both areas"), ("City", "City"), ("County", "County")]
    )
    district = forms.ChoiceField(label="District", required=False, choices=())
    age = forms.IntegerField(label="Age", required=False, min_value=5, max_value=25)
    opportunity_type = forms.ChoiceField(
        label="Type", required=False, choices=[("", "Any type"), *OpportunityType.choices]
    )
    group = forms.ChoiceField(label="Who it is for", required=False, choices=[("", "Anyone"), *Group.choices])
    mode = forms.ChoiceField(
        label="Online or in person",
        required=False,
        choices=[("", "Either"), ("in_person", "In person"), ("online", "Online")],
    )

    def __init__(self, *args: Any, districts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", "Any district"), *((str(d.uuid), d.name) for d in districts)]
