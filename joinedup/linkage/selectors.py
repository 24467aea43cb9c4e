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
from django.db.models import Case, Count, F, IntegerField, Max, Q, QuerySet, Value, When, Window
from django.db.models.functions import Greatest, Least, RowNumber
from django.http import Http404

from joinedup.audit.models import AuditEvent
from joinedup.audit.services import audit_record
from joinedup.children.access import child_access
from joinedup.children.models import FIELD_CATEGORIES, AgencyRecord, Channel
from joinedup.children.services import disclosures_record
from joinedup.linkage.access import (
    candidate_pairs_for_review,
    candidate_pairs_in_partnership,
    records_seen_by_reviewer,
    review_purpose,
    with_decidable,
)
from joinedup.linkage.decisions import NAMES_ONLY
from joinedup.linkage.models import CandidatePair, ChildJoin, JoinCheck, JoinKind, PairStatus
from joinedup.linkage.services import pairs_between
from joinedup.partnership.access import Grant, partner_grants, require
from joinedup.partnership.roles import Perm

KNOW_OF = ["know_of"]
_NO_AGREEMENT = Grant(level="know_of", categories=frozenset())


def review_waiting(user: Any) -> Any:
    """The pairs in the reviewer's own queue: every pair waiting for a person, less those they
    escalated as unsure (those wait for another reviewer, under "Escalated")."""
    return candidate_pairs_for_review(user).exclude(status=PairStatus.UNSURE, decided_by=user)


def _two_children() -> list[Any]:
    """The partition of one question: the two children of a pair's records, either way round;
    a pair whose records are one child already (records of one child that disagree) is its own."""
    a, b = F("record_a__child_id"), F("record_b__child_id")
    one_child = Case(When(record_a__child_id=b, then=F("pk")), default=Value(0), output_field=IntegerField())
    return [Least(a, b), Greatest(a, b), one_child]


def one_per_two_children(pairs: QuerySet[CandidatePair], *, matching: Q | None = None) -> QuerySet[CandidatePair]:
    """`pairs` (annotated `decidable`, access.with_decidable) less those that ask again a question
    another asks: one pair per two children, annotated `alike` (how many pairs of `pairs` lie
    between the two children, itself included).

    A decision answers "are these two children one child?" and settles the other pairs
    between them (services._settle_alike), so the queue asks it once. The pair shown is one
    `matching` (the queue's filter by reason) if given, and of those, one the reviewer may
    decide if any is, then one escalated (its note is for the next reviewer), then one a rule
    holds apart (twins, two dates of birth: the warning is what the reviewer must see), then
    the strongest. Children with no pair `matching` are left out; `alike` counts every pair
    between them, whatever its reason.
    """
    partition = _two_children()

    def flag(condition: Q) -> Case:
        return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())

    order = [
        F("decidable").desc(),
        flag(Q(status=PairStatus.UNSURE)).desc(),
        flag(~Q(conflict__in=["", NAMES_ONLY])).desc(),
        F("probability").desc(),
        F("pk").asc(),
    ]
    # Windows, not plain annotations: a filter on a plain one would go before the ranking (so
    # `alike` would count only the pairs matching), a filter on a window after it.
    annotations: dict[str, Any] = {}
    if matching is not None:
        order.insert(0, flag(matching).desc())
        annotations["alike_matching"] = Window(Max(flag(matching)), partition_by=partition)
    grouped = pairs.annotate(
        alike_rank=Window(RowNumber(), partition_by=partition, order_by=order),
        alike=Window(Count("pk"), partition_by=partition),
        **annotations,
    )
    return grouped.filter(alike_rank=1, **({"alike_matching": 1} if matching is not None else {}))


def questions_in(pairs: QuerySet[CandidatePair]) -> int:
    """How many rows one_per_two_children makes of `pairs` (filtered as the queue filters them),
    counted without ranking them: one per two children."""
    lo, hi, one_child = _two_children()
    return pairs.annotate(q_lo=lo, q_hi=hi, q_one=one_child).values("q_lo", "q_hi", "q_one").distinct().count()


def pairs_waiting_between(pair: CandidatePair, *, user: Any) -> int:
    """How many other pairs wait between the two children of `pair` (a decision of same child
    or not settles them: services._settle_alike), less the user's own escalations; none where
    its records are one child already."""
    between = pairs_between(pair)
    if between is None:
        return 0
    # access: a count only, of the pairs between the two children of a pair the reviewer reached by access
    waiting = CandidatePair.objects.filter(between, status__in=[PairStatus.PENDING, PairStatus.UNSURE])
    return waiting.exclude(pk=pair.pk).exclude(status=PairStatus.UNSURE, decided_by=user).count()


@dataclass
class QueueCounts:
    waiting: int  # one per two children (one_per_two_children), as the queue lists them
    decidable: int
    escalated_by_you: int
    pairs: int = 0  # pairs of records behind `waiting`


def review_queue_counts(user: Any) -> QueueCounts:
    """What the review queue counts in its caption, for the home page: one source, so they agree."""
    waiting = review_waiting(user)
    return QueueCounts(
        waiting=questions_in(waiting),
        decidable=questions_in(with_decidable(user=user, pairs=waiting).filter(decidable=1)),
        escalated_by_you=candidate_pairs_for_review(user).filter(status=PairStatus.UNSURE, decided_by=user).count(),
        pairs=waiting.count(),
    )


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


@dataclass
class Escalation:
    """A decided pair's earlier "unsure": who escalated it, when, and the note they left."""

    by: Any
    at: Any
    note: str


