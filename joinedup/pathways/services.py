"""Writes for referrals' screening and for cases on pathways. Each service audits in its transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import dateformat, timezone

from joinedup.audit.services import audit_record
from joinedup.children.models import Child
from joinedup.notifications.services import notify
from joinedup.partnership.models import Agency, AgencyType, Area, Membership
from joinedup.partnership.roles import Perm, role_can
from joinedup.pathways.definitions import EVENTS, MEETING_EVENTS, Clock, Definition
from joinedup.pathways.engine import calendar_for, definition_for, definition_of, version_for
from joinedup.pathways.models import Case, CaseEvent, CaseStatus, Handover, HandoverStatus, Meeting, Task
from joinedup.referrals.models import Decision, Referral, ReferralStatus

# Which pathway a screening decision opens.
DECISION_PATHWAYS: dict[str, str] = {
    Decision.CHILD_PROTECTION: "child-protection",
    Decision.ADOLESCENT: "efh",
    Decision.MACE: "efh",
}


def _timeline(
    case: Case, *, kind: str, summary: str, actor: Any = None, at: dt.datetime | None = None, **detail: Any
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        occurred_at=at or timezone.now(),
        actor=actor,
        area=case.area,
        summary=summary[:300],
        detail=detail,
    )


def _apply_event(case: Case, definition: Definition, *, event: str, at: dt.datetime, actor: Any) -> list[Task]:
    """An event stops the clocks it completes and starts the clocks it starts."""
    if event not in EVENTS:
        raise ValidationError({"event": f"Unknown event '{event}'."})
    completing = {c.id for c in definition.clocks if c.completed_by == event}
    for task in case.tasks.filter(clock_id__in=completing, completed_at__isnull=True, cancelled_at__isnull=True):
        task.completed_at = at
        task.save(update_fields=["completed_at", "updated_at"])
    calendar = calendar_for(case)
    created = []
    for clock in definition.clocks_started_by(event):
        created.append(
            Task.objects.create(
                case=case,
                clock_id=clock.id,
                title=clock.name,
                started_at=at,
                due_at=clock.due(at, calendar),
                owner_agency=case.lead_agency,
            )
        )
    _timeline(case, kind=event, summary=EVENTS[event], actor=actor, at=at)
    return created


@transaction.atomic
def case_open(
    *,
    actor: Any,
    child: Child,
    definition: Definition,
    area: Area,
    lead_agency: Agency,
    referral: Referral | None = None,
    home_area: Area | None = None,
    found_area: Area | None = None,
    started_at: dt.datetime | None = None,
) -> Case:
    """Open a case on a pathway at its first stage; the referral's receipt starts the clocks."""
    if area.short_name not in definition.areas:
        raise ValidationError({"area": f"The {definition.title} pathway does not run in {area.name}."})
    started = started_at or (referral.received_at if referral and referral.received_at else timezone.now())
    case = Case(
        child=child,
        referral=referral,
        pathway=version_for(definition),
        area=area,
        lead_agency=lead_agency,
        home_area=home_area,
        found_area=found_area,
        stage_id=definition.stages[0].id,
        opened_at=started,
    )
    case.full_clean()
    case.save()
    _timeline(case, kind="opened", summary=f"Opened on {definition.title} in {area.name}", actor=actor, at=started)
    _apply_event(case, definition, event="referral_received", at=started, actor=actor)
    audit_record(
        actor=actor,
        event="case.opened",
        obj=case,
        child_uuid=child.uuid,
        new={"pathway": definition.key, "area": area.short_name, "lead_agency": lead_agency.name},
    )
    return case


@transaction.atomic
def case_record_event(*, actor: Any, case: Case, event: str, at: dt.datetime | None = None) -> list[Task]:
    definition = definition_of(case)
    at = at or timezone.now()
    tasks = _apply_event(case, definition, event=event, at=at, actor=actor)
    audit_record(actor=actor, event="case.event", obj=case, child_uuid=case.child.uuid, detail={"event": event})
    return tasks


