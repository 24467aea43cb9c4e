"""Youth participation: opportunities, safe cohorts, and young people's voices.

Built on the Lundy model of participation (space, voice, audience,
influence) and Hart's ladder: an opportunity says, before it is published,
what young people's views will shape, what they cannot change, who with
power will listen, and how they will be told what changed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from joinedup.children.models import Child
from joinedup.core.models import PublicModel
from joinedup.partnership.models import Agency, Area, District, Partnership


class OpportunityType(models.TextChoices):
    YOUTH_FORUM = "youth_forum", "Youth forum"
    YOUNG_ADVISERS = "young_advisers", "Young advisers to a board"
    YOUTH_COUNCIL = "youth_council", "Youth council"
    PEER_RESEARCH = "peer_research", "Peer research"
    CO_PRODUCTION = "co_production", "Co-production project"
    CONSULTATION = "consultation", "Consultation"
    CREATIVE_OR_SPORT = "creative_or_sport", "Creative or sport project with a voice element"
    ONE_OFF_EVENT = "one_off_event", "One-off event"


class Group(models.TextChoices):
    OPEN = "open", "Open to all young people"
    CARE_EXPERIENCED = "care_experienced", "Care-experienced young people"
    AFFECTED_BY_EXPLOITATION = "affected_by_exploitation", "Young people affected by exploitation"
    LGBTQ = "lgbtq", "LGBTQ+ young people"
    SEND = "send", "Disabled young people or with SEND"
    YOUNG_CARERS = "young_carers", "Young carers"
    GLOBAL_MAJORITY = "global_majority", "Young people from global majority communities"
    JUSTICE_INVOLVED = "justice_involved", "Young people in contact with youth justice"


class Access(models.TextChoices):
    TRANSPORT = "transport", "Travel paid or provided"
    AFTER_SCHOOL = "after_school", "After school or weekends"
    INTERPRETERS = "interpreters", "Interpreters available"
    BSL = "bsl", "British Sign Language"
    STEP_FREE = "step_free", "Step-free venue"
    QUIET_SPACE = "quiet_space", "Quiet space"


class Safeguard(models.TextChoices):
    TRAINED_STAFF = "trained_staff", "Staff trained in safeguarding"
    TRAUMA_INFORMED = "trauma_informed", "Trauma-informed approach"
    SUPPORT_AFTER = "support_after", "Support after sessions"
    NO_ABUSE_ACCOUNTS = "no_abuse_accounts", "Nobody is asked to describe abuse"


class HartRung(models.IntegerChoices):
    # Rungs 1-3 are non-participation; an opportunity on them is not published.
    MANIPULATION = 1, "1. Manipulation"
    DECORATION = 2, "2. Decoration"
    TOKENISM = 3, "3. Tokenism"
    ASSIGNED_INFORMED = 4, "4. Assigned but informed"
    CONSULTED_INFORMED = 5, "5. Consulted and informed"
    ADULT_INITIATED_SHARED = 6, "6. Adult-initiated, shared decisions with young people"
    YOUNG_PEOPLE_LED = 7, "7. Young people-initiated and directed"
    YOUNG_PEOPLE_LED_SHARED = 8, "8. Young people-initiated, shared decisions with adults"


class OpportunityStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    PAUSED = "paused", "Paused"
    CLOSED = "closed", "Closed"


class Opportunity(PublicModel):
    title = models.CharField(max_length=200)
    summary = models.TextField(help_text="In plain language, for young people and families.")
    opportunity_type = models.CharField(max_length=30, choices=OpportunityType.choices)
    provider = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="opportunities")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="opportunities")
    district = models.ForeignKey(District, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    is_online = models.BooleanField(default=False)
    venue = models.CharField(max_length=200, blank=True)
    venue_postcode = models.CharField(max_length=8, blank=True)
    # From the partnership's postcode table: no external geocoder.
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    age_min = models.PositiveSmallIntegerField()
    age_max = models.PositiveSmallIntegerField()
    groups = models.JSONField(default=list, blank=True)
    accessibility = models.JSONField(default=list, blank=True)
    accessibility_notes = models.CharField(max_length=300, blank=True)
    schedule = models.CharField(max_length=200)
    capacity = models.PositiveSmallIntegerField(null=True, blank=True)
    contact = models.CharField(max_length=200)
    safeguards = models.JSONField(default=list, blank=True)
    safeguarding_notes = models.CharField(max_length=300, blank=True)
    # Lundy's four elements, made explicit before publishing.
    views_will_shape = models.TextField(blank=True, help_text="What young people's views will shape (influence).")
    out_of_scope = models.TextField(blank=True, help_text="What they cannot change here.")
    audience = models.CharField(max_length=200, blank=True, help_text="Who, with power to act, will listen (audience).")
    feedback_plan = models.CharField(
        max_length=300, blank=True, help_text="How and when young people will be told what changed."
    )
    hart_rung = models.PositiveSmallIntegerField(choices=HartRung.choices, null=True, blank=True)
    status = models.CharField(max_length=12, choices=OpportunityStatus.choices, default=OpportunityStatus.DRAFT)
    last_reviewed_on = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["area__name", "title"]
        verbose_name_plural = "opportunities"

    def __str__(self) -> str:
        return self.title

    @property
    def age_range(self) -> str:
        return f"{self.age_min} to {self.age_max}"


class StrategicQuestion(PublicModel):
    """A question a board or leader has put to young people (the influence ledger's rows)."""

    # Whose question it is: one install may host several partnerships, and a
    # partnership-wide question has no area to say so.
    partnership = models.ForeignKey(
        Partnership, null=True, blank=True, on_delete=models.PROTECT, related_name="strategic_questions"
    )
    title = models.CharField(max_length=200)
    board = models.CharField(max_length=200, help_text="The board or leader who asked, and will act.")
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    asked_on = models.DateField()

    class Meta:
        ordering = ["-asked_on"]

    def __str__(self) -> str:
        return self.title


class CohortStatus(models.TextChoices):
    FORMING = "forming", "Forming"
    CONFIRMED = "confirmed", "Confirmed"


class Cohort(PublicModel):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="cohorts")
    name = models.CharField(max_length=120)
    status = models.CharField(max_length=12, choices=CohortStatus.choices, default=CohortStatus.FORMING)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.name} ({self.opportunity})"


