"""Reads over cases: parallel processes, task lists, and alignment evidence."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from joinedup.pathways.engine import definition_of
from joinedup.pathways.models import Case, CaseStatus, Meeting, Task


@dataclass
class ParallelFlag:
    child_id: int
    cases: list[Case]
    reasons: list[str] = field(default_factory=list)


def _kind(case: Case) -> str:
    return case.pathway.definition_id.split("-")[0]


def parallel_processes(cases: QuerySet[Case]) -> list[ParallelFlag]:
    """Children with more than one process at once: CP beside the exploitation pathway, both areas,
    or two meetings about them in the same week."""
    open_cases = list(cases.filter(status=CaseStatus.OPEN).select_related("pathway", "area", "lead_agency", "child"))
    by_child: dict[int, list[Case]] = defaultdict(list)
    for case in open_cases:
        by_child[case.child_id].append(case)
    flags = []
    meetings_by_child: dict[int, list[Meeting]] = defaultdict(list)
    for meeting in Meeting.objects.filter(case__child_id__in=list(by_child), case__status=CaseStatus.OPEN).order_by(
        "held_at"
    ):
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
            flag.reasons.append("more than one open process")
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
        Task.objects.filter(owner_agency_id=agency_id, completed_at__isnull=True, cancelled_at__isnull=True)
        .select_related("case__child", "case__area", "owner")
        .order_by("due_at")
    )
