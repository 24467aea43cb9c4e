"""Reviewing possible matches: side by side, the model's reasons, and a decision; splitting a join."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from joinedup.children.access import children_visible_to
from joinedup.children.models import Sex
from joinedup.core.forms import add_service_errors
from joinedup.core.validators import format_nhs_number
from joinedup.linkage import priority, sections, selectors, services
from joinedup.linkage.access import (
    candidate_pair_get_for_reviewer,
    candidate_pairs_for_review,
    candidate_pairs_in_partnership,
    child_join_get_for_undo,
    children_open_to,
    escalated_by,
    intake_matches_for,
    join_check_get_for_review,
    join_checks_for_review,
    linkage_model_get_for_activation,
    linkage_model_get_for_user,
    linkage_models_visible_to,
    linkage_runs_visible_to,
    pairs_decidable_by,
    records_seen_by_reviewer,
    review_purpose,
    with_decidable,
)
from joinedup.linkage.decisions import keeps_apart
from joinedup.linkage.forms import (
    BETWEEN,
    BulkDecisionForm,
    CheckConfirmForm,
    QueueFilterForm,
    ReopenForm,
    SplitForm,
    SplitPartForm,
)
from joinedup.linkage.models import CandidatePair, JoinKind, LinkageRun, PairStatus
from joinedup.partnership.access import membership_for, user_can
from joinedup.partnership.roles import Perm, default_purpose

LABELS = {
    "given_names": "Given names",
    "family_name": "Family name",
    "other_names": "Other names",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "nhs_number": "NHS number",
    "postcode": "Postcode",
    "address": "Address",
    "school": "School",
    "upn": "Unique pupil number",
}


QUEUE_PAGE = 50

# What a reviewer is told once their decision is recorded, in words.
DECIDED = {
    PairStatus.SAME: "Recorded: the same child. The records are now one child.",
    PairStatus.NOT_SAME: "Recorded: not the same child. No linkage run will join these records.",
    PairStatus.UNSURE: "Escalated: you were unsure, so this pair now waits for another reviewer. It has left your "
    "queue; you can find it under Escalated.",
}


def _settled_alongside(*, user: Any, decision: str, since: Any, decided: list[CandidatePair]) -> str:
    """A sentence counting the pairs `user`'s decisions since `since` settled along with those
    `decided` (services._settle_alike marks them SETTLED_WITH): they leave the queue too, so a
    message that counted only the pairs decided would not match the queue. Empty when none."""
    more = (
        candidate_pairs_in_partnership(user)
        .filter(
            decided_by=user, status=decision, decided_at__gte=since, decision_note__startswith=services.SETTLED_WITH
        )
        .exclude(pk__in=[p.pk for p in decided])
        .count()
    )
    if not more:
        return ""
    verb = "escalated" if decision == PairStatus.UNSURE else "decided"
    return (
        f" {more} more pair{pluralize(more)} between the same children {pluralize(more, 'was,were')} {verb} "
        f"with {pluralize(len(decided), 'it,them')}."
    )


def _queue_in_order(user: Any, *, grouped: bool = True, matching: Q | None = None) -> QuerySet[CandidatePair]:
    """The reviewer's own queue: pairs they may decide first, each part most important first
    (linkage.priority), one pair per two children unless not `grouped` (a decision settles
    the others between them: services._settle_alike); `matching`, the filter by reason.

    Pairs they may not decide (they see neither record) stay listed, after, so a reviewer sees
    what waits on another agency rather than believing the queue is clear. A pair they escalated
    as unsure leaves their queue: it waits for another reviewer, under "Escalated".
    """
    waiting = selectors.review_waiting(user)
    pairs = priority.with_priority(
        with_decidable(user=user, pairs=waiting.select_related("record_a__area", "record_b__area", "decided_by"))
    )
    pairs = pairs.order_by("-decidable", *pairs.query.order_by)
    if not grouped:
        return pairs.filter(matching) if matching is not None else pairs
    return selectors.one_per_two_children(pairs, matching=matching)


class _CountedPaginator(Paginator):
    """A paginator told its count: the queue counts its rows (one per two children) without
    ranking every pair (selectors.questions_in), and ranks only for the page shown."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count


