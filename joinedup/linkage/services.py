"""Writes for linkage: models, joins and splits of children, review decisions, applying a run.

Every join records exactly which records moved from which child, so a split
restores the previous assignment exactly. Nothing is deleted: a child whose
records all moved away stays, empty, with its history.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from joinedup.audit.models import AuditEvent
from joinedup.audit.services import audit_record, audit_record_many
from joinedup.children.access import children_visible_to
from joinedup.children.models import AgencyRecord, Child, Sex
from joinedup.children.reassign import (
    dependents_follow,
    followers_left_behind,
    followers_move,
    followers_restore,
)
from joinedup.children.selectors import HELD_OUTSIDE_WORK_EVENT, JOINED_OUTSIDE_WORK_EVENT
from joinedup.core.bulk import insert_many
from joinedup.linkage import explain
from joinedup.linkage.asks import record_check_ask
from joinedup.linkage.bulk import chunks, mark_joined_into, reassign, rows_for
from joinedup.linkage.decisions import (
    DECIDED_NOT_SAME,
    KEPT_APART,
    NHS_DIFFERENT_ALL_ELSE_AGREES,
    OTHER_CHILD_IN_RUNNING,
    Components,
    conflict_reason,
    joins_last,
    keeps_apart,
    near_records,
    numbers_weighed,
    review_reason,
    rules_for,
    settled_by_rule,
    weak_link,
)
from joinedup.linkage.evaluation import compare
from joinedup.linkage.explain import Waterfalls, step_columns, waterfall
from joinedup.linkage.features import lasting_identifier
from joinedup.linkage.models import (
    CandidatePair,
    CheckStatus,
    ChildJoin,
    JoinCheck,
    JoinKind,
    LinkageModel,
    LinkageRun,
    PairStatus,
)
from joinedup.linkage.notify import notify_across_the_boundary
from joinedup.partnership.access import membership_for, user_can
from joinedup.partnership.roles import Perm

# --- models -------------------------------------------------------------------------------


@transaction.atomic
def linkage_model_save(*, actor: Any, parameters: dict[str, Any], summary: dict[str, Any]) -> LinkageModel:
    version = (LinkageModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    # Compared before it can be put in use (linkage_model_activate), and shown on its page.
    upper = LinkageModel._meta.get_field("upper_threshold").get_default()
    summary = {**summary, "comparison": compare(parameters, upper=upper, active=active_model())}
    model = LinkageModel.objects.create(
        version=version, parameters=parameters, training_summary=summary, trained_by=actor
    )
    audit_record(actor=actor, event="linkage_model.trained", obj=model, detail={"version": version, **summary})
    return model


@transaction.atomic
def linkage_model_activate(
    *,
    actor: Any,
    model: LinkageModel,
    upper: float | None = None,
    lower: float | None = None,
    worse_reason: str = "",
) -> LinkageModel:
    """Make `model` the one in use (others are deactivated), optionally with new thresholds.

    A model that did worse than the one in use on labelled pairs when it was trained
    (evaluation.compare) is put in use only with a reason, kept in the audit trail.
    """
    upper = model.upper_threshold if upper is None else upper
    lower = model.lower_threshold if lower is None else lower
    errors = {}
    if not 0 < upper < 1:
        errors["upper_threshold"] = "Enter the upper threshold as a probability between 0 and 1, such as 0.7."
    if not 0 < lower < 1:
        errors["lower_threshold"] = "Enter the lower threshold as a probability between 0 and 1, such as 0.5."
    elif not errors and lower >= upper:
        errors["lower_threshold"] = "The lower threshold must be below the upper one: pairs between them are reviewed."
    comparison = (model.training_summary or {}).get("comparison") or {}
    current = active_model()
    if (
        comparison.get("worse")
        and current is not None
        and current.pk != model.pk
        and comparison.get("active_version") == current.version
        and not worse_reason.strip()
    ):
        errors["worse_reason"] = (
            f"This model did worse than model v{current.version} on pairs whose truth is known: "
            "say why it should be put in use anyway, or keep the model in use."
        )
    if errors:
        raise ValidationError(errors)
    previous = LinkageModel.objects.select_for_update().filter(is_active=True).exclude(pk=model.pk)
    old = {
        "active": [m.version for m in previous],
        "upper_threshold": model.upper_threshold,
        "lower_threshold": model.lower_threshold,
    }
    previous.update(is_active=False)
    model.is_active = True
    model.upper_threshold, model.lower_threshold = upper, lower
    model.activated_by = actor
    model.activated_at = timezone.now()
    model.save(
        update_fields=["is_active", "upper_threshold", "lower_threshold", "activated_by", "activated_at", "updated_at"]
    )
    audit_record(
        actor=actor,
        event="linkage_model.activated",
        obj=model,
        old=old,
        new={"active": [model.version], "upper_threshold": upper, "lower_threshold": lower},
        detail={"worse_reason": worse_reason.strip()} if worse_reason.strip() else None,
    )
    return model


def active_model() -> LinkageModel | None:
    return LinkageModel.objects.filter(is_active=True).first()


# --- joins and splits ---------------------------------------------------------------------


@transaction.atomic
def child_merge(
    *, actor: Any, children: Iterable[Child], reason: str, pair: CandidatePair | None = None
) -> ChildJoin | None:
    """Join children into one (the longest-standing), moving every record; returns the join, or None."""
    joins = children_merge_many(actor=actor, groups=[{c.pk for c in children}], reason=reason, pairs=[pair])
    return joins[0] if joins else None


@transaction.atomic
def children_merge_many(
    *,
    actor: Any,
    groups: list[set[int]],
    reason: str,
    pairs: list[CandidatePair | None] | None = None,
) -> list[ChildJoin]:
    """Join each group of children (by id) into its longest-standing child, in bulk.

    One join, with exactly which records moved from which child, and one
    audit event per group; notifications when a child is newly known in more
    than one area. Used for a single review decision and for a whole
    linkage run alike. Returns the joins for a handful of groups (a review,
    an intake); a run's thousands are written as rows, not instances, and
    none are returned.
    """
    pairs = pairs or [None] * len(groups)
    groups_pairs = [(g, p) for g, p in zip(groups, pairs, strict=True) if len(g) > 1]
    if not groups_pairs:
        return []
    ids = sorted({c for g, _ in groups_pairs for c in g})
    # Plain SQL over integer keys: a run reads hundreds of thousands of children, and the
    # ORM's per-value preparation of IN lists would cost more than the queries.
    info: dict[int, tuple[Any, uuid.UUID]] = {}
    for pk, created, public_id in rows_for(Child, ["id", "created_at", "uuid"], "id", ids):
        info[pk] = (created, public_id if isinstance(public_id, uuid.UUID) else uuid.UUID(public_id))
    records: dict[int, list[tuple[int, int | None]]] = {}
    # Each child's live records' dates of birth and sexes, to flag a join that brings disagreeing ones together.
    details: dict[int, list[tuple[Any, str]]] = {}
    columns = ["id", "child_id", "area_id", "date_of_birth", "sex", "erased_at"]
    for rid, cid, area, dob, sex, erased in rows_for(AgencyRecord, columns, "child_id", ids, lock=True):
        records.setdefault(cid, []).append((rid, area))
        if erased is None:
            details.setdefault(cid, []).append((dob, sex))
    joins: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    moved: list[tuple[int, int]] = []
    crossings: list[tuple[int, Any, set[int]]] = []
    flagged: list[tuple[int, int, list[str]]] = []  # (index of the join, its child, details that disagree)
    emptied: dict[int, int] = {}  # source child -> the child it joins
    for group, pair in groups_pairs:
        target, *sources = sorted(group, key=lambda c: (info[c][0], c))
        moves = [{"record": rid, "from": cid, "to": target} for cid in sources for rid, _ in records.get(cid, [])]
        moved.extend((m["record"], target) for m in moves)
        emptied.update((source, target) for source in sources)
        join = {"uuid": uuid.uuid4(), "kind": JoinKind.MERGE.value, "target_id": target, "moves": moves,
                "related": {}, "reason": reason, "pair": pair, "actor": actor}  # fmt: skip
        joins.append(join)
        events.append(
            {
                "actor": actor,
                "event": "child.merged",
                "object_type": ChildJoin._meta.label,
                "object_uuid": join["uuid"],
                "child_uuid": info[target][1],
                "detail": {
                    "from_children": [str(info[c][1]) for c in sources],
                    "records": len(moves),
                    "reason": reason,
                },
            }
        )
        before = [{a for _, a in records.get(c, []) if a is not None} for c in group]
        after = set().union(*before)
        if len(after) > 1 and all(areas != after for areas in before):
            crossings.append((target, info[target][1], after))
        disagree = disagreements([details.get(c, []) for c in group])
        if disagree:
            flagged.append((len(joins) - 1, target, disagree))
    reassign(moved)
    # Cases, referrals and young people's words follow the records; each join keeps what it moved.
    join_of = {child: joins[i] for i, (group, _) in enumerate(groups_pairs) for child in group}
    for label, rows in followers_move(emptied).items():
        for row_id, came_from in rows:
            join_of[came_from]["related"].setdefault(label, []).append([row_id, came_from])
    for join, event in zip(joins, events, strict=True):
        event["detail"]["also_moved"] = {label: len(rows) for label, rows in join["related"].items()}
    mark_joined_into(emptied)
    made: list[ChildJoin] = []
    if len(joins) > 100:
        insert_many(ChildJoin, joins)  # a linkage run: rows, not instances; nobody needs their keys
    else:
        made = ChildJoin.objects.bulk_create([ChildJoin(**join) for join in joins])  # the caller gets them
    # Checks still open on an emptied child follow its records to the child they joined. In
    # chunks: a million-record run empties hundreds of thousands of children, more ids than
    # one statement may carry (SQLite's limit is 32,766, PostgreSQL's 65,535).
    for part in chunks(list(emptied)):
        for check in JoinCheck.objects.filter(child_id__in=part, status=CheckStatus.OPEN):
            check.child_id = emptied[check.child_id]
            check.save(update_fields=["child", "updated_at"])
    events.extend(_join_checks_flag(joins=joins, flagged=flagged, actor=actor, info=info))
    audit_record_many(events)
    notify_across_the_boundary(crossings)
    return made


@transaction.atomic
def child_unmerge(*, actor: Any, join: ChildJoin, reason: str) -> ChildJoin:
    """Undo a join: every record it moved goes back to exactly the child it came from."""
    if join.kind != JoinKind.MERGE:
        raise ValidationError("Only a join can be undone.")
    if hasattr(join, "undone_by"):
        raise ValidationError("This join has already been undone.")
    record_ids = [m["record"] for m in join.moves]
    current = dict(AgencyRecord.objects.select_for_update().filter(pk__in=record_ids).values_list("id", "child_id"))
    moved_since = [rid for rid in record_ids if current.get(rid) != join.target_id]
    if moved_since:
        raise ValidationError(
            "Some of these records have been joined elsewhere or split off since: undo the later join first "
            f"(records {', '.join(map(str, moved_since[:5]))})."
        )
    if not reason.strip():
        raise ValidationError({"reason": "Say why these records are not the same child."})
    for move in join.moves:
        AgencyRecord.objects.filter(pk=move["record"]).update(child_id=move["from"], updated_at=timezone.now())
    restored = followers_restore(join.related or {}, now_on=join.target_id)
    back_to = sorted({m["from"] for m in join.moves} | {c for rows in (join.related or {}).values() for _, c in rows})
    # A case opened after the join from a referral the split sent back goes with the referral.
    with_their_referrals = dependents_follow(on=join.target_id)
    left_behind: dict[str, list[list[int]]] = {}
    if not AgencyRecord.objects.filter(child_id=join.target_id, erased_at__isnull=True).exists():
        # Nothing of the child is left on the emptied one: what was added to it after the join
        # (an event, the child's words) goes with most of its records, never stranded on a
        # page no one can open.
        counts: dict[int, int] = {}
        for move in join.moves:
            counts[move["from"]] = counts.get(move["from"], 0) + 1
        main = max(sorted(counts), key=lambda child: counts[child])
        left_behind = followers_left_behind(on=join.target_id, to=main)
    Child.objects.filter(pk__in=back_to).update(joined_into=None, updated_at=timezone.now())
    split = ChildJoin.objects.create(
        kind=JoinKind.UNMERGE,
        target=join.target,
        moves=[{"record": m["record"], "from": m["to"], "to": m["from"]} for m in join.moves],
        related=join.related or {},
        reason=reason.strip(),
        actor=actor,
        undoes=join,
    )
    split.sent_to.set(sorted({m["to"] for m in split.moves}))
    kept_apart = _record_not_the_same(actor=actor, join=join)
    _join_checks_clear(actor=actor, join=join)
    audit_record(
        actor=actor,
        event="child.unmerged",
        obj=split,
        child_uuid=join.target.uuid,
        detail={
            "undoes": str(join.uuid),
            "reason": reason.strip(),
            "back_to": [str(u) for u in Child.objects.filter(pk__in=back_to).values_list("uuid", flat=True)],
            "also_restored": restored,
            "left_behind_moved": {label: len(rows) for label, rows in left_behind.items()},
            "followed_their_referral": {label: len(rows) for label, rows in with_their_referrals.items()},
            "pairs_kept_apart": kept_apart,
        },
    )
    return split


SPLIT_BY_A_PERSON = "Split by a person: not the same child"


def _record_not_the_same(*, actor: Any, join: ChildJoin) -> int:
    """A split is a person's "not the same child" between each group of records the join brought
    together (the target's own, and each source child's), which no linkage run overrides."""
    groups: dict[int, set[int]] = {}
    for move in join.moves:
        groups.setdefault(move["from"], set()).add(move["record"])
    groups[join.target_id] = set(AgencyRecord.objects.filter(child_id=join.target_id).values_list("pk", flat=True))
    return records_kept_apart(actor=actor, groups=list(groups.values()))


ONE_CHILD_NOT_SAME = (
    "These records are already one child, so deciding they are not the same child would not part them. "
    "If they are not the same child, split them from the child's page: How this child's records were joined."
)


def _children_of(pair: CandidatePair) -> tuple[int, int]:
    """The children the pair's two records are on now (record a's first)."""
    x, y = (
        AgencyRecord.objects.filter(pk__in=[pair.record_a_id, pair.record_b_id])
        .order_by("pk")
        .values_list("child_id", flat=True)
    )
    return x, y


def pair_is_one_child(pair: CandidatePair) -> bool:
    """Whether both records of `pair` are on one child now (another pair, or a run, joined them)."""
    x, y = _children_of(pair)
    return x == y


@transaction.atomic
def pair_decide(*, actor: Any, pair: CandidatePair, decision: str, reason: str = "") -> CandidatePair:
    """A reviewer's decision: same child (join them), not the same (never joined by the model), unsure.

    "Same" for a pair whose join would open to the actor a child they could not
    open before (they made one of the records, say) needs a stated reason, and is
    recorded for the DPO (JOINED_OUTSIDE_WORK_EVENT). A pair the actor escalated as
    unsure waits for a second reviewer: the actor may not decide it again.
    """
    if decision not in {PairStatus.SAME, PairStatus.NOT_SAME, PairStatus.UNSURE}:
        raise ValidationError({"decision": "Choose same child, not the same child, or unsure."})
    # Read under a lock: two reviewers deciding one pair at once must not both succeed.
    pair.status, pair.decided_by_id = (
        CandidatePair.objects.select_for_update().values_list("status", "decided_by_id").get(pk=pair.pk)
    )
    if pair.status not in {PairStatus.PENDING, PairStatus.UNSURE}:
        raise ValidationError(
            f"This pair was decided already ({PairStatus(pair.status).label.lower()}): reopen it to decide again."
        )
    # An escalation asks for a second reviewer: the one who escalated does not settle it after all.
    if pair.status == PairStatus.UNSURE and actor is not None and pair.decided_by_id == actor.pk:
        raise ValidationError("You escalated this pair as unsure, so another reviewer decides it.")
    # The question is the two children's: one the actor escalated between them (a pair a later
    # run found, say) waits for a second reviewer, and so does this.
    if actor is not None and _escalated_between(actor=actor, pair=pair):
        raise ValidationError(
            "You escalated another pair between these two children as unsure, so another reviewer decides."
        )
    # Records another decision (or a run) already made one child: "not the same" would leave them
    # joined under a decision that says otherwise. Splitting them is what the reviewer means.
    if decision == PairStatus.NOT_SAME and pair_is_one_child(pair):
        raise ValidationError({"decision": ONE_CHILD_NOT_SAME})
    opened: list[Child] = []
    if decision == PairStatus.SAME:
        # A person decided records of these two children are not one child (twins, say, reached
        # through a third record that matched both): "same" here would join them after all.
        apart = kept_apart_between(pair)
        if apart is not None:
            who = apart.decided_by.get_full_name() or apart.decided_by.username if apart.decided_by else "A reviewer"
            when = f"{timezone.localtime(apart.decided_at):%-d %B %Y}" if apart.decided_at else "earlier"
            raise ValidationError(
                {
                    "decision": f"{who} decided on {when} that records of these two children are not the same "
                    "child, so they cannot be joined. If that decision was wrong, a reviewer reopens it from "
                    "the child's page (Records decided not the same child); otherwise choose not the same child."
                }
            )
        both = list(AgencyRecord.objects.select_related("child").filter(pk__in=[pair.record_a_id, pair.record_b_id]))
        opened = join_opens_for(actor=actor, records=both)
        if opened and not reason.strip():
            raise ValidationError(
                {
                    "reason": "This child is outside your agency's work: joining would show you what partners "
                    f"hold. Say why you are sure it is the same child ({who_is_told(actor)}), "
                    "or leave it for a reviewer."
                }
            )
    if len(reason.strip()) > 300:
        raise ValidationError({"reason": "Keep the note to 300 characters or fewer."})
    _record_decision(
        actor=actor,
        pair=pair,
        decision=decision,
        note=reason.strip(),
        at=timezone.now(),
        detail={"reason": reason.strip()} if reason.strip() else None,
    )
    _settle_alike(actor=actor, pair=pair, reason=reason.strip())
    if decision == PairStatus.SAME:
        a, b = AgencyRecord.objects.select_related("child").filter(pk__in=[pair.record_a_id, pair.record_b_id])
        join = child_merge(actor=actor, children=[a.child, b.child], reason="Reviewed: same child", pair=pair)
        if opened:
            audit_record(
                actor=actor,
                event=JOINED_OUTSIDE_WORK_EVENT,
                obj=pair,
                child_uuid=join.target.uuid if join else a.child.uuid,
                detail={"reason": reason.strip(), "opened": [str(c.uuid) for c in opened]},
            )
    return pair


SETTLED_WITH = "Decided with another pair between the same two children"


def pairs_between(pair: CandidatePair) -> models.Q | None:
    """A filter on pairs: those between the two children of `pair`; None where its records are
    one child already."""
    x, y = _children_of(pair)
    if x == y:
        return None
    return models.Q(record_a__child_id=x, record_b__child_id=y) | models.Q(record_a__child_id=y, record_b__child_id=x)


def kept_apart_between(pair: CandidatePair) -> CandidatePair | None:
    """Another pair between the two children of `pair` that a person decided is not the same child."""
    between = pairs_between(pair)
    if between is None:
        return None
    return (
        # access: pairs between the two children of a pair the caller may decide
        CandidatePair.objects.filter(between, status=PairStatus.NOT_SAME)
        .exclude(pk=pair.pk)
        .select_related("decided_by")
        .order_by("-decided_at")
        .first()
    )


def _escalated_between(*, actor: Any, pair: CandidatePair) -> bool:
    between = pairs_between(pair)
    if between is None:
        return False
    theirs = CandidatePair.objects.filter(between, status=PairStatus.UNSURE, decided_by_id=actor.pk)
    return theirs.exclude(pk=pair.pk).exists()


def _settle_alike(*, actor: Any, pair: CandidatePair, reason: str) -> list[CandidatePair]:
    """Settle the other pairs waiting between the same two children as `pair` was decided.

    A reviewer answers "are these two children one child?": the other pairs between them ask
    it again, and a queue that asks twice, or lets a second reviewer answer the other way,
    cannot be cleared. A "not the same" settles them all, escalations included (the second
    reviewer's answer). A "same child" settles those no rule holds apart; one that a rule
    does (twins, two birth dates) stays for a person, as the records of one child that
    disagree. An "unsure" escalates those waiting with it, for a second reviewer.
    """
    between = pairs_between(pair)
    if between is None:
        return []
    waiting = [PairStatus.PENDING] if pair.status == PairStatus.UNSURE else [PairStatus.PENDING, PairStatus.UNSURE]
    others = list(
        CandidatePair.objects.select_for_update().filter(between, status__in=waiting).exclude(pk=pair.pk).order_by("pk")
    )
    if pair.status == PairStatus.SAME:
        others = [o for o in others if not keeps_apart(o.conflict)]
    now = timezone.now()
    note = f"{SETTLED_WITH}. {reason}".strip() if reason else SETTLED_WITH
    for other in others:
        _record_decision(
            actor=actor,
            pair=other,
            decision=pair.status,
            note=note[:300],
            at=now,
            detail={"with_pair": str(pair.uuid), **({"reason": reason} if reason else {})},
        )
    return others


def _record_decision(
    *, actor: Any, pair: CandidatePair, decision: str, note: str, at: Any, detail: dict[str, Any] | None
) -> None:
    """Write a person's decision on a pair, and its audit row (old status to new)."""
    old = pair.status
    pair.status, pair.decided_by, pair.decided_at, pair.decision_note = decision, actor, at, note
    pair.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    audit_record(
        actor=actor,
        event="linkage_pair.decided",
        obj=pair,
        old={"status": old},
        new={"status": decision},
        detail=detail,
    )


# --- applying a run -----------------------------------------------------------------------


PROGRESS_EVERY = 100_000
PAIR_RESULT_FIELDS = ("probability", "match_weight", "waterfall", "conflict", "status", "run")
# (probability, a, b, weight, conflict, steps, weak link, joins last, numbers weighed)
Scored = tuple[float, int, int, float, str, tuple[tuple[Any, float], ...], bool, bool, int]


def linkage_apply(
    *,
    actor: Any,
    model: LinkageModel,
    rows: Iterable[dict[str, Any]],
    progress: Callable[[str], None] | None = None,
) -> LinkageRun:
    """Turn scored pairs into decisions; repeatable, changing only what changed.

    At or above the upper threshold: joined, strongest first, unless a
    conflict rule stops it, a person recorded "not the same child", or the
    join would bring together records that must be kept apart (twins chained
    through a third record, say). Between the thresholds: reviewed. The
    pairs stored, each with its waterfall, are those that decided something
    (each join, each pair for review, each conflict); a pair whose records
    were already one child through stronger pairs is counted, not stored, and
    a stored pair is rewritten only when its score or status changed.

    `rows` may be a stream (model.predict_pairs): each is reduced at once to a
    few numbers, so a million records' pairs fit in memory, and the stream is
    read before the transaction that writes the decisions begins. `progress`,
    if given, is told how far the run has got, now and then.
    """
    report = progress or (lambda message: None)
    columns = step_columns(model.parameters)
    rules = rules_for(model.parameters)
    scored: list[Scored] = []
    for row in rows:
        if len(scored) % PROGRESS_EVERY == 0 and scored:
            report(f"{len(scored):,} pairs scored so far")
        a, b = sorted((int(row["unique_id_l"]), int(row["unique_id_r"])))
        scored.append(
            (
                float(row["match_probability"]),
                a,
                b,
                float(row["match_weight"]),
                review_reason(row, rules),
                explain.steps(row, columns),
                weak_link(row, rules),
                joins_last(row, rules),
                numbers_weighed(row, rules),
            )
        )
    # Strongest first, pairs that join last after all others (decisions.joins_last); ties by
    # record so the same input always decides the same way.
    scored.sort(key=lambda item: (item[7], -item[0], item[1], item[2]))
    report(f"{len(scored):,} pairs scored; deciding and writing")
    return _apply(actor=actor, model=model, scored=scored, report=report)


@transaction.atomic
def _apply(*, actor: Any, model: LinkageModel, scored: list[Scored], report: Callable[[str], None]) -> LinkageRun:
    run = LinkageRun.objects.create(model=model, actor=actor)
    # (a, b) -> (pk, status, probability, conflict): a few values per pair, not a model instance, at any scale.
    existing = {
        (a, b): (pk, status, probability, conflict)
        for pk, a, b, status, probability, conflict in CandidatePair.objects.values_list(
            "pk", "record_a_id", "record_b_id", "status", "probability", "conflict"
        )
    }
    # Pairs a person reopened (pair_reopen keeps who did): never settled by rule again.
    reopened = set(
        CandidatePair.objects.filter(status=PairStatus.PENDING, decided_by__isnull=False).values_list(
            "record_a_id", "record_b_id"
        )
    )
    child_of = dict(AgencyRecord.objects.values_list("id", "child_id"))
    numbers = dict(AgencyRecord.objects.exclude(nhs_number="").values_list("id", "nhs_number"))
    identifiers = {
        pk: key
        for pk, upn in AgencyRecord.objects.exclude(upn="").values_list("id", "upn")
        if (key := lasting_identifier(upn))
    }
    near = near_records(
        lambda: (
            (a, b, last, probability >= model.lower_threshold or keeps_apart(conflict))
            for probability, a, b, _, conflict, _, _, last, _ in scored
        )
    )
    # Components start as today's children, so a repeated run changes only what changed.
    components = Components(child_of, numbers=numbers, identifiers=identifiers, near=near)
    # Today's children a person decided are not one child: a new pair between them asks again.
    decided_apart: set[frozenset[int]] = set()
    for (a, b), (_, status, _, _) in existing.items():
        if status == PairStatus.NOT_SAME:
            components.keep_apart(a, b)
            if a in child_of and b in child_of and child_of[a] != child_of[b]:
                decided_apart.add(frozenset((child_of[a], child_of[b])))
    for _, a, b, _, conflict, _, _, _, _ in scored:
        if keeps_apart(conflict):
            components.keep_apart(a, b)

    figures = {"pairs_scored": len(scored), "auto_joined": 0, "already_joined": 0, "to_review": 0, "conflicts": 0,
               "kept_apart": 0, "kept_apart_by_rule": 0}  # fmt: skip
    # (existing pk or None, a, b, probability, weight, conflict, steps, status)
    results: list[tuple[int | None, int, int, float, float, str, tuple[tuple[Any, float], ...], PairStatus]] = []
    for probability, a, b, weight, conflict, steps, weak, last, weighed in scored:
        if probability < model.lower_threshold and conflict != NHS_DIFFERENT_ALL_ELSE_AGREES:
            continue
        known = existing.get((a, b))
        if known is not None and known[1] in {PairStatus.NOT_SAME, PairStatus.SAME, PairStatus.UNSURE}:
            # A person's decision stands: never overridden by a run.
            if known[1] == PairStatus.NOT_SAME:
                figures["kept_apart"] += 1
            continue
        if known is None and components.same(a, b) and not keeps_apart(conflict):
            # Already one child through stronger pairs: nothing for a person to decide.
            figures["already_joined"] += 1
            continue
        if decided_apart and (a, b) not in reopened and frozenset((child_of[a], child_of[b])) in decided_apart:
            conflict = DECIDED_NOT_SAME  # settled below: a person answered it for these two children
        elif not conflict and probability >= model.upper_threshold:
            conflict = components.refusal(a, b, weak=weak, last=last, weighed=weighed)
            if conflict and last:
                components.keep_apart(a, b)
        elif not conflict and components.would_join_apart(a, b):
            conflict = KEPT_APART
        auto = probability >= model.upper_threshold and not conflict
        settled = not auto and settled_by_rule(conflict) and (a, b) not in reopened
        if auto:
            joined = components.join(a, b, weak=weak)
            figures["auto_joined"] += joined
            if not joined and known is None:
                # Already one child through stronger pairs: this pair decides nothing, so it is
                # not stored (a million-record run has about as many of these as joins).
                figures["already_joined"] += 1
                continue
        elif settled:
            figures["kept_apart_by_rule"] += 1
        else:
            figures["to_review"] += 1
            figures["conflicts"] += bool(conflict and probability >= model.upper_threshold)
        status = PairStatus.AUTO_JOINED if auto else PairStatus.KEPT_APART if settled else PairStatus.PENDING
        if known is not None and (known[1], known[2], known[3]) == (status, probability, conflict):
            continue  # unchanged since the run that wrote it
        results.append((known[0] if known else None, a, b, probability, weight, conflict, steps, status))
    report(f"{figures['auto_joined']:,} joins and {figures['to_review']:,} pairs for review decided; writing pairs")
    _save_pairs(run, model, results)
    report("Pairs written; joining children")
    # Each component that now spans several of today's children becomes one child.
    groups: dict[int, set[int]] = {}
    for record_id, comp in components.component.items():
        groups.setdefault(comp, set()).add(child_of[record_id])
    to_merge = [ids for ids in groups.values() if len(ids) > 1]
    children_merge_many(actor=actor, groups=to_merge, reason=f"Linkage run with model v{model.version}")
    figures["children_joined"] = len(to_merge)
    run.figures = figures
    run.finished_at = timezone.now()
    run.save(update_fields=["figures", "finished_at", "updated_at"])
    audit_record(actor=actor, event="linkage.run", obj=run, detail=figures)
    return run


def _save_pairs(run: LinkageRun, model: LinkageModel, results: list[tuple[Any, ...]]) -> None:
    """Write the run's pairs: new ones as rows (a million pairs cannot afford an ORM object
    each, nor encoding each waterfall from scratch), known ones updated in chunks."""
    waterfalls = Waterfalls(model.parameters)
    new_rows = (
        {"record_a_id": a, "record_b_id": b, "probability": probability, "match_weight": weight,
         "waterfall": waterfalls.json(steps), "conflict": conflict,
         "status": status.value, "run_id": run.pk}
        for pk, a, b, probability, weight, conflict, steps, status in results
        if pk is None
    )  # fmt: skip
    insert_many(CandidatePair, new_rows, encoded={"waterfall"})
    now = timezone.now()
    changed = [
        CandidatePair(pk=pk, record_a_id=a, record_b_id=b, probability=probability, match_weight=weight,
                      waterfall=waterfalls.build(steps), conflict=conflict,
                      status=status, run=run, updated_at=now)
        for pk, a, b, probability, weight, conflict, steps, status in results
        if pk is not None
    ]  # fmt: skip
    for chunk in chunks(changed):
        CandidatePair.objects.bulk_update(chunk, [*PAIR_RESULT_FIELDS, "updated_at"])


# --- intake: one new record, matched as it is created -------------------------------------


@dataclass
class IntakeOutcome:
    joined_to: Child | None
    possible: list[CandidatePair]
    candidates: int
    seconds: float


# A join the creator of a record could use to open a child they could not see before
# (12.7): never automatic, and confirmed by the creator only with a reason, for the DPO.
OUTSIDE_WORK = "The child is outside your agency's work: a reviewer decides, or you confirm with a reason"


def who_is_told(user: Any) -> str:
    """Who hears of a join that opens a child outside the user's work, in words for that user.

    Such joins go on the list data protection officers review (children.selectors
    joins_outside_work_for): a user who reads that list is not told "the DPO is told"."""
    if user is not None and user_can(user, Perm.VIEW_AUDIT):
        return "it goes on the list of joins outside work that data protection officers review"
    return "the data protection officer is told"


def join_opens_for(*, actor: Any, records: Iterable[AgencyRecord]) -> list[Child]:
    """The children that `actor` deciding "same child" on these records would open to them,
    where the decision needs a reason and the DPO is told (pair_decide); the pair page asks for
    the reason from the same answer. Reviewing matches is a reviewer's job; deciding a match to a
    record of one's own making is not, nor is it for anyone who does not review matches."""
    records = list(records)
    if actor is None or (
        user_can(actor, Perm.REVIEW_MATCHES) and not any(r.created_by_id == actor.pk for r in records)
    ):
        return []
    return children_opened_by_join(actor=actor, children=[r.child for r in records])


def children_opened_by_join(*, actor: Any, children: Iterable[Child]) -> list[Child]:
    """The children of a join that `actor` may not open today but could once it is made.

    A joined child is open to whoever could open any of its parts (their agency's
    record, case or referral follows the join), so a join opens the hidden parts to
    anyone who sees one part; to someone who sees none, it opens nothing.
    """
    children = list(children)
    if actor is None or membership_for(actor) is None:
        return []
    visible = set(children_visible_to(actor).filter(pk__in=[c.pk for c in children]).values_list("pk", flat=True))
    if not visible:
        return []
    return [c for c in children if c.pk not in visible]


def _matches_by_child(result: Any) -> dict[int, list[Any]]:
    by_child: dict[int, list[Any]] = {}
    for match in result.matches:  # strongest first, so children in order of their best match
        by_child.setdefault(match.child_id, []).append(match)
    return by_child


def intake_choice(result: Any, *, model: LinkageModel) -> tuple[int | None, set[int]]:
    """The child a new record's matches (`result`, intake.match_record) join it to by the rules,
    or None; and the children held for a person because another is in the running.

    The strongest child above the upper threshold none of whose matches is a conflict, with a
    match corroborated beyond the names (`review_reason`, as in a run). Whether the join would
    open a child to its creator is intake_match's to check, after.
    """
    rules = rules_for(model.parameters)
    by_child = _matches_by_child(result)
    rivalled: set[int] = set()
    for child_id, matches in by_child.items():
        if matches[0].probability < model.upper_threshold:
            break
        if any(keeps_apart(conflict_reason(m.row, rules)) for m in matches):
            continue
        joinable = [m for m in matches if m.probability >= model.upper_threshold and not review_reason(m.row, rules)]
        if not joinable:
            continue
        if all(joins_last(m.row, rules) for m in joinable) and len(by_child) > 1:
            # Only a shared number beside another forename holds it, and another child is in
            # the running (a twin carrying that forename?): a person decides, as in a run.
            rivalled.add(child_id)
            continue
        return child_id, rivalled
    return None, rivalled


@transaction.atomic
def intake_match(*, actor: Any, record: AgencyRecord) -> IntakeOutcome | None:
    """Place a new record: join it to a known child above the upper threshold, queue the
    band as possible matches, otherwise leave it new.

    A child joins only when no match with any of its records is a conflict, and a
    match above the threshold is corroborated beyond the names (`review_reason`, the
    rule runs use too). A child the creator could not open before is never joined
    automatically: the pair waits for a reviewer and the DPO is told (audit event
    HELD_OUTSIDE_WORK_EVENT). Nothing happens without an active model. At most one
    pair per other child is queued: the strongest.
    """
    model = active_model()
    if model is None:
        return None
    from joinedup.linkage.intake import match_record

    result = match_record(record, model=model)
    rules = rules_for(model.parameters)
    by_child = _matches_by_child(result)
    target, rivalled = intake_choice(result, model=model)
    held: int | None = None
    if target is not None:
        known = Child.objects.get(pk=target)
        if children_opened_by_join(actor=actor, children=[record.child, known]):
            held, target = target, None
    possible: list[CandidatePair] = []
    held_pair: CandidatePair | None = None
    for child_id, matches in by_child.items():
        best = matches[0]
        joined = child_id == target
        a, b = sorted((record.pk, best.record_id))
        conflict = review_reason(best.row, rules)
        if child_id == held:
            conflict = OUTSIDE_WORK
        elif child_id in rivalled:
            conflict = OTHER_CHILD_IN_RUNNING
        pair = CandidatePair.objects.create(
            record_a_id=a,
            record_b_id=b,
            probability=best.probability,
            match_weight=float(best.row["match_weight"]),
            waterfall=waterfall(best.row, model.parameters),
            conflict=conflict,
            status=PairStatus.AUTO_JOINED if joined else PairStatus.PENDING,
        )
        if child_id == held:
            held_pair = pair
        if not joined:
            possible.append(pair)
    joined_to = None
    if target is not None:
        joined_to = Child.objects.get(pk=target)
        child_merge(
            actor=actor,
            children=[record.child, joined_to],
            reason=f"Matched as the record was added (model v{model.version})",
            pair=CandidatePair.objects.filter(status=PairStatus.AUTO_JOINED)
            .filter(models.Q(record_a=record) | models.Q(record_b=record))
            .first(),
        )
    if held_pair is not None and held is not None:
        audit_record(
            actor=actor,
            event=HELD_OUTSIDE_WORK_EVENT,
            obj=held_pair,
            child_uuid=Child.objects.get(pk=held).uuid,
            detail={
                "record": str(record.uuid),
                "new_child": str(record.child.uuid),
                "probability": round(held_pair.probability, 4),
                "outcome": "Held for review: not joined automatically",
            },
        )
    audit_record(
        actor=actor,
        event="agency_record.intake_matched",
        obj=record,
        child_uuid=(joined_to or record.child).uuid,
        detail={
            "model": model.version,
            "candidates": result.candidates,
            "joined": joined_to is not None,
            "possible_matches": len(possible),
            "held_outside_work": held_pair is not None,
        },
    )
    return IntakeOutcome(joined_to, possible, result.candidates, result.seconds)


def intake_hook(actor: Any, record: AgencyRecord) -> None:
    intake_match(actor=actor, record=record)


# --- keeping records apart ----------------------------------------------------------------


def records_kept_apart(*, actor: Any, groups: list[set[int]], conflict: str = "") -> int:
    """A person's "not the same child" between every record of each group and every record of
    each other group, which no linkage run overrides; returns how many pairs that is.

    Pairs the model scored become "not the same"; pairs it never stored are written with that
    decision (and no score), so a later run that scores them finds a person's decision first.
    """
    conflict = conflict or SPLIT_BY_A_PERSON
    ids = [g for g in groups if g]
    apart: set[tuple[int, int]] = {
        (min(x, y), max(x, y)) for i, first in enumerate(ids) for second in ids[i + 1 :] for x in first for y in second
    }
    if not apart:
        return 0
    now = timezone.now()
    records = sorted({r for pair in apart for r in pair})
    existing = {
        (p.record_a_id, p.record_b_id): p
        for p in CandidatePair.objects.select_for_update().filter(record_a_id__in=records, record_b_id__in=records)
    }
    changed = []
    for key in sorted(apart):
        pair = existing.get(key)
        if pair is not None and pair.status != PairStatus.NOT_SAME:
            pair.status, pair.decided_by, pair.decided_at, pair.updated_at = PairStatus.NOT_SAME, actor, now, now
            # Said on the pair's page and in the decided list: a pair the model joined (it scored
            # above the thresholds) is "not the same" because a person split it, not by review.
            pair.decision_note = conflict
            changed.append(pair)
    CandidatePair.objects.bulk_update(changed, ["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    CandidatePair.objects.bulk_create(
        [
            CandidatePair(
                record_a_id=a,
                record_b_id=b,
                probability=0.0,
                match_weight=0.0,
                waterfall=[],
                conflict=conflict,
                status=PairStatus.NOT_SAME,
                decided_by=actor,
                decided_at=now,
            )
            for a, b in sorted(apart)
            if (a, b) not in existing
        ]  # fmt: skip
    )
    return len(apart)


# --- reopening a decision -----------------------------------------------------------------


@transaction.atomic
def pair_reopen(*, actor: Any, pair: CandidatePair, reason: str) -> list[CandidatePair]:
    """Put a pair decided "not the same child" (or escalated) back in the queue, to decide again.

    One "not the same child" settles the other pairs between the same two children
    (_settle_alike): reopening any of them reopens those decided together, the pair
    decided and each settled with it, so none is left saying "not the same" of records
    the reviewer may now join. Pairs decided on their own (another reviewer's decision,
    a split's) stay as they are. Returns the pairs reopened, `pair` first. A "same child"
    is undone by splitting the join it made, never here: the records are one child until
    a split sends them back.
    """
    pair.status, pair.decided_by_id, pair.decision_note = (
        CandidatePair.objects.select_for_update()
        .values_list("status", "decided_by_id", "decision_note")
        .get(pk=pair.pk)
    )
    if pair.status in {PairStatus.SAME, PairStatus.AUTO_JOINED}:
        raise ValidationError("These records were joined: to undo it, split the join from the child's page.")
    if pair.status == PairStatus.PENDING:
        raise ValidationError("This pair is already waiting for a decision.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why this pair should be decided again."})
    others = _decided_together(pair) if pair.status == PairStatus.NOT_SAME else []
    _reopen(actor=actor, pair=pair, detail={"reason": reason.strip()})
    for other in others:
        _reopen(actor=actor, pair=other, detail={"reason": reason.strip(), "with_pair": str(pair.uuid)})
    return [pair, *others]


def _decided_together(pair: CandidatePair) -> list[CandidatePair]:
    """The other pairs still "not the same child" by the one decision that decided `pair`:
    the pair a reviewer decided and those _settle_alike settled with it (its audit rows
    name the pair decided), between the same two children."""

    def settled_by(uuid: Any) -> Any:
        return AuditEvent.objects.filter(
            event="linkage_pair.decided", new__status=PairStatus.NOT_SAME.value, detail__with_pair=str(uuid)
        ).values("object_uuid")

    leader = pair
    if pair.decision_note.startswith(SETTLED_WITH):
        event = (
            AuditEvent.objects.filter(event="linkage_pair.decided", object_uuid=pair.uuid, new__status=pair.status)
            .order_by("-id")
            .first()
        )
        named = (event.detail or {}).get("with_pair") if event is not None else None
        leader = CandidatePair.objects.filter(uuid=named).first() or pair if named else pair
    between = pairs_between(pair)
    if between is None:
        return []
    together = models.Q(uuid__in=settled_by(leader.uuid), decision_note__startswith=SETTLED_WITH)
    if leader.pk != pair.pk:
        together |= models.Q(pk=leader.pk)
    return list(
        CandidatePair.objects.select_for_update()
        .filter(between, together, status=PairStatus.NOT_SAME)
        .exclude(pk=pair.pk)
        .order_by("pk")
    )


def _reopen(*, actor: Any, pair: CandidatePair, detail: dict[str, Any]) -> None:
    old = {"status": pair.status, "decided_by": pair.decided_by_id}
    # Waiting again, with who reopened it kept in decided_by: a run leaves a pair a person
    # reopened in the queue rather than settling it by rule again (_apply).
    pair.status, pair.decided_by, pair.decided_at = PairStatus.PENDING, actor, None
    # A pair a split wrote has no waterfall (the model never scored it): that is not this change's to check.
    pair.full_clean(exclude=["waterfall"])
    pair.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    audit_record(
        actor=actor,
        event="linkage_pair.reopened",
        obj=pair,
        old=old,
        new={"status": PairStatus.PENDING.value},
        detail=detail,
    )


# --- splitting some of a join's records ---------------------------------------------------


@transaction.atomic
def records_split_off(*, actor: Any, join: ChildJoin, records: Iterable[AgencyRecord], reason: str) -> ChildJoin:
    """Split some records off a joined child into a new child: "these records are a different child".

    The chosen records go to a new child, with the cases, referrals and words that came
    into `join` with them (rows that came from a child every one of whose records is
    chosen); everything else stays. A "not the same child" between each record split off
    and each record that stays means no linkage run joins them again. At least one record
    must go and at least one stay: to send every record back, split the whole join.
    """
    if join.kind != JoinKind.MERGE:
        raise ValidationError("Only a join can be split.")
    if hasattr(join, "undone_by"):
        raise ValidationError("This join has already been split.")
    child = join.target
    on_child = set(
        AgencyRecord.objects.select_for_update()
        .filter(child=child, erased_at__isnull=True)
        .values_list("pk", flat=True)
    )
    chosen = {r.pk for r in records}
    if not chosen:
        raise ValidationError({"records": "Choose the records that are a different child."})
    if chosen - on_child:
        raise ValidationError({"records": "Some of the records chosen are no longer with this child: choose again."})
    if chosen >= on_child:
        raise ValidationError(
            {"records": "Leave at least one record with this child. To send every record back, split the whole join."}
        )
    if not reason.strip():
        raise ValidationError({"reason": "Say why these records are a different child."})
    new = Child.new()
    new.full_clean()
    new.save()
    reassign([(pk, new.pk) for pk in sorted(chosen)])
    came_with: dict[int, set[int]] = {}
    for move in join.moves:
        came_with.setdefault(move["from"], set()).add(move["record"])
    whole = {source for source, ids in came_with.items() if ids <= chosen}
    going = {
        label: [[row, new.pk] for row, source in rows if source in whole]
        for label, rows in (join.related or {}).items()
    }
    moved = followers_restore({label: rows for label, rows in going.items() if rows}, now_on=child.pk)
    # A case opened after the join from a referral going to the new child goes with it.
    moved += sum(len(rows) for rows in dependents_follow(on=child.pk).values())
    related = {label: [[row, child.pk] for row, _ in rows] for label, rows in going.items() if rows}
    split = ChildJoin.objects.create(
        kind=JoinKind.UNMERGE,
        target=child,
        moves=[{"record": pk, "from": child.pk, "to": new.pk} for pk in sorted(chosen)],
        related=related,
        reason=reason.strip(),
        actor=actor,
        part_of=join,
    )
    split.sent_to.set([new.pk])
    kept_apart = records_kept_apart(actor=actor, groups=[chosen, on_child - chosen])
    _join_checks_clear(actor=actor, join=join)
    audit_record(
        actor=actor,
        event="child.split_part",
        obj=split,
        child_uuid=child.uuid,
        detail={
            "join": str(join.uuid),
            "reason": reason.strip(),
            "new_child": str(new.uuid),
            "records": len(chosen),
            "also_moved": moved,
            "pairs_kept_apart": kept_apart,
        },
    )
    return split


# --- joins whose records disagree ---------------------------------------------------------

CHECKED_DETAILS = ("date_of_birth", "sex")
_NOT_A_VALUE: tuple[set[Any], ...] = ({None, ""}, {None, "", Sex.UNKNOWN.value})


def disagreements(groups: list[list[tuple[Any, str]]]) -> list[str]:
    """The details (date of birth, sex) on which a join brings disagreeing records together.

    `groups` holds, for each child joined, its records' (date of birth, sex). A detail
    disagrees when the records together hold more than one value and no child joined held
    them all already: a join that adds nothing new to a known disagreement is not flagged
    again. Missing values and "not known" disagree with nothing.
    """
    found = []
    for index, name in enumerate(CHECKED_DETAILS):
        held = [{d[index] for d in group if d[index] not in _NOT_A_VALUE[index]} for group in groups]
        union = set().union(*held)
        if len(union) > 1 and all(values != union for values in held):
            found.append(name)
    return found


def _join_checks_flag(
    *, joins: list[dict[str, Any]], flagged: list[tuple[int, int, list[str]]], actor: Any, info: dict[int, Any]
) -> list[dict[str, Any]]:
    """One check per flagged join, in bulk; returns their audit events for the join's batch."""
    if not flagged:
        return []
    keys: dict[Any, int] = {}
    for part in chunks([joins[i]["uuid"] for i, _, _ in flagged]):
        keys.update(ChildJoin.objects.filter(uuid__in=part).values_list("uuid", "pk"))
    rows, events = [], []
    for index, target, fields in flagged:
        public_id = uuid.uuid4()
        rows.append({"uuid": public_id, "join_id": keys[joins[index]["uuid"]], "child_id": target, "fields": fields,
                     "status": CheckStatus.OPEN.value, "note": ""})  # fmt: skip
        events.append(
            {
                "actor": actor,
                "event": "child_join.flagged",
                "object_type": JoinCheck._meta.label,
                "object_uuid": public_id,
                "child_uuid": info[target][1],
                "detail": {"join": str(joins[index]["uuid"]), "disagree": fields},
            }
        )
    insert_many(JoinCheck, rows)
    return events


def _join_checks_clear(*, actor: Any, join: ChildJoin) -> None:
    """A split answers the join's check: the records were not one child."""
    for check in JoinCheck.objects.select_for_update().filter(join=join, status=CheckStatus.OPEN):
        check.status, check.resolved_by, check.resolved_at = CheckStatus.SPLIT, actor, timezone.now()
        check.save(update_fields=["status", "resolved_by", "resolved_at", "updated_at"])
        audit_record(
            actor=actor,
            event="child_join.check_cleared",
            obj=check,
            child_uuid=join.target.uuid,
            old={"status": CheckStatus.OPEN.value},
            new={"status": CheckStatus.SPLIT.value},
        )


@transaction.atomic
def join_check_confirm(*, actor: Any, check: JoinCheck, asks: list[tuple[Any, str]], note: str) -> JoinCheck:
    """A reviewer confirms a flagged join is one child: a record holds a mistake. Each holding
    agency in `asks` (agency, detail) is asked to check its record (chronology's ask-to-check,
    through linkage.asks), and the flag is cleared."""
    check = JoinCheck.objects.select_for_update().select_related("child").get(pk=check.pk)
    if check.status != CheckStatus.OPEN:
        raise ValidationError("This join has already been checked.")
    errors = {}
    if not asks:
        errors["asks"] = "Choose the agency whose record should be checked."
    if not note.strip():
        errors["note"] = "Say why you are sure these records are one child."
    if errors:
        raise ValidationError(errors)
    for agency, field in asks:
        record_check_ask(actor=actor, child=check.child, agency=agency, field=field, note=note.strip())
    check.status, check.note = CheckStatus.CONFIRMED, note.strip()
    check.resolved_by, check.resolved_at = actor, timezone.now()
    check.full_clean()
    check.save(update_fields=["status", "note", "resolved_by", "resolved_at", "updated_at"])
    audit_record(
        actor=actor,
        event="child_join.check_confirmed",
        obj=check,
        child_uuid=check.child.uuid,
        old={"status": CheckStatus.OPEN.value},
        new={"status": CheckStatus.CONFIRMED.value},
        detail={"asked": [{"agency": a.name, "field": f} for a, f in asks], "note": note.strip()},
    )
    return check
