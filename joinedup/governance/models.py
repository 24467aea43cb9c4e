"""Retention of agency records: policies per record type and reviewed decisions.

Break-glass grants and disclosures live with the children they concern
(children/models.py) because the child page writes them; agreements live in
the partnership app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from joinedup.children.models import AgencyRecord
from joinedup.core.models import PublicModel
from joinedup.partnership.models import AgencyType


class RetentionPolicy(models.Model):
    """How long each agency type's records are kept after they were last changed."""

    agency_type = models.CharField(max_length=40, choices=AgencyType.choices, unique=True)
    years = models.PositiveSmallIntegerField()
    basis = models.CharField(max_length=300, help_text="The schedule or rule the period comes from.")

    class Meta:
        verbose_name_plural = "retention policies"

    def __str__(self) -> str:
        return f"{self.get_agency_type_display()}: {self.years} years"


class RetentionOutcome(models.TextChoices):
    RETAIN = "retain", "Retain"
    ERASE = "erase", "Erase (keep a tombstone)"


class RetentionDecision(PublicModel):
    record = models.ForeignKey(AgencyRecord, on_delete=models.PROTECT, related_name="retention_decisions")
    outcome = models.CharField(max_length=10, choices=RetentionOutcome.choices)
    reason = models.TextField()
    retain_until = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.record}"


# --- subject access: exemptions considered item by item -------------------------------


class SubjectAccessItemKind(models.TextChoices):
    RECORD = "record", "Agency record"
    INTELLIGENCE = "intelligence", "Police intelligence"
    ASSOCIATION = "association", "Link with another young person"


class ExemptionGround(models.TextChoices):
    """Why an item may be exempt from a subject access response (Data Protection Act 2018)."""

    THIRD_PARTY = "third_party", "It is about another person (Schedule 2, paragraph 16: third parties)"
    CRIME = "crime", "Disclosure may prejudice preventing or detecting crime (Schedule 2, paragraph 2)"
    HANDLING_CODE = (
        "handling_code",
        "Police handling conditions restrict disclosure (Schedule 2, paragraph 2: crime and taxation)",
    )
    SOCIAL_WORK_HARM = (
        "social_work_harm",
        "Social work data whose disclosure may cause serious harm (Schedule 3, Part 3)",
    )
    HEALTH_HARM = "health_harm", "Health data whose disclosure may cause serious harm (Schedule 3, Part 2)"


class ExemptionOutcome(models.TextChoices):
    DISCLOSE = "disclose", "Disclose"
    WITHHOLD = "withhold", "Withhold"


class ExemptionDecision(PublicModel):
    """The DPO's decision on one item of a child's subject access response that may be exempt.

    Decisions are never changed: a new decision on the same item supersedes
    the old one, so the history of the reasoning is kept. The export uses the
    latest decision per item; an item with none stays out.
    """

    partnership = models.ForeignKey("partnership.Partnership", on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="+")
    item_kind = models.CharField(max_length=20, choices=SubjectAccessItemKind.choices)
    item_uuid = models.UUIDField()
    ground = models.CharField(max_length=30, choices=ExemptionGround.choices)
    outcome = models.CharField(max_length=10, choices=ExemptionOutcome.choices)
    reason = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["partnership", "child", "item_uuid"])]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.get_item_kind_display()} {self.item_uuid}"
