"""Writes for youth participation. Each service audits in its own transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from joinedup.audit.services import audit_record
from joinedup.children.links import linked_pairs
from joinedup.children.models import Child
from joinedup.core.validators import normalise_postcode
from joinedup.participation.models import (
    CheckDecision,
    Cohort,
    CohortMember,
    CohortStatus,
    Contribution,
    FeedbackResponse,
    HartRung,
    MemberStatus,
    Opportunity,
    OpportunityStatus,
    ParentConsent,
    SafetyCheck,
)
from joinedup.participation.selectors import kept_apart_pairs
from joinedup.partnership.selectors import postcode_prefix_for

OPPORTUNITY_FIELDS = (
    "title",
    "summary",
    "opportunity_type",
    "provider",
    "area",
    "is_online",
    "venue",
    "venue_postcode",
    "age_min",
    "age_max",
    "groups",
    "accessibility",
    "accessibility_notes",
    "schedule",
    "capacity",
    "contact",
    "safeguards",
    "safeguarding_notes",
    "views_will_shape",
    "out_of_scope",
    "audience",
    "feedback_plan",
    "hart_rung",
    "status",
)

# What must be explicit before young people are invited in (Lundy's elements and Hart's rung).
PUBLISH_REQUIREMENTS = {
    "views_will_shape": "Say what young people's views will shape before publishing.",
    "out_of_scope": "Say what is out of scope, so young people know where they cannot have influence.",
    "audience": "Say who, with power to act, will listen to young people.",
    "feedback_plan": "Say how and when young people will be told what changed.",
    "hart_rung": "Choose the opportunity's rung on Hart's ladder.",
}


def _snapshot(opportunity: Opportunity) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in OPPORTUNITY_FIELDS:
        value = getattr(opportunity, name)
        out[name] = getattr(value, "name", value) if hasattr(value, "pk") else value
    return out


def _validate(opportunity: Opportunity) -> None:
    errors: dict[str, str] = {}
    if opportunity.age_min is not None and opportunity.age_max is not None:
        if opportunity.age_min > opportunity.age_max:
            errors["age_max"] = "The oldest age must be the same as or more than the youngest age."
        if opportunity.age_min < 5 or opportunity.age_max > 25:
            errors["age_min"] = "Ages must be between 5 and 25."
    if not opportunity.groups:
        errors["groups"] = "Choose who the opportunity is for (it can be open to all)."
    if not opportunity.is_online and not opportunity.venue_postcode:
        errors["venue_postcode"] = "Enter the venue's postcode, or say the opportunity is online."
    if opportunity.provider_id and opportunity.area_id:
        if not opportunity.provider.areas.filter(pk=opportunity.area_id).exists():
            errors["area"] = "Choose an area the provider serves."
    if opportunity.status == OpportunityStatus.PUBLISHED:
        for name, message in PUBLISH_REQUIREMENTS.items():
            if not getattr(opportunity, name):
                errors[name] = message
        if opportunity.hart_rung and opportunity.hart_rung < HartRung.ASSIGNED_INFORMED:
            errors["hart_rung"] = (
                "Rungs 1 to 3 (manipulation, decoration, tokenism) are not participation: "
                "change the design before publishing."
            )
    if errors:
        raise ValidationError(errors)


def _place(opportunity: Opportunity) -> None:
    """Locate the venue from the partnership's postcode table (no external geocoder)."""
    opportunity.district = None
    opportunity.latitude = opportunity.longitude = None
    if opportunity.is_online or not opportunity.venue_postcode:
        return
    opportunity.venue_postcode = normalise_postcode(opportunity.venue_postcode)
    prefix = postcode_prefix_for(partnership=opportunity.provider.partnership, postcode=opportunity.venue_postcode)
    if prefix is None:
        raise ValidationError({"venue_postcode": "This postcode is outside the partnership's areas."})
    if prefix.district.area_id != opportunity.area_id:
        raise ValidationError(
            {"venue_postcode": f"This postcode is in {prefix.district.area.name}: choose that area, or check it."}
        )
    opportunity.district = prefix.district
    opportunity.latitude, opportunity.longitude = prefix.latitude, prefix.longitude


