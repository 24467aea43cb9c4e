"""The child seen whole: significant events an agency records, and requests to check a record.

Everything else in a child's chronology is read from where it already lives
(records, referrals, cases, meetings, handovers, joins); only what has no other
home is stored here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from joinedup.children.models import Child
from joinedup.core.models import PublicModel
from joinedup.partnership.models import Agency


class EventKind(models.TextChoices):
    MISSING_EPISODE = "missing_episode", "Missing episode"
    RETURN_INTERVIEW = "return_interview", "Return home interview"
    SCHOOL_EXCLUSION = "school_exclusion", "School exclusion or suspension"
    HOSPITAL_ATTENDANCE = "hospital_attendance", "Hospital or A&E attendance"
    ARREST = "arrest", "Arrest or police contact"
    NEW_ASSOCIATE = "new_associate", "New associate of concern"
    DISCLOSURE = "disclosure", "Disclosure by the child"
    OTHER = "other", "Other significant event"


class SignificantEvent(PublicModel):
    """Something that happened to a child, as one agency knows it, on the day it happened.

    Shared as the agency's records are: a partner sees it only where an agreement
    covers the data category of the agency's records (its `category`).
    """

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="significant_events")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=40)
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    occurred_on = models.DateField()
    summary = models.TextField(max_length=2000)
    source = models.CharField(max_length=200, help_text="Where this is recorded or who said so.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["child", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_on:%Y-%m-%d}"


class CheckField(models.TextChoices):
    NAME = "name", "Name"
    DATE_OF_BIRTH = "date_of_birth", "Date of birth"
    SEX = "sex", "Sex"
    ADDRESS = "address", "Address"
    NHS_NUMBER = "nhs_number", "NHS number"
    SCHOOL = "school", "School"


# A check asked of an agency stands this long: nobody asks it again about the same detail meanwhile.
CHECK_STANDS_DAYS = 14


class RecordCheckRequest(PublicModel):
    """A practitioner asks the agency holding a record to check a detail that disagrees with others."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="check_requests")
    to_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    field = models.CharField(max_length=20, choices=CheckField.choices)
    note = models.TextField(max_length=1000, blank=True)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The holder's answer: someone there checked the detail (and corrected their record if it was
    # wrong). An answered request no longer stands: the holder's box clears, and it may be asked again.
    checked_at = models.DateTimeField(null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    checked_note = models.TextField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Check {self.field} with agency {self.to_agency_id}"

    @property
    def asker(self) -> str:
        """Who asked, as "Amira Demo-Social-Worker (Nottingham City Children's Services)"."""
        user = self.asked_by
        name = user.get_full_name() or user.username
        membership = getattr(user, "membership", None)
        return f"{name} ({membership.agency.name})" if membership is not None else name