@transaction.atomic
def meeting_record(
    *, actor: Any, case: Case, kind: str, held_at: dt.datetime, attendees: str, decisions: str = "", actions: str = ""
) -> Meeting:
    """Record a meeting; holding it is the event its clocks wait for."""
    definition = definition_of(case)
    names = {m.kind: m.name for s in definition.stages for m in s.meetings}
    if kind not in names:
        raise ValidationError({"kind": "Choose a meeting this pathway holds."})
    if held_at > timezone.now():
        raise ValidationError({"held_at": "Record a meeting once it has been held."})
    if not attendees.strip():
        raise ValidationError({"attendees": "List who attended and for which agency."})
    meeting = Meeting(
        case=case,
        kind=kind,
        name=names[kind],
        held_at=held_at,
        attendees=attendees.strip(),
        decisions=decisions.strip(),
        actions=actions.strip(),
        recorded_by=actor,
    )
    meeting.full_clean()
    meeting.save()
    _apply_event(case, definition, event=MEETING_EVENTS[kind], at=held_at, actor=actor)
    audit_record(actor=actor, event="case.meeting", obj=meeting, child_uuid=case.child.uuid, new={"kind": kind})
    return meeting


@transaction.atomic
def case_move(*, actor: Any, case: Case, to_stage: str, reason: str, at: dt.datetime | None = None) -> Case:
    definition = definition_of(case)
    if case.status != CaseStatus.OPEN:
        raise ValidationError("The case is closed.")
    if not definition.can_move(case.stage_id, to_stage):
        allowed = ", ".join(definition.stage(t.target).name for t in definition.next_stages(case.stage_id))
        raise ValidationError(
            {"to_stage": f"From {definition.stage(case.stage_id).name} the case can move to: {allowed}."}
        )
    old = case.stage_id
    case.stage_id = to_stage
    case.save(update_fields=["stage_id", "updated_at"])
    # A stage's own review cycle (a clock its meeting both stops and starts again, like the
    # MACE review) ends when the case leaves the stage; one-off clocks keep running.
    cycles = [c.id for c in definition.clocks if c.stage == old and c.from_event == c.completed_by]
    case.tasks.filter(clock_id__in=cycles, completed_at__isnull=True, cancelled_at__isnull=True).update(
        cancelled_at=at or timezone.now()
    )
    _timeline(
        case,
        kind="stage_moved",
        summary=f"Moved to {definition.stage(to_stage).name}: {reason}",
        actor=actor,
        stage=to_stage,
    )
    audit_record(
        actor=actor,
        event="case.moved",
        obj=case,
        child_uuid=case.child.uuid,
        old={"stage": old},
        new={"stage": to_stage},
    )
    if definition.stage(to_stage).purpose == "closure":
        return case_close(actor=actor, case=case, outcome=reason, at=at)
    return case


@transaction.atomic
def case_close(*, actor: Any, case: Case, outcome: str, at: dt.datetime | None = None) -> Case:
    if not outcome.strip():
        raise ValidationError({"outcome": "Record the outcome of the case."})
    now = at or timezone.now()
    case.status = CaseStatus.CLOSED
    case.closed_at = now
    case.outcome = outcome.strip()
    case.save(update_fields=["status", "closed_at", "outcome", "updated_at"])
    case.tasks.filter(completed_at__isnull=True, cancelled_at__isnull=True).update(cancelled_at=now)
    _timeline(case, kind="closed", summary=f"Closed: {case.outcome}", actor=actor, at=now)
    audit_record(actor=actor, event="case.closed", obj=case, child_uuid=case.child.uuid, new={"outcome": case.outcome})
    return case


# --- handover across the boundary ----------------------------------------------------


def _casework_team(agency: Agency, *, team_of: Any = None) -> list[Any]:
    """Who hears about a handover at `agency`: the active members who work cases there; only
    `team_of`'s team when that user has one (the team that offered the case)."""
    members = Membership.objects.filter(agency=agency, is_active=True).select_related("user")
    team_id = getattr(getattr(team_of, "membership", None), "team_id", None)
    if team_id is not None and team_of.membership.agency_id == agency.pk:
        members = members.filter(team_id=team_id)
    return [m.user for m in members if role_can(m.role, Perm.WORK_CASES)]