def _queue_page(request: HttpRequest, bulk: BulkDecisionForm | None = None) -> HttpResponse:
    """The queue, filtered by what was decided and why: waiting, escalated as unsure, or decided."""
    source = request.POST if request.method == "POST" else request.GET
    waiting = candidate_pairs_for_review(request.user)
    reasons = sorted(set(waiting.order_by().values_list("conflict", flat=True).distinct()))
    filters = QueueFilterForm({"show": source.get("show", "waiting"), "why": source.get("why", "")}, reasons=reasons)
    show, reason = ("waiting", "")
    if filters.is_valid():
        show, reason = filters.cleaned_data["show"] or "waiting", filters.cleaned_data["why"]
    matching = Q(conflict="" if reason == BETWEEN else reason) if reason else None
    in_all = decidable = None
    if show == "decided":
        pairs = (
            candidate_pairs_in_partnership(request.user)
            .filter(status__in=[PairStatus.SAME, PairStatus.NOT_SAME])
            .order_by("-decided_at", "pk")
        )
        if matching is not None:
            pairs = pairs.filter(matching)
        page = Paginator(pairs, QUEUE_PAGE).get_page(source.get("page"))
    else:
        # One row per two children (selectors.one_per_two_children), counted apart.
        if show == "escalated":
            # Every escalation in the partnership, longest waiting first, for a second reviewer.
            ungrouped = with_decidable(
                user=request.user,
                pairs=waiting.filter(status=PairStatus.UNSURE)
                .select_related("decided_by")
                .order_by("decided_at", "pk"),
            )
            pairs = selectors.one_per_two_children(ungrouped, matching=matching)
        else:
            ungrouped = _queue_in_order(request.user, grouped=False)
            pairs = _queue_in_order(request.user, matching=matching)
        if matching is not None:
            ungrouped = ungrouped.filter(matching)
        count = selectors.questions_in(ungrouped)
        decidable = selectors.questions_in(ungrouped.filter(decidable=1))
        if show == "waiting":
            in_all = ungrouped.count()
        page = _CountedPaginator(pairs, QUEUE_PAGE, count=count).get_page(source.get("page"))
    rows = [
        {
            "pair": p,
            "why_first": priority.why_first(p),
            "escalated_by_you": escalated_by(user=request.user, pair=p),
            "settled_with": p.decision_note.startswith(services.SETTLED_WITH),
            "alike": max(getattr(p, "alike", 1) - 1, 0),
            "split": not p.conflict and p.decision_note == services.SPLIT_BY_A_PERSON,
        }
        for p in page.object_list
    ]
    return render(
        request,
        "linkage/queue.html",
        {
            "rows": rows,
            "page": page,
            "filters": filters,
            "show": show,
            "reason": reason,
            "decidable": decidable,
            "in_all": in_all if in_all and in_all > page.paginator.count else None,
            "escalated_by_you": waiting.filter(status=PairStatus.UNSURE, decided_by=request.user).count(),
            "bulk": bulk or BulkDecisionForm(),
            "select_all": source.get("select") == "all",
            "checks_waiting": join_checks_for_review(request.user).count(),
            "page_title": "Possible matches",
        },
    )


@require_GET
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    return _queue_page(request)


def _pair_name(pair: Any) -> str:
    return f"{pair.record_a.agency.name} and {pair.record_b.agency.name} ({pair.probability:.3f})"


