"""Pathway definitions: YAML files validated on load, with errors naming file, line and field.

The language is documented in docs/pathways.md. A definition is data: stages
(with purpose, who is responsible, actions, records, meetings, threshold),
transitions between them, and clocks counted in working days, hours or
months from a named event and stopped by another.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.utils import timezone

from joinedup.core.datafiles import DataFileError, line_of, load_text
from joinedup.core.workingdays import WorkingCalendar, add_months
from joinedup.partnership.models import AgencyType
from joinedup.partnership.roles import Role
from joinedup.referrals.taxonomy import harm_types

DEFINITIONS_DIR = Path(__file__).parent / "definitions"

# What a stage is for: alignment matches stages by purpose, not by name.
PURPOSES = {
    "screening": "Screening and deciding the response",
    "strategy": "Multi-agency strategy discussion",
    "assessment": "Assessment",
    "conference": "Child protection conference",
    "panel": "Multi-agency exploitation panel",
    "plan": "Plan and review",
    "closure": "Closure",
}

# Things that happen on a case and start or stop clocks.
EVENTS = {
    "referral_received": "Referral received",
    "screening_decided": "Screening decision made",
    "significant_harm_suspected": "Significant harm suspected",
    "strategy_discussion_held": "Strategy discussion held",
    "assessment_completed": "Assessment completed",
    "initial_conference_held": "Initial conference held",
    "core_group_held": "Core group held",
    "review_conference_held": "Review conference held",
    "mace_panel_held": "MACE panel held",
    "safety_plan_review_held": "Safety plan review held",
    "child_returned": "Child returned from missing",
    "return_interview_offered": "Return home interview offered",
}

# Holding a meeting of a kind records its event.
MEETING_EVENTS = {
    "strategy_discussion": "strategy_discussion_held",
    "initial_conference": "initial_conference_held",
    "core_group": "core_group_held",
    "review_conference": "review_conference_held",
    "mace_panel": "mace_panel_held",
    "safety_plan_review": "safety_plan_review_held",
}
TIMESCALE_UNITS = ("working_days", "hours", "months")


@dataclass(frozen=True)
class Meeting:
    kind: str
    name: str
    chair: str


@dataclass(frozen=True)
class Stage:
    id: str
    name: str
    purpose: str
    agency_types: tuple[str, ...]
    roles: tuple[str, ...]
    actions: tuple[str, ...] = ()
    records: tuple[str, ...] = ()
    meetings: tuple[Meeting, ...] = ()
    threshold: str = ""


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    when: str


@dataclass(frozen=True)
class Clock:
    id: str
    name: str
    stage: str
    from_event: str
    completed_by: str
    unit: str
    amount: int

    @property
    def timescale(self) -> str:
        label = {"working_days": "working day", "hours": "hour", "months": "month"}[self.unit]
        return f"{self.amount} {label}{'s' if self.amount != 1 else ''}"

    def due(self, start: dt.datetime, calendar: WorkingCalendar) -> dt.datetime:
        """When this clock runs out for an event at `start` (end of the due day for day-based clocks)."""
        if self.unit == "hours":
            return start + dt.timedelta(hours=self.amount)
        # Days are London's: an event at 00:30 BST (23:30 UTC) happened on the later day.
        local = timezone.localtime(start)
        day = (
            calendar.add_working_days(local.date(), self.amount)
            if self.unit == "working_days"
            else add_months(local.date(), self.amount)
        )
        return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=local.tzinfo)


@dataclass(frozen=True)
class Definition:
    id: str
    version: int
    title: str
    areas: tuple[str, ...]
    harm_types: tuple[str, ...]
    on_handover: str
    stages: tuple[Stage, ...]
    transitions: tuple[Transition, ...]
    clocks: tuple[Clock, ...]
    source: str = field(default="", compare=False)

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    def stage(self, stage_id: str) -> Stage:
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise KeyError(stage_id)

    def can_move(self, source: str, target: str) -> bool:
        return any(t.source == source and t.target == target for t in self.transitions)

    def next_stages(self, source: str) -> list[Transition]:
        return [t for t in self.transitions if t.source == source]

    def clocks_started_by(self, event: str) -> list[Clock]:
        return [c for c in self.clocks if c.from_event == event]


def _list_of_str(
    path: Path | str, mapping: Any, key: str, where: str, allowed: set[str] | None = None
) -> tuple[str, ...]:
    value = mapping.get(key, []) if isinstance(mapping, dict) else []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DataFileError(path, line_of(mapping, key), f"{where}.{key} must be a list of text")
    if allowed is not None:
        for item in value:
            if item not in allowed:
                raise DataFileError(
                    path, line_of(mapping, key), f"{where}.{key}: '{item}' is not one of {', '.join(sorted(allowed))}"
                )
    return tuple(value)


def _text(path: Path | str, mapping: Any, key: str, where: str, required: bool = True) -> str:
    if not isinstance(mapping, dict):
        raise DataFileError(path, line_of(mapping), f"{where} must be a mapping")
    if key not in mapping:
        if required:
            raise DataFileError(path, line_of(mapping), f"{where} is missing '{key}'")
        return ""
    value = mapping[key]
    if not isinstance(value, str) or not value.strip():
        raise DataFileError(path, line_of(mapping, key), f"{where}.{key} must be text")
    return value


def parse(path: Path) -> Definition:
    """Load and validate one definition file."""
    return parse_text(path.read_text(encoding="utf-8"), path)


def parse_text(text: str, path: Path | str) -> Definition:
    """Validate a definition held in memory; `path` names it in errors."""
    data = load_text(text, str(path))
    if not isinstance(data, dict):
        raise DataFileError(path, 1, "a pathway definition must be a mapping")
    def_id = _text(path, data, "id", "definition")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise DataFileError(path, line_of(data, "version"), "definition.version must be a whole number, 1 or more")
    title = _text(path, data, "title", "definition")
    areas = _list_of_str(path, data, "areas", "definition")
    if not areas:
        raise DataFileError(path, line_of(data, "areas"), "definition.areas must name at least one area")
    harms = _list_of_str(path, data, "harm_types", "definition", set(harm_types()))
    on_handover = data.get("on_handover", "continue")
    if on_handover not in {"continue", "restart"}:
        raise DataFileError(path, line_of(data, "on_handover"), "definition.on_handover must be continue or restart")

    raw_stages = data.get("stages")
    if not isinstance(raw_stages, list) or not raw_stages:
        raise DataFileError(path, line_of(data, "stages"), "definition.stages must list at least one stage")
    stages: list[Stage] = []
    for i, raw in enumerate(raw_stages):
        where = f"stages[{i}]"
        stage_id = _text(path, raw, "id", where)
        if any(s.id == stage_id for s in stages):
            raise DataFileError(path, line_of(raw, "id"), f"{where}.id '{stage_id}' is used twice")
        purpose = _text(path, raw, "purpose", where)
        if purpose not in PURPOSES:
            raise DataFileError(
                path, line_of(raw, "purpose"), f"{where}.purpose '{purpose}' is not one of {', '.join(PURPOSES)}"
            )
        responsible = raw.get("responsible")
        if not isinstance(responsible, dict):
            raise DataFileError(
                path, line_of(raw, "responsible"), f"{where}.responsible must give agency_types and roles"
            )
        meetings = []
        for j, m in enumerate(raw.get("meetings", []) or []):
            mwhere = f"{where}.meetings[{j}]"
            kind = _text(path, m, "kind", mwhere)
            if kind not in MEETING_EVENTS:
                raise DataFileError(
                    path, line_of(m, "kind"), f"{mwhere}.kind '{kind}' is not one of {', '.join(MEETING_EVENTS)}"
                )
            meetings.append(
                Meeting(kind=kind, name=_text(path, m, "name", mwhere), chair=_text(path, m, "chair", mwhere))
            )
        stages.append(
            Stage(
                id=stage_id,
                name=_text(path, raw, "name", where),
                purpose=purpose,
                agency_types=_list_of_str(
                    path, responsible, "agency_types", f"{where}.responsible", set(AgencyType.values)
                ),
                roles=_list_of_str(path, responsible, "roles", f"{where}.responsible", set(Role.values)),
                actions=_list_of_str(path, raw, "actions", where),
                records=_list_of_str(path, raw, "records", where),
                meetings=tuple(meetings),
                threshold=_text(path, raw, "threshold", where, required=False),
            )
        )
    stage_ids = {s.id for s in stages}

    transitions = []
    for i, raw in enumerate(data.get("transitions", []) or []):
        where = f"transitions[{i}]"
        source, target = _text(path, raw, "from", where), _text(path, raw, "to", where)
        for key, value in (("from", source), ("to", target)):
            if value not in stage_ids:
                raise DataFileError(path, line_of(raw, key), f"{where}.{key} names unknown stage '{value}'")
        transitions.append(Transition(source=source, target=target, when=_text(path, raw, "when", where)))

    clocks: list[Clock] = []
    for i, raw in enumerate(data.get("clocks", []) or []):
        where = f"clocks[{i}]"
        clock_id = _text(path, raw, "id", where)
        if any(c.id == clock_id for c in clocks):
            raise DataFileError(path, line_of(raw, "id"), f"{where}.id '{clock_id}' is used twice")
        stage = _text(path, raw, "stage", where)
        if stage not in stage_ids:
            raise DataFileError(path, line_of(raw, "stage"), f"{where}.stage names unknown stage '{stage}'")
        events = {}
        for key in ("from_event", "completed_by"):
            events[key] = _text(path, raw, key, where)
            if events[key] not in EVENTS:
                raise DataFileError(
                    path, line_of(raw, key), f"{where}.{key} '{events[key]}' is not one of {', '.join(EVENTS)}"
                )
        within = raw.get("within")
        if not isinstance(within, dict) or len(within) != 1:
            raise DataFileError(
                path, line_of(raw, "within"), f"{where}.within must give exactly one of {', '.join(TIMESCALE_UNITS)}"
            )
        unit, amount = next(iter(within.items()))
        if unit not in TIMESCALE_UNITS:
            raise DataFileError(
                path, line_of(raw, "within"), f"{where}.within: '{unit}' is not one of {', '.join(TIMESCALE_UNITS)}"
            )
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
            raise DataFileError(
                path, line_of(raw, "within"), f"{where}.within.{unit} must be a whole number, 1 or more"
            )
        clocks.append(
            Clock(
                id=clock_id,
                name=_text(path, raw, "name", where),
                stage=stage,
                from_event=events["from_event"],
                completed_by=events["completed_by"],
                unit=unit,
                amount=amount,
            )
        )
    return Definition(
        id=def_id,
        version=version,
        title=title,
        areas=areas,
        harm_types=harms,
        on_handover=on_handover,
        stages=tuple(stages),
        transitions=tuple(transitions),
        clocks=tuple(clocks),
        source=text,
    )


@cache
def shipped_definitions() -> dict[str, Definition]:
    """Every definition in pathways/definitions, keyed by id@version. Errors stop the load."""
    result = {}
    for path in sorted(DEFINITIONS_DIR.glob("*.yaml")):
        definition = parse(path)
        if definition.key in result:
            raise DataFileError(path, 1, f"{definition.key} is defined twice")
        result[definition.key] = definition
    return result
