"""Running cases through their pathway definitions: clocks, events, stages, handovers.

The services in pathways/services.py call these inside their transactions.
"""

from __future__ import annotations

from functools import cache

from joinedup.core.workingdays import WorkingCalendar
from joinedup.pathways.definitions import Definition, parse_text, shipped_definitions
from joinedup.pathways.models import Case, ClosureDay, PathwayVersion


def version_for(definition: Definition) -> PathwayVersion:
    """The stored version of a shipped definition, recorded the first time a case uses it."""
    row, _ = PathwayVersion.objects.get_or_create(
        definition_id=definition.id,
        version=definition.version,
        defaults={"title": definition.title, "source": definition.source},
    )
    return row


@cache
def _parse_source(key: str, source: str) -> Definition:
    # The same validator as the files, run over the stored copy.
    return parse_text(source, f"{key} (stored)")


def definition_of(case: Case) -> Definition:
    """The definition the case runs under: its stored version, never the file as it is now."""
    return definition_of_version(case.pathway)


def definition_of_version(version: PathwayVersion) -> Definition:
    return _parse_source(version.key, version.source)


def calendar_for(case: Case) -> WorkingCalendar:
    closures = ClosureDay.objects.filter(partnership_id=case.area.partnership_id).values_list("date", flat=True)
    return WorkingCalendar(closures=list(closures))


def definition_for(*, area_short_name: str, kind: str) -> Definition:
    """The current shipped definition of a kind ('child-protection', 'efh', 'missing') for an area."""
    candidates = [
        d
        for d in shipped_definitions().values()
        if area_short_name in d.areas and (d.id == kind or d.id.startswith(f"{kind}-"))
    ]
    if not candidates:
        raise LookupError(f"No {kind} pathway is defined for {area_short_name}.")
    return max(candidates, key=lambda d: d.version)