def _tell_on_commit(*, users: list[Any], kind: str, title: str, body: str, url: str) -> None:
    # Sent once the handover is written: a rolled-back offer tells nobody. No names in the
    # text: the link leads to the page, where the access policy decides what is shown.
    transaction.on_commit(lambda: notify(users=users, kind=kind, title=title, body=body, url=url))


@transaction.atomic
def handover_offer(
    *, actor: Any, case: Case, to_area: Area, to_agency: Agency, reason: str, at: dt.datetime | None = None
) -> Handover:
    """Offer the case to the other area's lead agency when the child moves."""
    errors = {}
    if case.status != CaseStatus.OPEN:
        errors["case"] = "Only an open case can be handed over."
    if to_area.pk == case.area_id:
        errors["to_area"] = "Choose the area the child has moved to."
    if not to_agency.areas.filter(pk=to_area.pk).exists():
        errors["to_agency"] = f"{to_agency.name} does not serve {to_area.name}."
    if case.handovers.filter(status=HandoverStatus.OFFERED).exists():
        errors["case"] = "A handover is already waiting for an answer."
    if not reason.strip():
        errors["reason"] = "Say why the case is being handed over."
    if errors:
        raise ValidationError(errors)
    handover = Handover.objects.create(
        case=case,
        from_area=case.area,
        from_agency=case.lead_agency,
        to_area=to_area,
        to_agency=to_agency,
        reason=reason.strip(),
        offered_by=actor,
    )
    _timeline(
        case, kind="handover_offered", summary=f"Handover offered to {to_agency.name} ({to_area.name})", actor=actor
    )
    audit_record(
        actor=actor, event="handover.offered", obj=handover, child_uuid=case.child.uuid, new={"to": to_agency.name}
    )
    _tell_on_commit(
        users=_casework_team(to_agency),
        kind="handover_offered",
        title=f"A case is offered to {to_agency.name} from {handover.from_area.name}",
        body=f"{handover.from_agency.name} asks {to_agency.name} to take a {case.pathway.title} case: "
        f"the child has moved to {to_area.name}. Accept or decline it.",
        url=reverse("pathways:handover", args=[handover.uuid]),
    )
    return handover


def receiving_definition(case: Case, to_area: Area) -> Definition:
    """The pathway a case runs under once handed over to `to_area`: its own, or that area's of the same kind."""
    current = definition_of(case)
    if to_area.short_name in current.areas:
        return current
    kind = current.id.split("-")[0]
    return definition_for(area_short_name=to_area.short_name, kind=kind)


def _restart_clocks(
    case: Case, tasks: list[Task], *, current: Definition, target: Definition, at: dt.datetime
) -> list[Task]:
    """Start each open clock again from `at`, with the receiving pathway's timescale.

    A clock is matched by its id, else by the purpose of its stage (the City's
    "exploitation strategy meeting" is the County's "strategy discussion"); a clock
    the receiving pathway has no equivalent for restarts with its own timescale.
    """
    calendar = calendar_for(case)
    by_id = {c.id: c for c in target.clocks}
    by_purpose: dict[str, Clock] = {}
    for candidate in target.clocks:
        by_purpose.setdefault(target.stage(candidate.stage).purpose, candidate)
    old_clocks = {c.id: c for c in current.clocks}
    restarted = []
    for task in tasks:
        old = old_clocks.get(task.clock_id)
        clock = by_id.get(task.clock_id) or (by_purpose.get(current.stage(old.stage).purpose) if old else None) or old
        if clock is None:
            continue  # a task no clock made: nothing to restart
        task.clock_id = clock.id
        task.title = clock.name
        task.started_at = at
        task.due_at = clock.due(at, calendar)
        task.save(update_fields=["clock_id", "title", "started_at", "due_at", "updated_at"])
        restarted.append(task)
    return restarted


