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
