"""Children and the agency records that describe them.

An AgencyRecord is one agency's own record of a child, exactly as that agency
holds it. A Child is the resolved identity those records belong to. Matching
(the linkage app) moves records between children; nothing here is deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from joinedup.core.models import PublicModel
from joinedup.core.validators import (
    format_nhs_number,
    validate_nhs_number,
    validate_postcode,
    validate_upn,
)
from joinedup.partnership.models import Agency, Area, District


class Child(PublicModel):
    """A resolved identity. Its details are read from its agency records."""

    class Meta:
        verbose_name_plural = "children"

    def __str__(self) -> str:
        return f"Child {self.uuid}"


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    UNKNOWN = "U", "Not known"


class AgencyRecord(PublicModel):
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="records")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="child_records")
    local_id = models.CharField("agency's own reference", max_length=60)
    given_names = models.CharField(max_length=120)
    family_name = models.CharField(max_length=120)
    other_names = models.CharField(
        "other names or aliases", max_length=300, blank=True, help_text="Separate names with commas."
    )
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    gender = models.CharField(max_length=60, blank=True, help_text="As the child describes it, if different from sex.")
    nhs_number = models.CharField(
        "NHS number", max_length=10, blank=True, db_index=True, validators=[validate_nhs_number]
    )
    upn = models.CharField("unique pupil number", max_length=13, blank=True, db_index=True, validators=[validate_upn])
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=8, blank=True, validators=[validate_postcode])
    # Derived from the postcode through the partnership's postcode table.
    district = models.ForeignKey(District, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="area of residence"
    )
    school = models.CharField(max_length=200, blank=True)
    # Search keys: case-, accent- and punctuation-folded copies of the names.
    given_key = models.CharField(max_length=120, editable=False, db_index=True)
    family_key = models.CharField(max_length=120, editable=False, db_index=True)
    other_keys = models.CharField(max_length=300, editable=False, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Optimistic locking: an edit names the version it started from.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["family_name", "given_names"]
        constraints = [models.UniqueConstraint(fields=["agency", "local_id"], name="agency_record_local_id_unique")]
        indexes = [
            models.Index(fields=["agency", "family_key"]),
            models.Index(fields=["date_of_birth"]),
        ]

    def __str__(self) -> str:
        return f"{self.given_names} {self.family_name} ({self.agency}, {self.local_id})"

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}"

    @property
    def nhs_number_display(self) -> str:
        return format_nhs_number(self.nhs_number)