@transaction.atomic
def handover_accept(*, actor: Any, handover: Handover, note: str = "", at: dt.datetime | None = None) -> Case:
    """The receiving agency takes the case. Timeline, tasks and meetings move with it.

    The clocks continue, or restart from acceptance, as the receiving
    pathway's definition says (`on_handover`).
    """
    if handover.status != HandoverStatus.OFFERED:
        raise ValidationError("This handover has already been answered.")
    case = Case.objects.select_for_update().get(pk=handover.case_id)
    target = receiving_definition(case, handover.to_area)
    now = at or timezone.now()
    old = {
        "area": case.area.short_name,
        "lead_agency": case.lead_agency.name,
        "pathway": case.pathway.key,
    }
    current = definition_of(case)
    case.area = handover.to_area
    case.lead_agency = handover.to_agency
    if target.key != current.key:
        case.pathway = version_for(target)
        # Keep the stage where the receiving pathway has one of the same purpose.
        purpose = current.stage(case.stage_id).purpose
        case.stage_id = next((s.id for s in target.stages if s.purpose == purpose), target.stages[0].id)
    case.save(update_fields=["area", "lead_agency", "pathway", "stage_id", "updated_at"])
    open_tasks = case.tasks.filter(completed_at__isnull=True, cancelled_at__isnull=True)
    restarted: list[Task] = []
    if target.on_handover == "restart":
        restarted = _restart_clocks(case, list(open_tasks), current=current, target=target, at=now)
    open_tasks.update(owner_agency=handover.to_agency)
    handover.status = HandoverStatus.ACCEPTED
    handover.decided_by = actor
    handover.decided_at = now
    handover.decision_reason = note
    handover.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"])
    if target.on_handover == "restart":
        due = "; ".join(
            f"{t.title} now due {dateformat.format(timezone.localtime(t.due_at), 'j M Y')}" for t in restarted
        )
        clocks = f"clocks restart under the {target.title}" + (f" ({due})" if due else "")
    else:
        clocks = "clocks continue"
    event = _timeline(
        case,
        kind="handover_accepted",
        summary=f"Handover accepted by {handover.to_agency.name}: {clocks}",
        actor=actor,
        at=now,
        restarted={str(t.uuid): t.due_at.isoformat() for t in restarted},
    )
    # Both areas see the handover in the timeline.
    CaseEvent.objects.filter(pk=event.pk).update(area=None)
    audit_record(
        actor=actor,
        event="handover.accepted",
        obj=handover,
        child_uuid=case.child.uuid,
        old=old,
        new={
            "area": case.area.short_name,
            "lead_agency": case.lead_agency.name,
            "pathway": case.pathway.key,
        },
    )
    # The case is the receiving agency's now: the sending team keeps a link to it only where
    # an agreement still lets them read it (a link to a page they may not open is a 404).
    from joinedup.pathways.access import case_access_level

    still_theirs = case_access_level(user=handover.offered_by, case=case) == "full"
    ask = handover.to_agency.contact_route or "their contact route"
    _tell_on_commit(
        users=[*_casework_team(handover.from_agency, team_of=handover.offered_by), handover.offered_by],
        kind="handover_accepted",
        title=f"{handover.to_agency.name} accepted the case you handed over",
        body=f"The case is with {handover.to_agency.name} in {handover.to_area.name} now: {clocks}."
        + ("" if still_theirs else f" For news of it, ask {handover.to_agency.name} ({ask})."),
        url=reverse("pathways:case", args=[case.uuid]) if still_theirs else "",
    )
    return case


@transaction.atomic
def handover_decline(*, actor: Any, handover: Handover, reason: str) -> Handover:
    if handover.status != HandoverStatus.OFFERED:
        raise ValidationError("This handover has already been answered.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the handover is declined, so the area holding the case can act."})
    handover.status = HandoverStatus.DECLINED
    handover.decided_by = actor
    handover.decided_at = timezone.now()
    handover.decision_reason = reason.strip()
    handover.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"])
    _timeline(
        handover.case,
        kind="handover_declined",
        summary=f"Handover declined by {handover.to_agency.name}: {reason}",
        actor=actor,
    )
    audit_record(
        actor=actor,
        event="handover.declined",
        obj=handover,
        child_uuid=handover.case.child.uuid,
        detail={"reason": reason},
    )
    _tell_on_commit(
        users=[*_casework_team(handover.from_agency, team_of=handover.offered_by), handover.offered_by],
        kind="handover_declined",
        title=f"{handover.to_agency.name} declined the case you offered",
        body=f"The case stays with {handover.from_agency.name}. Their reason: {handover.decision_reason}",
        url=reverse("pathways:case", args=[handover.case.uuid]),
    )
    return handover


