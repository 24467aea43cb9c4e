"""Moving open cases from one version of a pathway to a newer one, with a preview first.

Cases keep the version they started under. When a definition is revised,
the preview says, for each open case, which stage it lands in and which
clocks are added, removed or changed; applying it moves the cases and
records the move on each timeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from joinedup.audit.services import audit_record
from joinedup.pathways.definitions import Definition
from joinedup.pathways.engine import calendar_for, version_for
from joinedup.pathways.models import Case, CaseEvent, CaseStatus


@dataclass
class VersionChanges:
    stage_map: dict[str, str]
    stages_removed: list[str] = field(default_factory=list)
    stages_added: list[str] = field(default_factory=list)
    clocks_added: list[str] = field(default_factory=list)
    clocks_removed: list[str] = field(default_factory=list)
    clocks_changed: list[str] = field(default_factory=list)


def changes_between(old: Definition, new: Definition) -> VersionChanges:
    """Stages map by id, then by purpose; clocks compare by id."""
    stage_map = {}
    for stage in old.stages:
        same = next((s for s in new.stages if s.id == stage.id), None) or next(
            (s for s in new.stages if s.purpose == stage.purpose), None
        )
        stage_map[stage.id] = same.id if same else new.stages[0].id
    old_clocks = {c.id: c for c in old.clocks}
    new_clocks = {c.id: c for c in new.clocks}
    return VersionChanges(
        stage_map=stage_map,
        stages_removed=[s.name for s in old.stages if s.id not in {n.id for n in new.stages}],
        stages_added=[s.name for s in new.stages if s.id not in {o.id for o in old.stages}],
        clocks_added=[f"{c.name} ({c.timescale})" for i, c in new_clocks.items() if i not in old_clocks],
        clocks_removed=[f"{c.name} ({c.timescale})" for i, c in old_clocks.items() if i not in new_clocks],
        clocks_changed=[
            f"{c.name}: {old_clocks[i].timescale} becomes {c.timescale}"
            for i, c in new_clocks.items()
            if i in old_clocks and (old_clocks[i].unit, old_clocks[i].amount) != (c.unit, c.amount)
        ],
    )


@dataclass
class CasePreview:
    case: Case
    from_stage: str
    to_stage: str


def preview(*, old: Definition, new: Definition) -> tuple[VersionChanges, list[CasePreview]]:
    changes = changes_between(old, new)
    cases = Case.objects.filter(
        pathway__definition_id=old.id, pathway__version=old.version, status=CaseStatus.OPEN
    ).select_related("pathway")
    rows = [
        CasePreview(case=c, from_stage=c.stage_id, to_stage=changes.stage_map.get(c.stage_id, c.stage_id))
        for c in cases
    ]
    return changes, rows


@transaction.atomic
def migrate_cases(*, actor: Any, old: Definition, new: Definition) -> int:
    """Move every open case on `old` to `new`: stages mapped, open clocks re-timed from their start."""
    if new.id != old.id or new.version <= old.version:
        raise ValueError("Migrate to a later version of the same pathway.")
    changes, rows = preview(old=old, new=new)
    target = version_for(new)
    new_clocks = {c.id: c for c in new.clocks}
    for row in rows:
        case = row.case
        case.pathway = target
        case.stage_id = row.to_stage
        case.save(update_fields=["pathway", "stage_id", "updated_at"])
        calendar = calendar_for(case)
        for task in case.tasks.filter(completed_at__isnull=True, cancelled_at__isnull=True):
            if task.clock_id in new_clocks:
                task.due_at = new_clocks[task.clock_id].due(task.started_at, calendar)
                task.save(update_fields=["due_at", "updated_at"])
            elif task.clock_id:
                task.cancelled_at = timezone.now()
                task.save(update_fields=["cancelled_at", "updated_at"])
        CaseEvent.objects.create(
            case=case,
            kind="pathway_migrated",
            occurred_at=timezone.now(),
            actor=actor,
            area=case.area,
            summary=f"Moved to {new.title} version {new.version}",
            detail={"from": old.key, "to": new.key, "stage": row.to_stage},
        )
        audit_record(
            actor=actor,
            event="case.migrated",
            obj=case,
            child_uuid=case.child.uuid,
            old={"pathway": old.key, "stage": row.from_stage},
            new={"pathway": new.key, "stage": row.to_stage},
        )
    return len(rows)
