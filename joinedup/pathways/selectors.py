"""Reads over cases: parallel processes, task lists, and alignment evidence."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet

from joinedup.audit.services import audit_record
from joinedup.children.access import children_visible_to
from joinedup.children.models import AgencyRecord, Channel, Child
from joinedup.children.services import disclosures_record
from joinedup.partnership.access import Grant, membership_for, partner_grants, require
from joinedup.partnership.roles import DataCategory, Perm, Purpose, default_purpose, role_can
from joinedup.pathways.access import case_access_levels, cases_visible_to
from joinedup.pathways.engine import definition_of
from joinedup.pathways.models import Case, CaseEvent, CaseStatus, Handover, HandoverStatus, Meeting, Task
from joinedup.pathways.rules import at_panel


@dataclass
class ParallelFlag:
    child_id: int
    cases: list[Case]
    reasons: list[str] = field(default_factory=list)


# The warning reads "this child is <reasons>".
MORE_THAN_ONE = "in more than one open process"


def _kind(case: Case) -> str:
    return case.pathway.definition_id.split("-")[0]


def parallel_processes(cases: QuerySet[Case]) -> list[ParallelFlag]:
    """Children with more than one process at once: CP beside the exploitation pathway, both areas,
    or two meetings about them in the same week."""
    return parallel_processes_among(
        list(cases.filter(status=CaseStatus.OPEN).select_related("pathway", "area", "lead_agency", "child"))
    )


def parallel_processes_among(cases: list[Case]) -> list[ParallelFlag]:
    """parallel_processes of cases already read (with their pathways and areas): the open ones."""
    open_cases = [case for case in cases if case.status == CaseStatus.OPEN]
    by_child: dict[int, list[Case]] = defaultdict(list)
    for case in open_cases:
        by_child[case.child_id].append(case)
    flags = []
    meetings_by_child: dict[int, list[Meeting]] = defaultdict(list)
    # Only children with two processes or more can be flagged: no meetings are read for the others.
    several = [child_id for child_id, child_cases in by_child.items() if len(child_cases) > 1]
    # Only the meetings of the cases given: a caller that passes the cases a user sees in full
    # must not learn of another process's meetings through the flag.
    given = [case.pk for child_id in several for case in by_child[child_id]]
    # access: meetings of the cases the caller already narrowed
    held = Meeting.objects.filter(case_id__in=given)  # none asked if none
    for meeting in held.select_related("case").order_by("held_at"):
        meetings_by_child[meeting.case.child_id].append(meeting)
    for child_id, child_cases in by_child.items():
        if len(child_cases) < 2:
            continue
        flag = ParallelFlag(child_id=child_id, cases=child_cases)
        kinds = {_kind(c) for c in child_cases}
        if {"child", "efh"} <= kinds:
            flag.reasons.append("on the child protection pathway and the exploitation pathway at once")
        if len({c.area_id for c in child_cases}) > 1:
            flag.reasons.append("open in both areas")
        meetings = meetings_by_child.get(child_id, [])
        for first, second in zip(meetings, meetings[1:], strict=False):
            if first.case_id != second.case_id and (second.held_at - first.held_at) <= dt.timedelta(days=7):
                flag.reasons.append(f"two meetings in the same week ({first.name} and {second.name})")
                break
        if not flag.reasons:
            flag.reasons.append(MORE_THAN_ONE)
        flags.append(flag)
    return flags


def describe(case: Case) -> dict[str, Any]:
    """What a process is doing now: pathway, stage, area, lead agency, next task."""
    definition = definition_of(case)
    next_task = case.tasks.filter(completed_at__isnull=True, cancelled_at__isnull=True).order_by("due_at").first()
    return {
        "case": case,
        "pathway": definition.title,
        "stage": definition.stage(case.stage_id).name,
        "next_task": next_task,
    }


def tasks_for_agency(agency_id: int) -> QuerySet[Task]:
    return (
        # access: the agency's own tasks
        Task.objects.filter(owner_agency_id=agency_id, completed_at__isnull=True, cancelled_at__isnull=True)
        .select_related("case__child", "case__area", "owner")
        .order_by("due_at")
    )


# --- children named in lists ------------------------------------------------------------


@dataclass
class NamesShown:
    """The label each child gets in a list, and the partner records whose names were shown."""

    labels: dict[int, str]
    named: set[int]
    from_partners: dict[int, tuple[AgencyRecord, Grant]]

    def label(self, child_id: int) -> str:
        return self.labels.get(child_id, "")


def child_names(*, user: Any, children: list[Child], purpose: str, opened: frozenset[int] = frozenset()) -> NamesShown:
    """The name the user may see for each child, or a pseudonymous reference where they may not.

    The name comes from the user's agency's own record, else from a partner's record whose
    agreement shares identity for `purpose`, and only for children the user may open.
    Callers show the labels and call `names_shown_record` in the same request. `opened` holds
    ids of children the caller opened through the policy in this same request (the child of a
    case from case_get_for_user): they are not asked of children_visible_to again.
    """
    membership = membership_for(user)
    pseudonyms = {c.pk: f"Child {c.pseudonym} (pseudonymous reference)" for c in children}
    if membership is None:
        return NamesShown(labels=pseudonyms, named=set(), from_partners={})
    visible = {pk for pk in pseudonyms if pk in opened}
    if unasked := [pk for pk in pseudonyms if pk not in visible]:
        visible |= set(children_visible_to(user).filter(pk__in=unasked).values_list("pk", flat=True))
    grants = {
        pk: g
        for pk, g in partner_grants(membership=membership, purpose=purpose).items()
        if g.covers(DataCategory.IDENTITY)
    }
    # access: records shown only where a grant covers identity (above)
    records = AgencyRecord.objects.filter(
        child_id__in=visible, erased_at__isnull=True, agency_id__in=[membership.agency_id, *grants]
    ).order_by("-updated_at")
    own: dict[int, AgencyRecord] = {}
    partner: dict[int, AgencyRecord] = {}
    for row in records:
        target = own if row.agency_id == membership.agency_id else partner
        target.setdefault(row.child_id, row)
    labels, named, from_partners = dict(pseudonyms), set(), {}
    for child_id in visible:
        record = own.get(child_id) or partner.get(child_id)
        if record is None:
            continue
        labels[child_id] = f"{record.given_names} {record.family_name}"
        named.add(child_id)
        if record.agency_id != membership.agency_id:
            from_partners[child_id] = (record, grants[record.agency_id])
    return NamesShown(labels=labels, named=named, from_partners=from_partners)


def _names_disclosed(*, user: Any, names: NamesShown, children: dict[int, Child], purpose: str) -> None:
    """A disclosure row for each name a partner's record gave (inside the caller's transaction)."""
    for child_id, (record, grant) in names.from_partners.items():
        disclosures_record(
            user=user,
            child=children[child_id],
            items=[(record, [DataCategory.IDENTITY], grant)],
            purpose=purpose,
            channel=Channel.PAGE,
        )


def names_shown_record(
    *, user: Any, names: NamesShown, children: list[Child], purpose: str, event: str, detail: dict[str, Any]
) -> None:
    """Audit a list that names children, with a disclosure row for each name a partner's record gave."""
    by_pk = {c.pk: c for c in children}
    with transaction.atomic():
        _names_disclosed(user=user, names=names, children=by_pk, purpose=purpose)
        audit_record(
            actor=user,
            event=event,
            purpose=purpose,
            detail={**detail, "children": sorted(str(by_pk[pk].uuid) for pk in names.named)},
        )


