"""Reads for linkage pages: two records side by side, shown only as each child's page would show them.

A reviewer or a record's creator sees a record in full where the policy lets
them open its child and holds it, the categories an agreement shares where it
shares them, and otherwise only who holds it and when it changed (the know-of
view). Every read writes its audit event and a disclosure row per partner
record shown, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import Http404

from joinedup.audit.services import audit_record
from joinedup.children.access import child_access
from joinedup.children.models import FIELD_CATEGORIES, AgencyRecord, Channel
from joinedup.children.services import disclosures_record
from joinedup.linkage.models import CandidatePair, ChildJoin, JoinKind
from joinedup.partnership.access import Grant

KNOW_OF = ["know_of"]
_NO_AGREEMENT = Grant(level="know_of", categories=frozenset())


@dataclass
class RecordShown:
    """One record as the child page would show it to this user: `fields` is None for know-of."""

    record: AgencyRecord
    fields: dict[str, Any] | None
    categories: list[str]
    grant: Grant | None
    own: bool = False


def record_as_child_page_shows(*, user: Any, record: AgencyRecord, purpose: str) -> RecordShown:
    """What the child page shows of `record` for `purpose`: never more, whatever page asks."""
    try:
        access = child_access(user=user, child_uuid=record.child.uuid, purpose=purpose)
    except Http404:
        # The user may not open the child: at most that the agency holds a record.
        return RecordShown(record=record, fields=None, categories=KNOW_OF, grant=_NO_AGREEMENT)
    if any(own.pk == record.pk for own in access.own_records):
        fields = {name: getattr(record, name) for name in FIELD_CATEGORIES}
        return RecordShown(record=record, fields=fields, categories=[], grant=None, own=True)
    for shared in access.shared:
        if shared.record.pk == record.pk and shared.fields:
            return RecordShown(
                record=record, fields=shared.fields, categories=shared.categories_shown, grant=shared.grant
            )
    for known, grant in access.know_of:
        if known.pk == record.pk:
            return RecordShown(record=record, fields=None, categories=KNOW_OF, grant=grant)
    return RecordShown(record=record, fields=None, categories=KNOW_OF, grant=_NO_AGREEMENT)


def _disclose(*, user: Any, shown: list[RecordShown], purpose: str) -> None:
    for item in shown:
        if not item.own and item.grant is not None:
            disclosures_record(
                user=user,
                child=item.record.child,
                items=[(item.record, item.categories, item.grant)],
                purpose=purpose,
                channel=Channel.PAGE,
            )


def _detail(shown: list[RecordShown]) -> dict[str, Any]:
    return {str(s.record.uuid): ("own" if s.own else s.categories) for s in shown}


def pair_view(*, user: Any, pair: CandidatePair, purpose: str) -> tuple[RecordShown, RecordShown]:
    """Both records of a pair for review, as each child's page would show them; audited."""
    with transaction.atomic():
        a = record_as_child_page_shows(user=user, record=pair.record_a, purpose=purpose)
        b = record_as_child_page_shows(user=user, record=pair.record_b, purpose=purpose)
        _disclose(user=user, shown=[a, b], purpose=purpose)
        audit_record(
            actor=user,
            event="linkage_pair.viewed",
            obj=pair,
            purpose=purpose,
            detail={"records": _detail([a, b]), "status": pair.status},
        )
    return a, b


def intake_matches_view(
    *, user: Any, record: AgencyRecord, pairs: list[CandidatePair], purpose: str
) -> list[tuple[CandidatePair, RecordShown]]:
    """The possible matches of a new record, each other record as its child's page would show it; audited."""
    with transaction.atomic():
        out = []
        for pair in pairs:
            other = pair.record_b if pair.record_a_id == record.pk else pair.record_a
            out.append((pair, record_as_child_page_shows(user=user, record=other, purpose=purpose)))
        _disclose(user=user, shown=[shown for _, shown in out], purpose=purpose)
        audit_record(
            actor=user,
            event="agency_record.matches_viewed",
            obj=record,
            child_uuid=record.child.uuid,
            purpose=purpose,
            detail={"records": _detail([shown for _, shown in out])},
        )
    return out


@dataclass
class SplitGroup:
    """Records a split sends back to one child: who holds them, never what they say."""

    records: int
    agencies: list[str]


def split_groups(*, join: Any) -> list[SplitGroup]:
    """What a split of `join` would send back, child by child, at the know-of level."""
    by_child: dict[int, list[int]] = {}
    for move in join.moves:
        by_child.setdefault(move["from"], []).append(move["record"])
    names = dict(
        # access: agency names only (know-of level) of a join the reviewer reached by access
        AgencyRecord.objects.filter(pk__in=[m["record"] for m in join.moves]).values_list("pk", "agency__name")
    )
    return [
        SplitGroup(records=len(ids), agencies=sorted({names[i] for i in ids if i in names}))
        for ids in by_child.values()
    ]


def split_destinations_of(child: Any) -> list[int]:
    """For children.reassign: the children the latest split of `child` sent its records back to."""
    # access: one child's join history, ids only; each destination opens via child_access
    split = ChildJoin.objects.filter(target=child, kind=JoinKind.UNMERGE).order_by("-created_at", "-id").first()
    if split is None:
        return []
    return sorted({m["to"] for m in split.moves})
