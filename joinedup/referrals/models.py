"""Concerns and referrals raised by any agency about a child."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from joinedup.children.models import Child
from joinedup.core.models import PublicModel
from joinedup.partnership.models import Agency, Area


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Waiting for screening"
    SCREENED = "screened", "Screened"


class Consent(models.TextChoices):
    GIVEN = "given", "The family consented to the referral"
    NOT_SOUGHT_RISK = "not_sought_risk", "Not sought: asking would put the child at risk (DPA 2018 Sch 1 para 18)"
    REFUSED_OVERRIDDEN = "refused_overridden", "Refused, but the child is at risk so the referral is made anyway"


class Decision(models.TextChoices):
    NO_FURTHER_ACTION = "nfa", "No further action"
    EARLY_HELP = "early_help", "Early help"
    CHILD_PROTECTION = "child_protection", "Child protection pathway"
    ADOLESCENT = "adolescent", "Adolescent safeguarding (risk outside the home) pathway"
    MACE = "mace", "Straight to MACE"


class Referral(PublicModel):
    # Set at submission, when the child is found or created: a draft is about nobody yet.
    child = models.ForeignKey(Child, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals")
    referring_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals_made")
    referrer_name = models.CharField(max_length=120, blank=True)
    referrer_contact = models.CharField(max_length=200, blank=True)
    # The child as the referrer describes them (used to find or create the child).
    child_details = models.JSONField(default=dict, blank=True)
    harm_types = models.JSONField(default=list, blank=True)
    indicators = models.TextField(blank=True)
    places_mentioned = models.TextField(blank=True)
    people_mentioned = models.TextField(blank=True)
    child_says = models.TextField(blank=True, help_text="What the child says, in their words.")
    consent = models.CharField(max_length=30, choices=Consent.choices, blank=True)
    # None until answered: "not asked yet" must not read as "not told".
    family_informed = models.BooleanField(null=True, blank=True)
    family_not_informed_reason = models.CharField(max_length=300, blank=True)
    home_area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    found_area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT)
    received_at = models.DateTimeField(null=True, blank=True)
    decision_due_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    decision_reasons = models.TextField(blank=True)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    screened_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        # The screening queue's order: the clock that runs out first.
        ordering = ["decision_due_at", "created_at"]
        indexes = [
            # The screening queue reads the few waiting referrals of a partnership's many: a
            # partial index holds only those, in the queue's order.
            models.Index(
                fields=["decision_due_at", "created_at"],
                condition=models.Q(status=ReferralStatus.SUBMITTED),
                name="referral_waiting_idx",
            )
        ]

    def __str__(self) -> str:
        return f"Referral {self.uuid} ({self.get_status_display()})"


class ReferralImportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Importing"
    FINISHED = "finished", "Imported"
    FAILED = "failed", "Nothing imported"


class ReferralImport(PublicModel):
    """A CSV file of referrals over IN_REQUEST_ROWS rows, imported by the worker (referrals/jobs.py).

    Written only by referrals/bulk.py. The file's text is kept with the import from the upload
    until every row is written, so nothing sent is lost between the request and the worker (or if
    the worker stops); it is emptied when the referrals hold what it said, and kept on failure.
    """

    referring_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=ReferralImportStatus.choices, default=ReferralImportStatus.QUEUED)
    file_name = models.CharField(max_length=255)
    content = models.TextField(blank=True)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    # What stopped it, in words: [{"row": 12, "problem": "..."}] (row 0 for the file as a whole).
    problems = models.JSONField(default=list, blank=True)
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["started_by", "-created_at"], name="referral_import_starter_idx")]

    def __str__(self) -> str:
        return f"Import of {self.file_name} ({self.get_status_display()})"
