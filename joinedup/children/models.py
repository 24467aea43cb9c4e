"""Children and the agency records that describe them.

An AgencyRecord is one agency's own record of a child, exactly as that agency
holds it. A Child is the resolved identity those records belong to. Matching
(the linkage app) moves records between children; nothing here is deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper

from joinedup.core.models import PublicModel
from joinedup.core.pseudonyms import pseudonym_for
from joinedup.core.validators import (
    format_nhs_number,
    validate_nhs_number,
    validate_postcode,
    validate_upn,
)
from joinedup.partnership.models import Agency, AgencyType, Area, District, InformationSharingAgreement
from joinedup.partnership.roles import DataCategory


class Child(PublicModel):
    """A resolved identity. Its details are read from its agency records."""

    # Stable pseudonym for analysts (keyed hash of the UUID; see core/pseudonyms.py).
    pseudonym = models.CharField(max_length=16, unique=True, editable=False)
    # Set when a join moved all this child's records to another child (cleared by the split
    # that brings them back): the old address then says where they went.
    joined_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    @classmethod
    def new(cls) -> Child:
        """An unsaved child with its pseudonym set."""
        child = cls()
        child.pseudonym = pseudonym_for(child.uuid)
        return child

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
    # The first given name alone, as the linkage model compares it: intake matching looks it up.
    first_given_key = models.CharField(max_length=120, editable=False, blank=True)
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
    # Retention: an erased record keeps only its tombstone (agency, reference, dates).
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["family_name", "given_names"]
        constraints = [models.UniqueConstraint(fields=["agency", "local_id"], name="agency_record_local_id_unique")]
        indexes = [
            # Search within the agency's own records: a name's prefix among one agency's rows.
            # varchar_pattern_ops so PostgreSQL can answer `LIKE 'maj%'` from the index under any
            # collation (the plain btree serves only equality there); other databases ignore it.
            *(
                models.Index(fields=["agency", key], name=name, opclasses=["int8_ops", "varchar_pattern_ops"])
                for key, name in (("family_key", "record_agency_family"), ("given_key", "record_agency_given"))
            ),
            models.Index(fields=["date_of_birth"]),
            # Intake matching's exact-block lookups (see linkage/intake.py). Each index also
            # holds the columns the lookup then filters on, so no table row is read to reject one.
            models.Index(
                fields=["first_given_key", "family_key", "date_of_birth", "postcode"], name="record_block_given_family"
            ),
            models.Index(fields=["first_given_key", "date_of_birth"], name="record_block_given_dob"),
            models.Index(fields=["family_key", "date_of_birth", "first_given_key"], name="record_block_family_dob"),
            models.Index(fields=["family_key", "postcode", "first_given_key"], name="record_block_family_postcode"),
            models.Index(fields=["postcode", "first_given_key"], name="record_block_postcode"),
            models.Index(fields=["date_of_birth", "first_given_key", "family_key"], name="record_block_dob_initials"),
            # Search: a single word may be an agency's own reference, matched case-insensitively.
            # (given_key and family_key prefixes use their db_index; other_keys' substring match
            # uses a trigram index that only PostgreSQL has: migration 0008, docs/decisions.)
            models.Index(Upper("local_id"), name="record_local_id_upper"),
        ]

    def __str__(self) -> str:
        return f"{self.given_names} {self.family_name} ({self.agency}, {self.local_id})"

    @property
    def record_type(self) -> str:
        """The data category of the record as a whole, from the holding agency's type."""
        return RECORD_TYPE_CATEGORY.get(self.agency.agency_type, DataCategory.SOCIAL_CARE)

    @property
    def record_type_label(self) -> str:
        return DataCategory(self.record_type).label

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}"

    @property
    def nhs_number_display(self) -> str:
        return format_nhs_number(self.nhs_number)


# Every field of an agency record carries a data category; agreements share by category.
FIELD_CATEGORIES: dict[str, str] = {
    "local_id": DataCategory.IDENTITY,
    "given_names": DataCategory.IDENTITY,
    "family_name": DataCategory.IDENTITY,
    "other_names": DataCategory.IDENTITY,
    "date_of_birth": DataCategory.IDENTITY,
    "sex": DataCategory.IDENTITY,
    "gender": DataCategory.IDENTITY,
    "nhs_number": DataCategory.IDENTITY,
    "address": DataCategory.CONTACT,
    "postcode": DataCategory.CONTACT,
    "district": DataCategory.CONTACT,
    "area": DataCategory.CONTACT,
    "upn": DataCategory.EDUCATION,
    "school": DataCategory.EDUCATION,
}

RECORD_TYPE_CATEGORY: dict[str, str] = {
    AgencyType.CHILDRENS_SOCIAL_CARE: DataCategory.SOCIAL_CARE,
    AgencyType.EARLY_HELP: DataCategory.SOCIAL_CARE,
    AgencyType.THIRD_SECTOR: DataCategory.SOCIAL_CARE,
    AgencyType.POLICE: DataCategory.POLICE_INTELLIGENCE,
    AgencyType.HEALTH: DataCategory.HEALTH,
    AgencyType.EDUCATION: DataCategory.EDUCATION,
    AgencyType.YOUTH_JUSTICE: DataCategory.YOUTH_JUSTICE,
}


