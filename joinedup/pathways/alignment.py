"""Comparing two pathway definitions, and the roadmap that follows from the comparison.

Stages are matched by what they are for (their purpose), not their names, so
"MASH screening" and "County MASH screening" line up, and so do a City
"Exploitation strategy meeting" and a County "Strategy discussion".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from joinedup.partnership.models import AgencyType
from joinedup.partnership.roles import Role
from joinedup.pathways.definitions import PURPOSES, Clock, Definition, Stage
from joinedup.pathways.models import Case, CaseEvent, Handover, Task


@dataclass
class Difference:
    attribute: str
    a: str
    b: str


@dataclass
class StageRow:
    purpose: str
    a: Stage | None
    b: Stage | None
    differences: list[Difference] = field(default_factory=list)

    @property
    def shared(self) -> bool:
        return self.a is not None and self.b is not None

    @property
    def label(self) -> str:
        return PURPOSES[self.purpose]


@dataclass
class Comparison:
    a: Definition
    b: Definition
    rows: list[StageRow]

    @property
    def shared(self) -> list[StageRow]:
        return [r for r in self.rows if r.shared]

    @property
    def only_a(self) -> list[StageRow]:
        return [r for r in self.rows if r.a is not None and r.b is None]

    @property
    def only_b(self) -> list[StageRow]:
        return [r for r in self.rows if r.b is not None and r.a is None]

    @property
    def commonality(self) -> int:
        """Per cent of stage purposes both pathways have, weighted down by their differences."""
        if not self.rows:
            return 100
        score = 0.0
        for row in self.rows:
            if row.shared:
                # Five attributes compared per shared stage; each difference costs a fifth.
                score += max(0.0, 1 - len(row.differences) / 5)
        return round(100 * score / len(self.rows))


def _roles(codes: Iterable[str]) -> str:
    labels = dict(Role.choices)
    return ", ".join(str(labels.get(c, c.replace("_", " "))) for c in codes)


def _agency_types(codes: Iterable[str]) -> str:
    labels = dict(AgencyType.choices)
    return ", ".join(str(labels.get(c, c.replace("_", " "))) for c in codes)


def _clocks(definition: Definition, stage: Stage) -> list[Clock]:
    return [c for c in definition.clocks if c.stage == stage.id]


def _describe_clocks(clocks: list[Clock]) -> str:
    return "; ".join(f"{c.name}: {c.timescale} from {c.from_event.replace('_', ' ')}" for c in clocks) or "none"


def _meetings(stage: Stage) -> str:
    return "; ".join(f"{m.name} (chair: {m.chair})" for m in stage.meetings) or "none"


def compare(a: Definition, b: Definition) -> Comparison:
    rows = []
    for purpose in PURPOSES:
        stage_a = next((s for s in a.stages if s.purpose == purpose), None)
        stage_b = next((s for s in b.stages if s.purpose == purpose), None)
        if stage_a is None and stage_b is None:
            continue
        row = StageRow(purpose=purpose, a=stage_a, b=stage_b)
        if stage_a is not None and stage_b is not None:
            pairs = [
                ("Threshold", stage_a.threshold or "not stated", stage_b.threshold or "not stated"),
                ("Responsible roles", _roles(stage_a.roles), _roles(stage_b.roles)),
                ("Responsible agencies", _agency_types(stage_a.agency_types), _agency_types(stage_b.agency_types)),
                ("Meetings", _meetings(stage_a), _meetings(stage_b)),
                ("Timescales", _describe_clocks(_clocks(a, stage_a)), _describe_clocks(_clocks(b, stage_b))),
            ]
            row.differences = [Difference(name, x, y) for name, x, y in pairs if x != y]
        rows.append(row)
    order = {s.id: i for i, s in enumerate(a.stages)}
    rows.sort(key=lambda r: order.get(r.a.id, 99) if r.a else 99)
    return Comparison(a=a, b=b, rows=rows)


@dataclass
class StageEvidence:
    cases_now: int
    mean_days: float | None
    overdue_rate: int | None


def live_evidence(definition: Definition, *, cases: QuerySet[Case]) -> dict[str, StageEvidence]:
    """Per stage, from the partnership's cases run under this definition (`cases`, from
    cases_for_oversight): time spent, overdue clocks, handovers."""
    cases = cases.filter(pathway__definition_id=definition.id)
    now = timezone.now()
    # Stage entries from the timeline: "opened" enters the first stage; moves name the stage entered.
    entries: dict[int, list[tuple[Any, str]]] = {}
    first = definition.stages[0].id
    # access: the events of the partnership's cases above
    for case_id, at, kind, detail in CaseEvent.objects.filter(
        case__in=cases, kind__in=["opened", "stage_moved", "closed"]
    ).values_list("case_id", "occurred_at", "kind", "detail"):
        stage = first if kind == "opened" else (detail or {}).get("stage", "closed")
        entries.setdefault(case_id, []).append((at, stage))
    days: dict[str, list[float]] = {}
    for timeline in entries.values():
        timeline.sort()
        for (start, stage), nxt in zip(timeline, [*timeline[1:], (now, "")], strict=True):
            days.setdefault(stage, []).append((nxt[0] - start).total_seconds() / 86400)
    stage_now = list(cases.filter(status="open").values_list("stage_id", flat=True))
    evidence: dict[str, StageEvidence] = {}
    for stage in definition.stages:
        clock_ids = [c.id for c in _clocks(definition, stage)]
        # access: the clocks of the partnership's cases above
        tasks = Task.objects.filter(case__in=cases, clock_id__in=clock_ids).aggregate(
            total=Count("id"),
            late=Count(
                "id",
                filter=Q(completed_at__gt=F("due_at"))
                | Q(completed_at__isnull=True, cancelled_at__isnull=True, due_at__lt=now),
            ),
        )
        spent = days.get(stage.id, [])
        evidence[stage.id] = StageEvidence(
            cases_now=stage_now.count(stage.id),
            mean_days=round(sum(spent) / len(spent), 1) if spent else None,
            overdue_rate=round(100 * tasks["late"] / tasks["total"]) if tasks["total"] else None,
        )
    return evidence


def handovers_accepted(definition: Definition, *, cases: QuerySet[Case]) -> int:
    # access: handovers of the partnership's cases (`cases`, from cases_for_oversight)
    return Handover.objects.filter(
        case__in=cases, case__pathway__definition_id=definition.id, status="accepted"
    ).count()


@dataclass
class RoadmapStep:
    phase: str
    title: str
    stages: list[str]
    differences: list[str]
    evidence: list[str]


def roadmap(
    *, within: list[tuple[Definition, Definition]], across: Comparison, cases: QuerySet[Case]
) -> list[RoadmapStep]:
    """The partnership's chosen sequence: integrate within each area first, then align across areas."""
    steps = []
    for first, second in within:
        comparison = compare(first, second)
        for row in comparison.shared:
            if row.purpose in {"screening", "strategy"}:
                steps.append(
                    RoadmapStep(
                        phase=f"1. Integrate within {', '.join(first.areas)}",
                        title=f"One {row.label.lower()} for {first.title} and {second.title}",
                        stages=[row.a.name, row.b.name],  # type: ignore[union-attr]
                        differences=[f"{d.attribute}: {d.a} / {d.b}" for d in row.differences],
                        evidence=["Children on both pathways at once are counted on the parallel processes page."],
                    )
                )
    evidence_a, evidence_b = live_evidence(across.a, cases=cases), live_evidence(across.b, cases=cases)
    for row in across.shared:
        if not row.differences:
            continue
        ev = []
        for definition, stage, evidence in (
            (across.a, row.a, evidence_a),
            (across.b, row.b, evidence_b),
        ):
            item = evidence.get(stage.id) if stage else None
            if item is not None and item.overdue_rate is not None:
                ev.append(f"{definition.title}: {item.overdue_rate}% of {stage.name} clocks overdue")  # type: ignore[union-attr]
        steps.append(
            RoadmapStep(
                phase="2. Align across the boundary",
                title=f"Align {row.label.lower()}",
                stages=[row.a.name, row.b.name],  # type: ignore[union-attr]
                differences=[
                    f"{d.attribute}: {across.a.title} says {d.a}; {across.b.title} says {d.b}" for d in row.differences
                ],
                evidence=ev or ["No cases yet: agree the design before data accrues."],
            )
        )
    for row in across.only_a + across.only_b:
        stage = row.a or row.b
        owner = across.a if row.a else across.b
        steps.append(
            RoadmapStep(
                phase="2. Align across the boundary",
                title=f"Decide whether both areas need {stage.name.lower()}",  # type: ignore[union-attr]
                stages=[f"{stage.name} (only {owner.title})"],  # type: ignore[union-attr]
                differences=["Stage exists in one area only"],
                evidence=[],
            )
        )
    return steps