# --- the MACE panel ------------------------------------------------------------------


@dataclass
class PanelRow:
    case: Case
    child: str
    pathway: str
    stage: str
    last_meeting: Meeting | None
    next_due: Task | None
    clocks: list[Task]


@dataclass
class PanelChild:
    """One child on the MACE list, with every case of theirs at the panel (two where each area has one)."""

    child: str
    cases: list[PanelRow]

    @property
    def first(self) -> PanelRow:
        return self.cases[0]


def panel_children(rows: list[PanelRow]) -> list[PanelChild]:
    """The MACE list by child, in the order each child's first case comes: a child with two open
    cases at the panel is discussed once, with both cases, not listed (and counted) twice."""
    by_child: dict[int, PanelChild] = {}
    for row in rows:
        entry = by_child.setdefault(row.case.child_id, PanelChild(child=row.child, cases=[]))
        entry.cases.append(row)
    return list(by_child.values())


def mace_list(*, user: Any) -> list[PanelRow]:
    """Open cases at the MACE panel stage in either area, for the people who run the panel (403 otherwise).

    Audited as one event naming the children shown, with a disclosure for each name from a partner.
    """
    require(user, Perm.RUN_PANELS)
    # access: prefetched for cases reached through cases_visible_to below
    open_tasks = Task.objects.filter(completed_at__isnull=True, cancelled_at__isnull=True).order_by("due_at")
    at_panel_now = list(
        cases_visible_to(user)
        .filter(at_panel())
        .select_related("child", "area", "pathway", "lead_agency")
        .prefetch_related(Prefetch("tasks", queryset=open_tasks, to_attr="open_tasks"), "meetings")
        .order_by("area__short_name", "opened_at")
    )
    levels = case_access_levels(user=user, cases=at_panel_now)
    cases = [c for c in at_panel_now if levels[c.pk] == "full"]
    children = [c.child for c in cases]
    names = child_names(user=user, children=children, purpose=Purpose.MACE_PANEL)
    rows = []
    for case in cases:
        definition = definition_of(case)
        stage = definition.stage(case.stage_id)
        panel_kinds = {m.kind for m in stage.meetings}
        held = [m for m in case.meetings.all() if m.kind in panel_kinds]
        panel_clocks = {c.id for c in definition.clocks if c.stage == stage.id}
        rows.append(
            PanelRow(
                case=case,
                child=names.label(case.child_id),
                pathway=definition.title,
                stage=stage.name,
                last_meeting=held[0] if held else None,
                next_due=next((t for t in case.open_tasks if t.clock_id in panel_clocks), None),
                clocks=list(case.open_tasks),
            )
        )
    names_shown_record(
        user=user,
        names=names,
        children=children,
        purpose=Purpose.MACE_PANEL,
        event="mace.listed",
        detail={"cases": [str(c.uuid) for c in cases]},
    )
    return rows


