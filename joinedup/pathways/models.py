"""Cases: a child on a pathway in an area, with its stages, clocks, meetings and timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from joinedup.children.models import Child
from joinedup.core.models import PublicModel
from joinedup.partnership.models import Agency, Area, Partnership
from joinedup.referrals.models import Referral


class PathwayVersion(models.Model):
    """The definition a case runs under, copied from its file when first used.

    Cases keep the version they started under even after the file is revised;
    moving them to a new version is a reviewed migration.
    """

    definition_id = models.CharField(max_length=60)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    source = models.TextField(help_text="The YAML the version was loaded from.")
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["definition_id", "version"], name="pathway_version_unique")]
        ordering = ["definition_id", "version"]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def key(self) -> str:
        return f"{self.definition_id}@{self.version}"


class ClosureDay(models.Model):
    """A day the partnership's services are closed, on top of bank holidays; clocks skip it."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="closure_days")
    date = models.DateField()
    name = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partnership", "date"], name="closure_day_unique")]

    def __str__(self) -> str:
        return f"{self.date}: {self.name}"


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Case(PublicModel):
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="cases")
    referral = models.ForeignKey(Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    pathway = models.ForeignKey(PathwayVersion, on_delete=models.PROTECT, related_name="cases")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="cases")
    lead_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="led_cases")
    home_area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    found_area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    stage_id = models.CharField(max_length=60)
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    key_people = models.TextField(blank=True, help_text="Lead practitioner, chair, and others, one per line.")

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.pathway.title} case {self.uuid}"


class CaseEvent(models.Model):
    """The timeline: everything that happened on the case, in order, in whichever area."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=60)
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    summary = models.CharField(max_length=300)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d} {self.summary}"


class Task(PublicModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    clock_id = models.CharField(max_length=60, blank=True)
    title = models.CharField(max_length=200)
    # When the clock started (the event's time), so a revised timescale can be re-applied.
    started_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at"]

    def __str__(self) -> str:
        return f"{self.title} due {self.due_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.completed_at is None and self.cancelled_at is None


class Meeting(PublicModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    held_at = models.DateTimeField()
    attendees = models.TextField(help_text="Who attended, and for which agency, one per line.")
    decisions = models.TextField(blank=True)
    actions = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-held_at"]

    def __str__(self) -> str:
        return f"{self.name} {self.held_at:%Y-%m-%d}"


class HandoverStatus(models.TextChoices):
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class Handover(PublicModel):
    """A case offered across the boundary when the child moves."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="handovers")
    from_area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    from_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    to_area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    to_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="handovers_received")
    reason = models.TextField()
    offered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=HandoverStatus.choices, default=HandoverStatus.OFFERED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"Handover of {self.case} to {self.to_area}"