# --- screening ------------------------------------------------------------------------


@transaction.atomic
def referral_screen(
    *, actor: Any, referral: Referral, decision: str, reasons: str, at: dt.datetime | None = None
) -> Case | None:
    """Record the screening decision; a pathway decision opens a case in the child's home area."""
    if referral.status != ReferralStatus.SUBMITTED:
        raise ValidationError("This referral is not waiting for screening.")
    if decision not in Decision.values:
        raise ValidationError({"decision": "Choose a decision."})
    if not reasons.strip():
        raise ValidationError({"reasons": "Record the reasons for the decision."})
    now = at or timezone.now()
    referral.decision = decision
    referral.decision_reasons = reasons.strip()
    referral.screened_by = actor
    referral.screened_at = now
    referral.status = ReferralStatus.SCREENED
    referral.save(update_fields=["decision", "decision_reasons", "screened_by", "screened_at", "status", "updated_at"])
    audit_record(
        actor=actor,
        event="referral.screened",
        obj=referral,
        child_uuid=referral.child.uuid if referral.child else None,
        new={"decision": decision, "reasons": referral.decision_reasons},
    )
    kind = DECISION_PATHWAYS.get(decision)
    if kind is None or referral.child is None:
        return None
    area = referral.home_area or referral.found_area or actor.membership.agency.areas.first()
    definition = definition_for(area_short_name=area.short_name, kind=kind)
    lead = actor.membership.agency
    if not lead.areas.filter(pk=area.pk).exists() or lead.agency_type != AgencyType.CHILDRENS_SOCIAL_CARE:
        lead = (
            Agency.objects.filter(areas=area, agency_type=AgencyType.CHILDRENS_SOCIAL_CARE, is_active=True).first()
            or lead
        )
    case = case_open(
        actor=actor,
        child=referral.child,
        definition=definition,
        area=area,
        lead_agency=lead,
        referral=referral,
        home_area=referral.home_area,
        found_area=referral.found_area,
        started_at=referral.received_at,
    )
    _apply_event(case, definition, event="screening_decided", at=now, actor=actor)
    if decision == Decision.MACE:
        panel = next((s for s in definition.stages if s.purpose == "panel"), None)
        if panel is not None:
            case.stage_id = panel.id
            case.save(update_fields=["stage_id", "updated_at"])
            _timeline(
                case, kind="stage_moved", summary=f"Straight to {panel.name} at screening", actor=actor, stage=panel.id
            )
    return case


@transaction.atomic
def task_assign(*, actor: Any, task: Task, owner: Any) -> Task:
    """Give a task to a named person in the lead agency, so it appears in their own list."""
    if owner.membership.agency_id != task.owner_agency_id:
        raise ValidationError({"owner": "Assign the task to someone in the agency that owns it."})
    old = {"owner": task.owner.get_username() if task.owner else None}
    task.owner = owner
    task.save(update_fields=["owner", "updated_at"])
    audit_record(
        actor=actor,
        event="task.assigned",
        obj=task,
        child_uuid=task.case.child.uuid,
        old=old,
        new={"owner": owner.get_username()},
    )
    return task


@transaction.atomic
def case_key_people_update(*, actor: Any, case: Case, key_people: str) -> Case:
    """Who is involved: lead practitioner, chair, and others (one per line)."""
    old = {"key_people": case.key_people}
    case.key_people = key_people.strip()
    case.full_clean()
    case.save(update_fields=["key_people", "updated_at"])
    _timeline(case, kind="key_people", summary="Key people updated", actor=actor)
    audit_record(
        actor=actor,
        event="case.key_people",
        obj=case,
        child_uuid=case.child.uuid,
        old=old,
        new={"key_people": case.key_people},
    )
    return case