# --- the case page -----------------------------------------------------------------------


@dataclass
class CaseView:
    case: Case
    child_label: str
    purpose: str
    tasks: list[Task]
    meetings: list[Meeting]
    timeline: list[CaseEvent]
    handovers: list[Handover]


def _case_purpose(user: Any, case: Case) -> str:
    membership = membership_for(user)
    role = membership.role if membership is not None else ""
    if case.lead_agency_id != getattr(membership, "agency_id", None) and role_can(role, Perm.RUN_PANELS):
        # access: a yes/no about a case the user already opened
        if Case.objects.filter(at_panel(), pk=case.pk).exists():
            return Purpose.MACE_PANEL
    return default_purpose(role) or Purpose.DIRECT_WORK


def case_view(*, user: Any, case: Case) -> CaseView:
    """What the case page shows (the caller has checked the user may open it), audited.

    One `case.viewed` event; when the viewer is in another agency than the lead, a
    disclosure of the lead's social care data (its record on the child), and one for
    the child's name where a partner's record gave it.
    """
    membership = membership_for(user)
    purpose = _case_purpose(user, case)
    # The caller opened the case through case_get_for_user, so its child through children_visible_to.
    names = child_names(user=user, children=[case.child], purpose=purpose, opened=frozenset({case.child_id}))
    view = CaseView(
        case=case,
        child_label=names.label(case.child_id),
        purpose=purpose,
        tasks=list(case.tasks.select_related("owner_agency", "owner").order_by("due_at")),
        meetings=list(case.meetings.all()),
        timeline=list(case.events.select_related("actor", "area").order_by("occurred_at", "id")),
        handovers=list(case.handovers.select_related("to_agency", "to_area", "from_area", "from_agency")),
    )
    with transaction.atomic():
        if membership is not None and membership.agency_id != case.lead_agency_id:
            grant = partner_grants(membership=membership, purpose=purpose).get(case.lead_agency_id)
            offered = any(
                h.to_agency_id == membership.agency_id and h.status == HandoverStatus.OFFERED for h in view.handovers
            )
            if grant is None and offered:
                # An agency offered the case sees it to decide: the offer is the basis, not an agreement.
                grant = Grant(level="content", categories=frozenset({DataCategory.SOCIAL_CARE}))
            record = (
                # access: the lead agency's record, shown under the grant decided above
                AgencyRecord.objects.filter(child=case.child, agency_id=case.lead_agency_id, erased_at__isnull=True)
                .order_by("-updated_at")
                .first()
            )
            if record is not None and grant is not None:
                disclosures_record(
                    user=user,
                    child=case.child,
                    items=[(record, [DataCategory.SOCIAL_CARE], grant)],
                    purpose=purpose,
                    channel=Channel.PAGE,
                )
        _names_disclosed(user=user, names=names, children={case.child_id: case.child}, purpose=purpose)
        audit_record(
            actor=user,
            event="case.viewed",
            obj=case,
            child_uuid=case.child.uuid,
            purpose=purpose,
            detail={"lead_agency": case.lead_agency.name, "stage": case.stage_id},
        )
    return view


