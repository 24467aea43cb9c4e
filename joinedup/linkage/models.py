"""Linkage models, runs, candidate pairs, and every join and split of children."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from joinedup.children.models import AgencyRecord, Child
from joinedup.core.models import PublicModel


class LinkageModel(PublicModel):
    """A trained Splink model, versioned. One is active at a time."""

    version = models.PositiveIntegerField(unique=True)
    parameters = models.JSONField(help_text="Splink's own model JSON, with pinned u-probabilities.")
    training_summary = models.JSONField(default=dict, blank=True)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(default=False)
    upper_threshold = models.FloatField(default=0.7, help_text="At or above: joined automatically.")
    lower_threshold = models.FloatField(default=0.5, help_text="At or above (and below the upper): reviewed.")
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Linkage model v{self.version}{' (active)' if self.is_active else ''}"


class LinkageRun(PublicModel):
    model = models.ForeignKey(LinkageModel, on_delete=models.PROTECT, related_name="runs")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    figures = models.JSONField(default=dict, blank=True)

    # What people are told of a run, in this order, on the run list and in the job's result.
    SHOWN = ("Pairs scored", "Children joined", "Sent for review", "Kept apart")
    # A label as a sentence says it of one ("1 child joined", not "1 children joined").
    ONE = {"Pairs scored": "pair scored", "Children joined": "child joined"}

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Linkage run {self.created_at:%Y-%m-%d %H:%M}"

    def _figure(self, key: str) -> int:
        return int((self.figures or {}).get(key, 0))

    @property
    def kept_apart(self) -> int:
        """Pairs the run kept apart: those a person decided are not the same child, and those a
        rule holds apart (twins, two NHS numbers), which _apply counts separately."""
        return self._figure("kept_apart") + self._figure("kept_apart_by_rule")

    @property
    def shown(self) -> list[tuple[str, int]]:
        """The figures people read, each with its label (SHOWN): the one source for the run list
        and the job's result, so the two cannot disagree."""
        values = (self._figure("pairs_scored"), self._figure("children_joined"), self._figure("to_review"),
                  self.kept_apart)  # fmt: skip
        return list(zip(self.SHOWN, values, strict=True))

    def summary(self) -> str:
        """The figures in a sentence, with why pairs were kept apart."""
        figures = ", ".join(
            f"{value:,} {self.ONE.get(label, label.lower()) if value == 1 else label.lower()}"
            for label, value in self.shown
        )
        return (
            f"{figures} ({self._figure('kept_apart_by_rule'):,} by a rule, "
            f"{self._figure('kept_apart'):,} because a person decided they are not the same child)"
        )


class PairStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    SAME = "same", "Same child"
    NOT_SAME = "not_same", "Not the same child"
    UNSURE = "unsure", "Unsure: escalated"
    AUTO_JOINED = "auto_joined", "Joined automatically"
    # Held apart by a rule whose answer a person would not change (twins with different given
    # names, two different NHS numbers): kept out of the review queue; a person may reopen it.
    KEPT_APART = "kept_apart", "Kept apart by a rule"


class CandidatePair(PublicModel):
    """Two agency records the model scored as possibly the same child, and what was decided."""

    # No index of its own: the unique (record_a, record_b) constraint's index starts with it.
    record_a = models.ForeignKey(AgencyRecord, on_delete=models.PROTECT, related_name="+", db_index=False)
    record_b = models.ForeignKey(AgencyRecord, on_delete=models.PROTECT, related_name="+")
    probability = models.FloatField()
    match_weight = models.FloatField()
    # Each comparison's level and contribution, for the waterfall: [{"comparison", "level", "weight"}].
    waterfall = models.JSONField(default=list)
    conflict = models.CharField(max_length=200, blank=True, help_text="Why it may not be joined automatically.")
    status = models.CharField(max_length=12, choices=PairStatus.choices, default=PairStatus.PENDING)
    run = models.ForeignKey(LinkageRun, null=True, blank=True, on_delete=models.PROTECT, related_name="pairs")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The reviewer's note with the decision: for "unsure", what the next reviewer should look at.
    decision_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-probability"]
        constraints = [
            models.UniqueConstraint(fields=["record_a", "record_b"], name="candidate_pair_unique"),
            models.CheckConstraint(
                condition=models.Q(record_a__lt=models.F("record_b")), name="candidate_pair_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_a_id}~{self.record_b_id} ({self.probability:.3f})"


class JoinKind(models.TextChoices):
    MERGE = "merge", "Joined"
    UNMERGE = "unmerge", "Split"


class ChildJoin(PublicModel):
    """One join or split of children: exactly which records moved from which child to which."""

    kind = models.CharField(max_length=10, choices=JoinKind.choices)
    target = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="joins")
    # [{"record": id, "from": child id, "to": child id}]
    moves = models.JSONField()
    # Everything else about the child that moved with the records, from children/reassign.py:
    # {model label: [[row id, child id it came from], ...]}; a split sends exactly these back.
    related = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=300)
    pair = models.ForeignKey(CandidatePair, null=True, blank=True, on_delete=models.PROTECT, related_name="joins")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    undoes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="undone_by")
    # A split of some of a join's records (the rest stay joined): the join they were taken from.
    part_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="parts")
    # A split: the children its records went to (the "to" of its moves), so the page of a child
    # that records were split off to tells where they came from, as the other side's page does.
    sent_to = models.ManyToManyField(Child, blank=True, related_name="splits_received")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} into {self.target_id}: {len(self.moves)} records"


class CheckStatus(models.TextChoices):
    OPEN = "open", "To check"
    CONFIRMED = "confirmed", "Confirmed: one child"
    SPLIT = "split", "Split"


class JoinCheck(PublicModel):
    """A join that brought together records disagreeing on date of birth or sex: flagged once, for a
    reviewer to confirm (one child, a record holds a mistake) or split. What disagrees is read from
    the records when shown, never copied here."""

    join = models.OneToOneField(ChildJoin, on_delete=models.PROTECT, related_name="disagreement_check")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    fields = models.JSONField(help_text='The details the records disagree on: ["date_of_birth", "sex"].')
    status = models.CharField(max_length=10, choices=CheckStatus.choices, default=CheckStatus.OPEN)
    note = models.CharField(max_length=300, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="join_check_status")]

    def __str__(self) -> str:
        return f"Check of join {self.join_id}: {', '.join(self.fields)} ({self.status})"