class ParentConsent(models.TextChoices):
    NOT_NEEDED = "not_needed", "Not needed (young person is old enough to decide)"
    GIVEN = "given", "Given"
    WITHHELD = "withheld", "Not given"


class MemberStatus(models.TextChoices):
    PUT_FORWARD = "put_forward", "Put forward"
    PLACED = "placed", "Placed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class CohortMember(PublicModel):
    """A young person put forward for a cohort by a practitioner who works with them."""

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="members")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    # What the participation officer sees: the name the young person wants used.
    display_name = models.CharField(max_length=80)
    lead_practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    young_person_consent = models.BooleanField()
    parent_consent = models.CharField(max_length=12, choices=ParentConsent.choices)
    status = models.CharField(max_length=12, choices=MemberStatus.choices, default=MemberStatus.PUT_FORWARD)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cohort", "child"], name="cohort_member_unique")]

    def __str__(self) -> str:
        return f"{self.display_name} in {self.cohort}"


class CheckDecision(models.TextChoices):
    PENDING = "pending", "Not decided"
    PROCEED = "proceed", "Proceed: lead practitioners consulted and agree"
    SEPARATE = "separate", "Keep them apart: one moves to another group or session"


class SafetyCheck(PublicModel):
    """The pairwise safety check on a cohort. It records which pairs are linked, never why."""

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="checks")
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    pairs_checked = models.PositiveIntegerField()
    # [[member uuid, member uuid], ...] for linked pairs.
    flagged_pairs = models.JSONField(default=list, blank=True)
    decision = models.CharField(max_length=12, choices=CheckDecision.choices, default=CheckDecision.PENDING)
    decision_note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Safety check on {self.cohort}: {len(self.flagged_pairs)} links"


class ContributionKind(models.TextChoices):
    VIEW = "view", "A view"
    IDEA = "idea", "An idea"
    WORRY = "worry", "A worry"


class ConsentUse(models.TextChoices):
    MY_PLAN_ONLY = "my_plan_only", "Only for my own plan"
    ANONYMISED = "anonymised", "Anonymised, to help change services"
    NAMED = "named", "With my name, to help change services"


class Theme(models.TextChoices):
    SAFETY_IN_PUBLIC = "safety_in_public", "Feeling safe in public places"
    ONLINE = "online", "Online life"
    SCHOOL = "school", "School"
    BEING_HEARD = "being_heard", "Being listened to by professionals"
    TOO_MANY_MEETINGS = "too_many_meetings", "Too many meetings and workers"
    THINGS_TO_DO = "things_to_do", "Things to do and places to go"
    POLICE = "police", "Police and young people"
    TRANSPORT = "transport", "Getting around"


class Contribution(PublicModel):
    """A young person's own words, given to an opportunity, a strategic question or their own plan."""

    child = models.ForeignKey(Child, null=True, blank=True, on_delete=models.PROTECT, related_name="contributions")
    opportunity = models.ForeignKey(
        Opportunity, null=True, blank=True, on_delete=models.PROTECT, related_name="contributions"
    )
    question = models.ForeignKey(
        StrategicQuestion, null=True, blank=True, on_delete=models.PROTECT, related_name="contributions"
    )
    about_own_plan = models.BooleanField(default=False)
    kind = models.CharField(max_length=10, choices=ContributionKind.choices)
    words = models.TextField(help_text="In the young person's own words.")
    heard_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    heard_on = models.DateField()
    consent_use = models.CharField(max_length=20, choices=ConsentUse.choices, default=ConsentUse.ANONYMISED)
    themes = models.JSONField(default=list, blank=True)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The young person controls their words: they can take them back.
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-heard_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} heard {self.heard_on}"


class FeedbackResponse(PublicModel):
    """'You said, we did': what was decided, by whom, and how the young person was told."""

    contribution = models.OneToOneField(Contribution, on_delete=models.PROTECT, related_name="response")
    what_changed = models.TextField()
    decided_by = models.CharField(max_length=200)
    decided_on = models.DateField()
    told_how = models.CharField(max_length=200)
    told_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"Response to {self.contribution}"