# --- tasks and clocks ---------------------------------------------------------------------


@dataclass
class TaskList:
    team: list[tuple[Task, str]]
    mine: list[tuple[Task, str]]
    offers: list[tuple[Handover, str]]


def task_list(*, user: Any, limit: int = 200) -> TaskList:
    """The agency's open tasks by due date, the user's own, and cases offered to the agency,
    each with the child it is about (named where the user may see the name); audited."""
    membership = require(user, Perm.WORK_CASES)
    open_tasks = tasks_for_agency(membership.agency_id)
    team = list(open_tasks[:limit])
    mine = list(open_tasks.filter(owner=user)[:limit])
    offers = list(
        # access: handovers offered to the user's own agency
        Handover.objects.filter(to_agency=membership.agency, status=HandoverStatus.OFFERED).select_related(
            "case__child", "from_area"
        )
    )
    children = list(
        {c.pk: c for c in [*(t.case.child for t in [*team, *mine]), *(h.case.child for h in offers)]}.values()
    )
    purpose = default_purpose(membership.role) or Purpose.DIRECT_WORK
    names = child_names(user=user, children=children, purpose=purpose)
    names_shown_record(
        user=user,
        names=names,
        children=children,
        purpose=purpose,
        event="tasks.listed",
        detail={"tasks": len(team), "offers": len(offers)},
    )
    return TaskList(
        team=[(t, names.label(t.case.child_id)) for t in team],
        mine=[(t, names.label(t.case.child_id)) for t in mine],
        offers=[(h, names.label(h.case.child_id)) for h in offers],
    )


def handover_opened(*, user: Any, handover: Handover) -> str:
    """The receiving agency opens a handover offered to it: the page names the child (from its
    own record, or a partner's whose agreement shares identity; else a pseudonymous reference),
    so it is audited, with the disclosure of a partner's name (the offer is the basis for what
    it shows, not an agreement). Returns the child's label."""
    child = handover.case.child
    names = child_names(
        user=user, children=[child], purpose=Purpose.DIRECT_WORK, opened=frozenset({handover.case.child_id})
    )
    with transaction.atomic():
        _names_disclosed(user=user, names=names, children={child.pk: child}, purpose=Purpose.DIRECT_WORK)
        audit_record(
            actor=user,
            event="handover.viewed",
            obj=handover,
            child_uuid=child.uuid,
            purpose=Purpose.DIRECT_WORK,
            detail={"from_area": handover.from_area.name, "to_area": handover.to_area.name},
        )
    return names.label(handover.case.child_id)