class SourceGrade(models.TextChoices):
    RELIABLE = "1", "1: Reliable"
    UNTESTED = "2", "2: Untested"
    NOT_RELIABLE = "3", "3: Not reliable"


class InformationGrade(models.TextChoices):
    A = "A", "A: Known directly to the source"
    B = "B", "B: Known indirectly to the source but corroborated"
    C = "C", "C: Known indirectly to the source"
    D = "D", "D: Not known"
    E = "E", "E: Suspected to be false"


class HandlingCode(models.TextChoices):
    P = "P", "P: Lawful sharing permitted"
    C = "C", "C: Lawful sharing permitted with conditions"


class IntelligenceItem(PublicModel):
    """A piece of police intelligence about a child, graded 3x5x2.

    Category police intelligence. A partner sees it only where an agreement
    covers that category for the purpose, and the handling code allows: P
    always, C only where the agreement accepts conditions, shown with them.
    """

    record = models.ForeignKey(AgencyRecord, on_delete=models.PROTECT, related_name="intelligence")
    summary = models.TextField()
    source_grade = models.CharField(max_length=1, choices=SourceGrade.choices)
    information_grade = models.CharField(max_length=1, choices=InformationGrade.choices)
    handling_code = models.CharField(max_length=1, choices=HandlingCode.choices)
    handling_conditions = models.CharField(max_length=300, blank=True)
    # Items graded before 3x5x2 keep their 5x5x5 grading for the record (e.g. "B2 4").
    legacy_5x5x5 = models.CharField("legacy 5x5x5 grading", max_length=10, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"Intelligence {self.grading} on {self.record}"

    @property
    def grading(self) -> str:
        return f"{self.source_grade}{self.information_grade}{self.handling_code}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.handling_code == HandlingCode.C and not self.handling_conditions.strip():
            raise ValidationError({"handling_conditions": "Say what the conditions on sharing are (handling code C)."})
        if self.record_id and self.record.agency.agency_type != AgencyType.POLICE:
            raise ValidationError("Only a police agency's record can hold police intelligence.")


class BreakGlassReason(models.TextChoices):
    IMMEDIATE_RISK = "immediate_risk", "A child is at immediate risk of significant harm"
    MISSING = "missing", "A child is missing and may be at risk"
    OUT_OF_HOURS = "out_of_hours", "Out-of-hours emergency: the holding agency cannot be reached"
    STRATEGY_DISCUSSION = "strategy_discussion", "An urgent strategy discussion needs the information now"
    OTHER = "other", "Another urgent safeguarding reason (explain below)"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    JUSTIFIED = "justified", "Justified"
    REFERRED = "referred", "Referred for follow-up"


class BreakGlassGrant(PublicModel):
    """Emergency access to one child outside the agreements, for a limited time.

    Every grant lands in the data protection officer's review queue.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_grants")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="break_glass_grants")
    reason = models.CharField(max_length=30, choices=BreakGlassReason.choices)
    explanation = models.TextField()
    starts_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    review_status = models.CharField(max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["user", "child", "expires_at"])]

    def __str__(self) -> str:
        return f"Break-glass by {self.user} on {self.child} until {self.expires_at:%Y-%m-%d %H:%M}"


class Channel(models.TextChoices):
    PAGE = "page", "Shown on a page"
    API = "api", "Returned by the API"
    EXPORT = "export", "Exported"


class Disclosure(models.Model):
    """One crossing of data from the agency that holds it to a user in another agency.

    Written by the selectors that show partner data, in the same transaction
    as the audit event of the read.
    """

    occurred_at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recipient_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    holder_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="disclosures")
    record = models.ForeignKey(AgencyRecord, on_delete=models.PROTECT, related_name="disclosures")
    # Data category codes shown; "know_of" when only the record's existence was shown.
    categories = models.JSONField(default=list, blank=True)
    purpose = models.CharField(max_length=40)
    agreement = models.ForeignKey(
        InformationSharingAgreement, null=True, blank=True, on_delete=models.PROTECT, related_name="disclosures"
    )
    break_glass = models.ForeignKey(
        BreakGlassGrant, null=True, blank=True, on_delete=models.PROTECT, related_name="disclosures"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["child", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.holder_agency} to {self.user} ({', '.join(self.categories)})"


class AssociationType(models.TextChoices):
    PEER = "peer", "Known peers or friends"
    SIBLING = "sibling", "Siblings or family"
    NAMED_TOGETHER = "named_together", "Named together in an incident"
    CO_ACCUSED = "co_accused", "Involved together in offending"
    EXPLOITED_TOGETHER = "exploited_together", "Believed exploited by the same people"
    CONFLICT = "conflict", "In conflict or rivalry"


class Confidence(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class ChildAssociation(PublicModel):
    """A recorded association between two children, from one agency's knowledge.

    Stored with the lower child id first, so a pair is recorded once per type
    and source. Read through children/links.py, never shown to people who
    only need to know that a link exists.
    """

    child_a = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    child_b = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    association_type = models.CharField(max_length=30, choices=AssociationType.choices)
    source_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    recorded_on = models.DateField()
    confidence = models.CharField(max_length=10, choices=Confidence.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(child_a__lt=models.F("child_b")), name="association_ordered"),
            models.UniqueConstraint(
                fields=["child_a", "child_b", "association_type", "source_agency"], name="association_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_association_type_display()} ({self.source_agency})"