@require_POST
@login_required
def queue_decide(request: HttpRequest) -> HttpResponse:
    """One decision, with one reason, for several pairs ticked on the queue.

    Each pair is decided through pair_decide on its own (its own transaction and audit row):
    pairs the reviewer may not decide (they see neither record), and pairs decided by someone
    else meanwhile, are named and left as they are; the rest are decided.
    """
    form = BulkDecisionForm(request.POST)
    waiting = candidate_pairs_for_review(request.user)  # 403 for roles that do not review
    if not form.is_valid():
        return _queue_page(request, bulk=form)
    chosen = form.cleaned_data["pairs"]
    pairs = list(waiting.filter(uuid__in=chosen).order_by("-probability", "pk"))
    decidable = pairs_decidable_by(user=request.user, pairs=pairs)
    decided, refused, escalated, failed, conflicted = [], [], [], [], []
    started = timezone.now()
    for pair in pairs:
        pair.refresh_from_db(fields=["status", "decided_by"])
        if pair.status == form.cleaned_data["decision"] and pair.decided_by_id == request.user.pk:
            decided.append(pair)  # settled with a pair between the same two children, just now
            continue
        if escalated_by(user=request.user, pair=pair):
            escalated.append(_pair_name(pair))
            continue
        if pair.pk not in decidable:
            refused.append(_pair_name(pair))
            continue
        if form.cleaned_data["decision"] == PairStatus.SAME and keeps_apart(pair.conflict):
            # Bulk is for the clear cases: a pair the rules hold apart (siblings, twins, two
            # dates of birth) is joined only by someone who has opened it and seen both records.
            conflicted.append(f"{_pair_name(pair)} ({pair.conflict})")
            continue
        try:
            services.pair_decide(
                actor=request.user,
                pair=pair,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            failed.append(f"{_pair_name(pair)}: {' '.join(exc.messages)}")
        else:
            decided.append(pair)
    gone = len(chosen) - len(pairs)
    if decided:
        label = PairStatus(form.cleaned_data["decision"]).label.lower()
        more = _settled_alongside(
            user=request.user, decision=form.cleaned_data["decision"], since=started, decided=decided
        )
        messages.success(request, f"Recorded {label} for {len(decided)} pair{pluralize(len(decided))}.{more}")
    if refused:
        messages.error(
            request,
            "Not decided, because you cannot see either record (a reviewer whose agency holds one decides): "
            + "; ".join(refused)
            + ".",
        )
    if escalated:
        messages.error(
            request,
            "Not decided, because you escalated them as unsure (another reviewer decides): "
            + "; ".join(escalated)
            + ".",
        )
    if conflicted:
        messages.error(
            request,
            "Not joined, because the records disagree in a way that needs a person to look at both: open "
            "each pair to decide it: " + "; ".join(conflicted) + ".",
        )
    for message in failed:
        messages.error(request, f"Not decided: {message}")
    if gone:
        messages.error(request, f"{gone} pair{pluralize(gone)} had been decided by someone else already.")
    query = {k: v for k, v in (("why", request.POST.get("why", "")),) if v}
    return redirect(f"{reverse('linkage:queue')}{'?' + urlencode(query) if query else ''}")


# Sex as the records hold it (children.models.Sex), and the NHS data dictionary's person-stated
# codes that extracts sometimes carry instead: shown in words, never as a code.
SEX_WORDS = {**dict(Sex.choices), "0": "Not known", "1": "Male", "2": "Female", "9": "Not stated"}


def _shown(name: str, value: Any) -> Any:
    """A field's value as a reviewer reads it, as the child page shows it: sex in words, dates
    written out, NHS numbers in their 3-3-4 grouping."""
    if value in ("", None):
        return None
    if name == "sex":
        return SEX_WORDS.get(str(value), str(value))
    if name == "nhs_number":
        return format_nhs_number(str(value))
    if name == "date_of_birth" and hasattr(value, "strftime"):
        return f"{value:%-d %B %Y}"
    return value


def _given_names_compared(left: str, right: str) -> tuple[str, str]:
    """How two records' given names compare: ("agree" | "partly" | "disagree", a note in words).

    The first given name is the one the model compares; a middle name on one record only
    is a record that holds more, not a disagreement.
    """
    a, b = left.split(), right.split()
    if [n.casefold() for n in a] == [n.casefold() for n in b]:
        return "agree", ""
    if not a or not b or a[0].casefold() != b[0].casefold():
        return "disagree", ""
    if len(a) == 1 or len(b) == 1:
        return "agree", "First name agrees: a middle name is only on one record"
    return "partly", "First name agrees: the middle names differ"


def side_by_side(a: selectors.RecordShown, b: selectors.RecordShown) -> list[dict[str, Any]]:
    """One row per field for the pair page: both values in words and whether they agree.

    A row agrees ("agree"), disagrees ("disagree"), agrees in part ("partly"), or is not
    compared ("") where either record lacks the value or may not be shown.
    """
    rows = []
    for name, label in LABELS.items():
        left = _shown(name, a.fields.get(name)) if a.fields is not None else None
        right = _shown(name, b.fields.get(name)) if b.fields is not None else None
        state, note = "", ""
        if left is not None and right is not None:
            if name == "given_names":
                state, note = _given_names_compared(str(left), str(right))
            else:
                state = "agree" if left == right else "disagree"
        rows.append({"name": name, "label": label, "a": left, "b": right, "state": state, "note": note})
    return rows


def _pair_page(request: HttpRequest, pair: Any, *, reopen: ReopenForm | None = None, status: int = 200) -> HttpResponse:
    a, b = selectors.pair_view(user=request.user, pair=pair, purpose=review_purpose(request.user))
    rows = side_by_side(a, b)
    max_weight = max([abs(s["weight"] or 0) for s in pair.waterfall] or [1]) or 1
    # The longest bar is 100px (app-bar--w20), so the waterfall fits a phone beside its labels.
    steps = [{**s, "width": round(20 * abs(s["weight"] or 0) / max_weight)} for s in pair.waterfall]
    # Asked for a reason only where the decision needs one and the DPO is told (pair_decide).
    opened = services.join_opens_for(actor=request.user, records=[a.record, b.record])
    agency_id = membership_for(request.user).agency_id  # type: ignore[union-attr]
    waiting = pair.status in {PairStatus.PENDING, PairStatus.UNSURE}
    # A link to each record's child the reviewer may open (one, once both records are one child).
    open_ids = children_open_to(user=request.user, child_ids=[a.record.child_id, b.record.child_id])
    children = [s for s in (a, b) if s.record.child_id in open_ids]
    if len(children) == 2 and a.record.child_id == b.record.child_id:
        children = children[:1]
    # A pair settled with another between the same two children carries SETTLED_WITH before
    # the reviewer's own note (services._settle_alike): say so in words, and show the note apart.
    settled_with = pair.decision_note.startswith(services.SETTLED_WITH)
    note = pair.decision_note.removeprefix(services.SETTLED_WITH).lstrip(". ") if settled_with else pair.decision_note
    # The pair that settled this one, linked; the join to split is the one its decision made.
    deciding = selectors.pair_settled_with(user=request.user, pair=pair) if settled_with else None
    joined_by = deciding or pair
    join = joined_by.joins.filter(kind=JoinKind.MERGE).first() if pair.status == PairStatus.SAME else None
    return render(
        request,
        "linkage/pair.html",
        {
            "pair": pair,
            "a": a,
            "b": b,
            "rows": rows,
            "steps": steps,
            "opens": bool(opened),
            "who_is_told": services.who_is_told(request.user),
            # For the hint beside the reason: which record the reviewer's agency holds, if either,
            # and which record's child the join would open to them.
            "own_holds": [s.record for s in (a, b) if s.record.agency_id == agency_id],
            "opened_record": next((s.record for s in (a, b) if s.record.child in opened), None),
            "waiting": waiting,
            "may_decide": a.fields is not None or b.fields is not None,
            # Their own escalation waits for a second reviewer: no decision is offered to them.
            "escalated_by_you": escalated_by(user=request.user, pair=pair),
            "reopen": reopen or ReopenForm(),
            "join": join if join is not None and not hasattr(join, "undone_by") else None,
            "children": children,
            "one_child": a.record.child_id == b.record.child_id,
            "settled_with": settled_with,
            "deciding": deciding,
            "escalation": selectors.pair_escalation(pair=pair),
            "alike_waiting": selectors.pairs_waiting_between(pair, user=request.user) if waiting else 0,
            "note": note,
            "page_title": "Review a possible match",
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def pair_review(request: HttpRequest, pair_uuid: str) -> HttpResponse:
    """A pair side by side with the model's reasons; a decision from a reviewer who sees at least one record.

    A decided pair still opens here (to see what was decided, and reopen it), in the reviewer's partnership.
    """
    pair = candidate_pair_get_for_reviewer(user=request.user, pair_uuid=pair_uuid)
    if request.method == "POST":
        if escalated_by(user=request.user, pair=pair):
            raise PermissionDenied("You escalated this pair as unsure, so another reviewer decides it.")
        if pair.pk not in pairs_decidable_by(user=request.user, pairs=[pair]):
            raise PermissionDenied(
                "You cannot see either record of this pair, so you may not decide it: "
                "a reviewer whose agency holds one of them decides."
            )
        started = timezone.now()
        try:
            services.pair_decide(
                actor=request.user,
                pair=pair,
                decision=request.POST.get("decision", ""),
                reason=request.POST.get("reason", ""),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("linkage:pair", pair_uuid=pair.uuid)
        # The next pair is the next the reviewer may decide; none left, and the queue says why.
        nxt = _queue_in_order(request.user).filter(decidable=1).exclude(pk=pair.pk).first()
        more = _settled_alongside(user=request.user, decision=pair.status, since=started, decided=[pair])
        messages.success(request, DECIDED[pair.status] + more)
        return redirect("linkage:pair", pair_uuid=nxt.uuid) if nxt else redirect("linkage:queue")
    return _pair_page(request, pair)


@require_POST
@login_required
def pair_reopen(request: HttpRequest, pair_uuid: str) -> HttpResponse:
    """Put a pair decided "not the same child" back in the queue, with a reason, to decide again."""
    pair = candidate_pair_get_for_reviewer(user=request.user, pair_uuid=pair_uuid)
    if pair.pk not in pairs_decidable_by(user=request.user, pairs=[pair]):
        raise PermissionDenied("You cannot see either record of this pair, so you may not reopen it.")
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            reopened = services.pair_reopen(actor=request.user, pair=pair, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            more = len(reopened) - 1
            messages.success(
                request,
                "Reopened: the pair is waiting for a decision again."
                + (
                    f" {more} more pair{pluralize(more)} between the same two children, also decided not the "
                    f"same child, {pluralize(more, 'is,are')} waiting again too: the question is whether the "
                    "two children are one."
                    if more
                    else ""
                ),
            )
            return redirect("linkage:pair", pair_uuid=pair.uuid)
    return _pair_page(request, pair, reopen=form)


@require_http_methods(["GET", "POST"])
@login_required
def record_matches(request: HttpRequest, record_uuid: str) -> HttpResponse:
    """The possible matches found when a record was added: the creator confirms or rules them out."""
    record, pairs = intake_matches_for(user=request.user, record_uuid=record_uuid)
    if request.method == "POST":
        pair = pairs.filter(uuid=request.POST["pair"]).first() if _is_uuid(request.POST.get("pair")) else None
        decision = request.POST.get("decision", "")
        if pair is None:
            messages.error(request, "That possible match has already been decided: choose one from the list.")
        elif decision not in {PairStatus.SAME, PairStatus.NOT_SAME}:
            messages.error(request, "Choose whether this is the same child or not.")
        else:
            try:
                services.pair_decide(
                    actor=request.user, pair=pair, decision=decision, reason=request.POST.get("reason", "")
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("linkage:record_matches", record_uuid=record.uuid)
            messages.success(request, f"Recorded: {PairStatus(decision).label.lower()}.")
        if pairs.exists():
            return redirect("linkage:record_matches", record_uuid=record.uuid)
        record.refresh_from_db(fields=["child"])
        return redirect("children:detail", child_uuid=record.child.uuid)
    purpose = default_purpose(membership_for(request.user).role)  # type: ignore[union-attr]
    matches = []
    for pair, shown in selectors.intake_matches_view(
        user=request.user, record=record, pairs=list(pairs), purpose=purpose
    ):
        fields = shown.fields
        rows = None if fields is None else [(label, fields[name]) for name, label in LABELS.items() if name in fields]
        opens = bool(services.join_opens_for(actor=request.user, records=[record, shown.record]))
        matches.append({"pair": pair, "other": shown.record, "rows": rows, "opens": opens})
    return render(
        request,
        "linkage/record_matches.html",
        {
            "record": record,
            "matches": matches,
            "who_is_told": services.who_is_told(request.user),
            "page_title": "Possible matches for this record",
        },
    )


def _is_uuid(value: str | None) -> bool:
    import uuid

    try:
        uuid.UUID(value or "")
    except ValueError:
        return False
    return True


def _after_split(request: HttpRequest, split: Any) -> HttpResponse:
    """Where a reviewer lands after a split: the child split from if they may still open it,
    else a child the records went to that they may open (a split can take away the record that
    let them open the child, whose page is then a 404 to them), else the queue."""
    targets = [split.target_id, *sorted({m["to"] for m in split.moves})]
    may_open = {c.pk: c for c in children_visible_to(request.user).filter(pk__in=targets)}
    child = next((may_open[pk] for pk in targets if pk in may_open), None)
    closed = len([pk for pk in targets[1:] if pk not in may_open])
    if closed:
        # Said, not left to a 404: the records split off may be ones only a partner holds.
        messages.info(
            request,
            f"You cannot open {pluralize(closed, 'the child,the children')} the records went to: none of "
            f"{pluralize(closed, 'its,their')} records is in your agency's work. The agencies that hold "
            f"{pluralize(closed, 'its records,their records')} can.",
        )
    if child is None:
        return redirect("linkage:queue")
    return redirect("children:detail", child_uuid=child.uuid)


@require_http_methods(["GET", "POST"])
@login_required
def split(request: HttpRequest, join_uuid: str) -> HttpResponse:
    """Split a join, after the reviewer says why and confirms: every record, case, referral
    and contribution it moved goes back, and no linkage run joins those records again.

    "Split again" is said only of a join that brought back records an earlier split sent away."""
    join = child_join_get_for_undo(user=request.user, join_uuid=join_uuid)
    form = SplitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            undone = services.child_unmerge(actor=request.user, join=join, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                "Split: every record, and the cases, referrals and words that came with them, is back with "
                "the child it came from. No linkage run will join them again.",
            )
            return _after_split(request, undone)
    return render(
        request,
        "linkage/split.html",
        {
            "form": form,
            "join": join,
            "groups": selectors.split_groups(join=join),
            "split_again": sections.rejoins_a_split(join, sections.splits_of(join.target)),
            "page_title": "Split a join",
        },
    )


def _record_label(shown: selectors.RecordShown) -> str:
    record = shown.record
    if shown.fields is None:
        return (
            f"A record held by {record.agency.name} (you cannot see its details), updated {record.updated_at:%-d %B %Y}"
        )
    parts = [record.full_name or "No name recorded"]
    if shown.fields.get("date_of_birth"):
        parts.append(f"born {shown.fields['date_of_birth']:%-d %B %Y}")
    return f"{', '.join(parts)}: {record.agency.name}, reference {record.local_id}"


@require_http_methods(["GET", "POST"])
@login_required
def split_part(request: HttpRequest, join_uuid: str) -> HttpResponse:
    """Split only some records off a joined child: those chosen become a new child, the rest stay."""
    join = child_join_get_for_undo(user=request.user, join_uuid=join_uuid)
    shown = selectors.child_records_view(
        user=request.user, child=join.target, event="child_join.records_viewed", obj=join
    )
    # The records this join brought first, said so: they are the likeliest to be another child.
    came = {m["record"] for m in join.moves}
    shown = sorted(shown, key=lambda s: s.record.pk not in came)
    by_uuid = {str(s.record.uuid): s for s in shown}
    choices = [
        (u, _record_label(s) + (" (came with this join)" if s.record.pk in came else "")) for u, s in by_uuid.items()
    ]
    form = SplitPartForm(request.POST if request.method == "POST" else None, choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            split = services.records_split_off(
                actor=request.user,
                join=join,
                records=[by_uuid[u].record for u in form.cleaned_data["records"]],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            count = len(split.moves)
            messages.success(
                request,
                f"Split: {count} record{pluralize(count)} {pluralize(count, 'is,are')} now a child of "
                f"{pluralize(count, 'its,their')} own, with the cases, referrals and words that came with them. "
                "No linkage run will join them with this child again.",
            )
            return _after_split(request, split)
    return render(
        request,
        "linkage/split_part.html",
        {"form": form, "join": join, "page_title": "Split some records off"},
    )


# --- joins whose records disagree -----------------------------------------------------------


@require_GET
@login_required
def checks(request: HttpRequest) -> HttpResponse:
    """Joins to check: records brought together that disagree on date of birth or sex."""
    page = Paginator(join_checks_for_review(request.user), QUEUE_PAGE).get_page(request.GET.get("page"))
    rows = selectors.join_checks_view(user=request.user, checks=list(page.object_list))
    return render(
        request, "linkage/checks.html", {"rows": rows, "page": page, "page_title": "Joins to check: records disagree"}
    )


@require_http_methods(["GET", "POST"])
@login_required
def check(request: HttpRequest, check_uuid: str) -> HttpResponse:
    """One flagged join: what disagrees, and a way to confirm it is one child (asking the holder
    to check) or to split it."""
    item = join_check_get_for_review(user=request.user, check_uuid=check_uuid)
    # The check's child, not the join's target: a later join moves the records (and the check,
    # children_merge_many) on to another child, and the target is left empty.
    shown = selectors.child_records_view(user=request.user, child=item.child, event="child_join.check_viewed", obj=item)
    disagreements = selectors.disagreements_of(shown=shown, fields=item.fields)
    seen = records_seen_by_reviewer(user=request.user, records=[s.record for s in shown])
    # Ask only agencies whose record the reviewer sees (the ask names the record to the holder).
    choices: dict[str, str] = {}
    agencies: dict[str, tuple[Any, str]] = {}
    for s in shown:
        if s.record.pk not in seen:
            continue
        for field in item.fields:
            key = f"{s.record.agency.uuid}:{field}"
            label = f"{s.record.agency.name}: {selectors.FIELD_LABELS[field].lower()}"
            choices[key], agencies[key] = label, (s.record.agency, field)
    form = CheckConfirmForm(request.POST if request.method == "POST" else None, choices=list(choices.items()))
    if request.method == "POST" and form.is_valid():
        try:
            services.join_check_confirm(
                actor=request.user,
                check=item,
                asks=[agencies[k] for k in form.cleaned_data["asks"]],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Confirmed as one child. The agencies chosen have been asked to check.")
            return redirect("linkage:checks")
    return render(
        request,
        "linkage/check.html",
        {
            "item": item,
            "shown": shown,
            "disagreements": disagreements,
            "form": form,
            "may_split": not hasattr(item.join, "undone_by"),
            "may_open_child": bool(children_open_to(user=request.user, child_ids=[item.child_id])),
            "page_title": "Check a join: records disagree",
        },
    )


# --- models ---------------------------------------------------------------------------------


@require_GET
@login_required
def models(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "linkage/models.html",
        {
            "models": linkage_models_visible_to(request.user),
            "runs": linkage_runs_visible_to(request.user)[:10],
            "run_figures": LinkageRun.SHOWN,
            # Training and runs are started here, by whoever the jobs' kinds allow (linkage/jobs.py).
            "may_train": user_can(request.user, Perm.ADMIN_PARTNERSHIP),
            "page_title": "Linkage models",
        },
    )


def _parameter_rows(parameters: dict[str, Any]) -> list[dict[str, Any]]:
    import math

    from joinedup.linkage.model import comparison_label

    rows = []
    for comparison in parameters.get("comparisons", []):
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            rows.append(
                {
                    "comparison": comparison_label(comparison),
                    "level": level.get("label_for_charts", ""),
                    "m": m,
                    "u": u,
                    "weight": math.log2(m / u) if m and u else None,
                    "fixed": level.get("fix_m_probability", False),
                    "tf": bool(level.get("tf_adjustment_column")),
                }
            )
    return rows


def _model_page(request: HttpRequest, model: Any, form: Any, *, may_activate: bool) -> HttpResponse:
    """The model page: Splink's chart (built once an hour per model), parameters, activation form."""
    from django.core.cache import cache

    from joinedup.linkage.model import match_weights_chart_spec

    # v2: the chart in the app's words (match_weights_chart_spec); older cached specs are not reused.
    key = f"linkage:chart:v2:{model.uuid}"
    spec = cache.get(key)
    if spec is None:
        spec = match_weights_chart_spec(model.parameters)
        cache.set(key, spec, 3600)
    return render(
        request,
        "linkage/model.html",
        {
            "model": model,
            "spec": spec,
            "rows": _parameter_rows(model.parameters),
            "comparison": (model.training_summary or {}).get("comparison"),
            "form": form,
            "may_activate": may_activate,
            "page_title": f"Linkage model v{model.version}",
        },
    )


@require_GET
@login_required
def model_detail(request: HttpRequest, model_uuid: str) -> HttpResponse:
    from joinedup.linkage.forms import ActivateForm

    model = linkage_model_get_for_user(user=request.user, model_uuid=model_uuid)
    form = ActivateForm(initial={"upper_threshold": model.upper_threshold, "lower_threshold": model.lower_threshold})
    return _model_page(request, model, form, may_activate=user_can(request.user, Perm.ADMIN_PARTNERSHIP))


@require_POST
@login_required
def model_activate(request: HttpRequest, model_uuid: str) -> HttpResponse:
    from joinedup.core.forms import add_service_errors
    from joinedup.linkage.forms import ActivateForm

    model = linkage_model_get_for_activation(user=request.user, model_uuid=model_uuid)
    form = ActivateForm(request.POST)
    if form.is_valid():
        try:
            services.linkage_model_activate(
                actor=request.user,
                model=model,
                upper=form.cleaned_data["upper_threshold"],
                lower=form.cleaned_data["lower_threshold"],
                worse_reason=form.cleaned_data["worse_reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Model v{model.version} is now in use for matching.")
            return redirect("linkage:model", model_uuid=model.uuid)
    return _model_page(request, model, form, may_activate=True)