@transaction.atomic
def opportunity_save(*, actor: Any, opportunity: Opportunity | None, data: dict[str, Any]) -> Opportunity:
    """Create or change an opportunity; publishing requires influence to be explicit."""
    unknown = set(data) - set(OPPORTUNITY_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    creating = opportunity is None
    if opportunity is None:
        opportunity = Opportunity(created_by=actor, last_reviewed_on=timezone.localdate())
        old: dict[str, Any] = {}
    else:
        opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
        old = _snapshot(opportunity)
    for name, value in data.items():
        setattr(opportunity, name, value)
    _place(opportunity)
    _validate(opportunity)
    opportunity.full_clean()
    opportunity.save()
    new = _snapshot(opportunity)
    audit_record(
        actor=actor,
        event="opportunity.created" if creating else "opportunity.updated",
        obj=opportunity,
        old={k: v for k, v in old.items() if new.get(k) != v},
        new={k: v for k, v in new.items() if old.get(k) != v},
    )
    return opportunity


@transaction.atomic
def opportunity_mark_reviewed(*, actor: Any, opportunity: Opportunity) -> Opportunity:
    old = {"last_reviewed_on": opportunity.last_reviewed_on.isoformat()}
    opportunity.last_reviewed_on = timezone.localdate()
    opportunity.save(update_fields=["last_reviewed_on", "updated_at"])
    audit_record(
        actor=actor,
        event="opportunity.reviewed",
        obj=opportunity,
        old=old,
        new={"last_reviewed_on": opportunity.last_reviewed_on.isoformat()},
    )
    return opportunity


@transaction.atomic
def cohort_create(*, actor: Any, opportunity: Opportunity, name: str) -> Cohort:
    cohort = Cohort(opportunity=opportunity, name=name.strip(), created_by=actor)
    cohort.full_clean()
    cohort.save()
    audit_record(actor=actor, event="cohort.created", obj=cohort, new={"name": cohort.name})
    return cohort


@transaction.atomic
def cohort_put_forward(
    *,
    actor: Any,
    cohort: Cohort,
    child: Child,
    display_name: str,
    young_person_consent: bool,
    parent_consent: str,
) -> CohortMember:
    """A practitioner puts forward a young person they work with, with consent recorded."""
    errors: dict[str, str] = {}
    if cohort.status != CohortStatus.FORMING:
        errors["cohort"] = "This cohort is confirmed: ask the participation officer to reopen it."
    if not young_person_consent:
        errors["young_person_consent"] = "The young person must agree to take part."
    if parent_consent == ParentConsent.WITHHELD:
        errors["parent_consent"] = "A parent has not agreed: the young person cannot be put forward."
    if not display_name.strip():
        errors["display_name"] = "Enter the name the young person wants the group to use."
    if CohortMember.objects.filter(cohort=cohort, child=child).exists():
        errors["child"] = "This young person is already in the cohort."
    if errors:
        raise ValidationError(errors)
    member = CohortMember(
        cohort=cohort,
        child=child,
        display_name=display_name.strip(),
        lead_practitioner=actor,
        young_person_consent=True,
        parent_consent=parent_consent,
    )
    member.full_clean()
    member.save()
    audit_record(
        actor=actor,
        event="cohort.put_forward",
        obj=member,
        child_uuid=child.uuid,
        new={"cohort": str(cohort.uuid), "parent_consent": parent_consent},
    )
    return member


@transaction.atomic
def safety_check_run(*, actor: Any, cohort: Cohort) -> SafetyCheck:
    """Ask, for every pair in the cohort, whether they are linked; record the pairs, never the reasons."""
    members = list(cohort.members.exclude(status=MemberStatus.WITHDRAWN))
    by_child = {m.child_id: m for m in members}
    pairs = linked_pairs(by_child)
    flagged = sorted(
        sorted([str(by_child[a].uuid), str(by_child[b].uuid)]) for a, b in (tuple(sorted(p)) for p in pairs)
    )
    check = SafetyCheck(
        cohort=cohort, run_by=actor, pairs_checked=len(members) * (len(members) - 1) // 2, flagged_pairs=flagged
    )
    check.full_clean()
    check.save()
    audit_record(
        actor=actor,
        event="cohort.safety_checked",
        obj=check,
        detail={"cohort": str(cohort.uuid), "pairs_checked": check.pairs_checked, "links_found": len(flagged)},
    )
    return check


def _apart_message(pairs: list[tuple[CohortMember, CohortMember]]) -> str:
    names = "; ".join(f"{a.display_name} and {b.display_name}" for a, b in pairs)
    return (
        f"You decided to keep {names} apart: withdraw one of each pair, or move them to another cohort, "
        "before confirming."
    )


@transaction.atomic
def safety_check_decide(*, actor: Any, check: SafetyCheck, decision: str, note: str) -> SafetyCheck:
    """Record what the lead practitioners said about the linked pairs of a check.

    A keep-apart decision is final for that pair in this cohort: a later check
    may not turn it into "proceed", so a re-run cannot undo what was agreed.
    """
    if decision not in {CheckDecision.PROCEED, CheckDecision.SEPARATE}:
        raise ValidationError({"decision": "Choose whether to proceed or keep the young people apart."})
    if not note.strip():
        raise ValidationError({"decision_note": "Record what the lead practitioners said."})
    if decision == CheckDecision.PROCEED:
        flagged = {tuple(sorted(p)) for p in check.flagged_pairs}
        earlier = [
            (a, b) for a, b in kept_apart_pairs(check.cohort) if tuple(sorted((str(a.uuid), str(b.uuid)))) in flagged
        ]
        if earlier:
            raise ValidationError({"decision": _apart_message(earlier)})
    check.decision = decision
    check.decision_note = note.strip()
    check.decided_by = actor
    check.full_clean()
    check.save(update_fields=["decision", "decision_note", "decided_by", "updated_at"])
    audit_record(
        actor=actor, event="cohort.safety_decided", obj=check, new={"decision": decision, "note": check.decision_note}
    )
    return check


@transaction.atomic
def cohort_member_move(*, actor: Any, member: CohortMember, to_cohort: Cohort | None) -> CohortMember:
    """Carry out a keep-apart decision: withdraw a young person from a forming cohort, or move them
    to another forming cohort of the same partnership. Returns their membership in the new cohort
    (or the withdrawn one). The new cohort needs its own safety check before it can be confirmed."""
    member = CohortMember.objects.select_for_update().select_related("cohort__opportunity__provider").get(pk=member.pk)
    cohort = member.cohort
    errors: dict[str, str] = {}
    if cohort.status != CohortStatus.FORMING:
        errors["member"] = "This cohort is confirmed: nobody can be moved out of it."
    if member.status == MemberStatus.WITHDRAWN:
        errors["member"] = f"{member.display_name} is already out of this cohort."
    if to_cohort is not None:
        to_cohort = Cohort.objects.select_related("opportunity__provider").get(pk=to_cohort.pk)
        if to_cohort.pk == cohort.pk:
            errors["to_cohort"] = "Choose a different cohort, or withdraw them from this one."
        elif to_cohort.opportunity.provider.partnership_id != cohort.opportunity.provider.partnership_id:
            errors["to_cohort"] = "Choose a cohort in your partnership."
        elif to_cohort.status != CohortStatus.FORMING:
            errors["to_cohort"] = f"{to_cohort.name} is confirmed: choose a cohort that is still forming."
        elif CohortMember.objects.filter(cohort=to_cohort, child_id=member.child_id).exists():
            errors["to_cohort"] = f"{member.display_name} is already in {to_cohort.name}."
    if errors:
        raise ValidationError(errors)
    member.status = MemberStatus.WITHDRAWN
    member.save(update_fields=["status", "updated_at"])
    result = member
    if to_cohort is not None:
        # Consent and the lead practitioner go with the young person: they agreed to take part
        # in the opportunity, and the officer is only changing the group or session.
        result = CohortMember(
            cohort=to_cohort,
            child_id=member.child_id,
            display_name=member.display_name,
            lead_practitioner=member.lead_practitioner,
            young_person_consent=member.young_person_consent,
            parent_consent=member.parent_consent,
        )
        result.full_clean()
        result.save()
    audit_record(
        actor=actor,
        event="cohort.member_moved" if to_cohort is not None else "cohort.member_withdrawn",
        obj=member,
        child_uuid=member.child.uuid,
        old={"cohort": str(cohort.uuid), "status": MemberStatus.PUT_FORWARD},
        new={"cohort": str(to_cohort.uuid) if to_cohort is not None else None, "status": MemberStatus.WITHDRAWN},
    )
    return result


@transaction.atomic
def cohort_confirm(*, actor: Any, cohort: Cohort) -> Cohort:
    """Confirm a cohort: only after a safety check of its current members, a decision on any links,
    and with every keep-apart decision carried out (never both of such a pair placed)."""
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if cohort.status != CohortStatus.FORMING:
        raise ValidationError("This cohort is already confirmed.")
    latest = cohort.checks.order_by("-created_at").first()
    # Taking someone out cannot create a link, so only joining or changed members need a new check.
    last_change = (
        cohort.members.exclude(status=MemberStatus.WITHDRAWN)
        .order_by("-updated_at")
        .values_list("updated_at", flat=True)
        .first()
    )
    if latest is None or (last_change is not None and last_change > latest.created_at):
        raise ValidationError("Run the safety check on the cohort as it is now before confirming it.")
    if latest.flagged_pairs and latest.decision == CheckDecision.PENDING:
        raise ValidationError("Speak to the lead practitioners and record a decision on the links before confirming.")
    apart = kept_apart_pairs(cohort)
    if apart:
        raise ValidationError(_apart_message(apart))
    cohort.status = CohortStatus.CONFIRMED
    cohort.confirmed_at = timezone.now()
    cohort.confirmed_by = actor
    cohort.save(update_fields=["status", "confirmed_at", "confirmed_by", "updated_at"])
    cohort.members.filter(status=MemberStatus.PUT_FORWARD).update(status=MemberStatus.PLACED)
    audit_record(actor=actor, event="cohort.confirmed", obj=cohort, detail={"check": str(latest.uuid)})
    return cohort


@transaction.atomic
def contribution_record(*, actor: Any, data: dict[str, Any]) -> Contribution:
    """Record a young person's words; anonymised by default for strategic use."""
    if not (data.get("opportunity") or data.get("question") or data.get("about_own_plan")):
        raise ValidationError(
            "Say what the contribution is to: an opportunity, a strategic question or their own plan."
        )
    if data.get("about_own_plan") and not data.get("child"):
        raise ValidationError({"child": "A contribution to a young person's own plan must say whose plan."})
    contribution = Contribution(heard_by=actor, **data)
    if contribution.heard_on and contribution.heard_on > timezone.localdate():
        raise ValidationError({"heard_on": "The date they were heard must be today or in the past."})
    contribution.full_clean()
    contribution.save()
    audit_record(
        actor=actor,
        event="contribution.recorded",
        obj=contribution,
        child_uuid=contribution.child.uuid if contribution.child else None,
        new={"kind": contribution.kind, "consent_use": contribution.consent_use, "themes": contribution.themes},
    )
    return contribution


@transaction.atomic
def contribution_withdraw(*, actor: Any, contribution: Contribution) -> Contribution:
    """The young person takes their words back: they are no longer shown or counted."""
    if contribution.withdrawn_at is None:
        contribution.withdrawn_at = timezone.now()
        contribution.save(update_fields=["withdrawn_at", "updated_at"])
        audit_record(actor=actor, event="contribution.withdrawn", obj=contribution)
    return contribution


@transaction.atomic
def feedback_record(*, actor: Any, contribution: Contribution, data: dict[str, Any]) -> FeedbackResponse:
    """'You said, we did': what changed, who decided, and how the young person was told."""
    if hasattr(contribution, "response"):
        raise ValidationError("Feedback is already recorded for this contribution.")
    told_on: dt.date | None = data.get("told_on")
    decided_on: dt.date | None = data.get("decided_on")
    if told_on and decided_on and told_on < decided_on:
        raise ValidationError({"told_on": "They can only be told after the decision was made."})
    response = FeedbackResponse(contribution=contribution, recorded_by=actor, **data)
    response.full_clean()
    response.save()
    audit_record(actor=actor, event="contribution.feedback", obj=response, new={"told_how": response.told_how})
    return response