def pair_escalation(*, pair: CandidatePair) -> Escalation | None:
    """The latest escalation of a pair decided since, from its audit trail: the pair keeps only
    the decision that settled it, and the reviewer who was unsure should still read that it was
    theirs, and what they asked."""
    if pair.status in {PairStatus.PENDING, PairStatus.UNSURE}:
        return None
    event = (
        # access: the audit rows of one pair the reviewer reached through candidate_pair_get_for_reviewer
        AuditEvent.objects.filter(event="linkage_pair.decided", object_uuid=pair.uuid, new__status="unsure")
        .select_related("actor")
        .order_by("-id")
        .first()
    )
    if event is None:
        return None
    return Escalation(by=event.actor, at=event.occurred_at, note=(event.detail or {}).get("reason", ""))


def pair_settled_with(*, user: Any, pair: CandidatePair) -> CandidatePair | None:
    """The pair whose decision settled `pair` along with it (services._settle_alike names it in
    the audit row of the decision), in the reviewer's partnership; None for a pair decided on its
    own. Its page says what was decided there, and its join is the one to split."""
    event = (
        # access: the audit rows of one pair the reviewer reached through candidate_pair_get_for_reviewer
        AuditEvent.objects.filter(event="linkage_pair.decided", object_uuid=pair.uuid, new__status=pair.status)
        .order_by("-id")
        .first()
    )
    other = ((event.detail or {}).get("with_pair") if event is not None else None) or None
    if other is None:
        return None
    return candidate_pairs_in_partnership(user).filter(uuid=other).first()


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


def child_records_view(*, user: Any, child: Any, event: str, obj: Any) -> list[RecordShown]:
    """The live records of `child` (a join's target, or the child a flagged join's check now
    concerns), each as the child's page would show it (know-of where it shows nothing more), for
    choosing which to split off or checking a disagreement; audited."""
    purpose = review_purpose(user)
    records = list(
        # access: the child of a join or check the reviewer reached by access; each record shown as child_access allows
        AgencyRecord.objects.filter(child_id=child.pk, erased_at__isnull=True)
        .select_related("agency", "child", "area")
        .order_by("agency__name", "created_at", "pk")
    )
    with transaction.atomic():
        shown = [record_as_child_page_shows(user=user, record=r, purpose=purpose) for r in records]
        _disclose(user=user, shown=shown, purpose=purpose)
        audit_record(
            actor=user, event=event, obj=obj, child_uuid=child.uuid, purpose=purpose,
            detail={"records": _detail(shown)},
        )  # fmt: skip
    return shown


@dataclass
class Disagreement:
    """One detail a flagged join's records disagree on, as far as this reviewer may see it."""

    field: str
    label: str
    values: list[tuple[Any, list[str]]]  # (value, agencies recording it), among records the reviewer sees
    hidden: list[str]  # agencies whose value the reviewer may not see


FIELD_LABELS = {"date_of_birth": "Date of birth", "sex": "Sex"}


def disagreements_of(*, shown: list[RecordShown], fields: list[str]) -> list[Disagreement]:
    out = []
    for name in fields:
        values: dict[Any, list[str]] = {}
        hidden: list[str] = []
        for item in shown:
            if item.fields is None or name not in item.fields:
                hidden.append(item.record.agency.name)
                continue
            value = item.record.get_sex_display() if name == "sex" else item.fields[name]
            if value in (None, "", "Not known"):
                continue
            values.setdefault(value, []).append(item.record.agency.name)
        out.append(
            Disagreement(
                field=name, label=FIELD_LABELS.get(name, name), values=list(values.items()), hidden=sorted(set(hidden))
            )  # fmt: skip
        )
    return out


@dataclass
class CheckRow:
    check: JoinCheck
    disagreements: list[Disagreement]


def join_checks_view(*, user: Any, checks: list[JoinCheck]) -> list[CheckRow]:
    """The joins to check, each with what its records disagree on as far as the reviewer may see
    (values only from records they see; the rest named by agency); one audit event for the page
    and a disclosure row per partner record whose detail is shown."""
    purpose = review_purpose(user)
    records = list(
        # access: flagged children reached by join_checks_for_review; values only where records_seen_by_reviewer allows
        AgencyRecord.objects.filter(child_id__in=[c.child_id for c in checks], erased_at__isnull=True)
        .select_related("agency", "child")
        .order_by("agency__name", "pk")
    )
    seen = records_seen_by_reviewer(user=user, records=records)
    own_agency = require(user, Perm.REVIEW_MATCHES).agency_id
    by_child: dict[int, list[RecordShown]] = {}
    for record in records:
        fields = {n: getattr(record, n) for n in FIELD_LABELS} if record.pk in seen else None
        by_child.setdefault(record.child_id, []).append(
            RecordShown(
                record=record,
                fields=fields,
                categories=["identity"] if fields else KNOW_OF,
                grant=None,
                own=record.agency_id == own_agency,
            )  # fmt: skip
        )
    rows = [CheckRow(check=c, disagreements=disagreements_of(shown=by_child.get(c.child_id, []), fields=c.fields))
            for c in checks]  # fmt: skip
    with transaction.atomic():
        membership = require(user, Perm.REVIEW_MATCHES)
        grants = partner_grants(membership=membership, purpose=purpose)
        for shown in by_child.values():
            for item in shown:
                grant = grants.get(item.record.agency_id)
                if item.fields is not None and not item.own and grant is not None:
                    disclosures_record(user=user, child=item.record.child, items=[(item.record, ["identity"], grant)],
                                       purpose=purpose, channel=Channel.PAGE)  # fmt: skip
        audit_record(
            actor=user, event="join_checks.viewed", purpose=purpose,
            detail={"checks": [str(c.uuid) for c in checks],
                    "records": {str(i.record.uuid): ("own" if i.own else i.categories)
                                for shown in by_child.values() for i in shown}},
        )  # fmt: skip
    return rows
