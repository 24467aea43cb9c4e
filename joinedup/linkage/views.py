"""Reviewing possible matches: side by side, the model's reasons, and a decision; splitting a join."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from joinedup.linkage import services
from joinedup.linkage.models import PairStatus
from joinedup.partnership.access import (
    candidate_pair_get_for_review,
    candidate_pairs_for_review,
    child_join_get_for_undo,
    intake_matches_for,
    record_view_for_intake,
    record_view_for_review,
)

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


@require_GET
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    pairs = list(candidate_pairs_for_review(request.user).order_by("-probability")[:200])
    return render(request, "linkage/queue.html", {"pairs": pairs, "page_title": "Possible matches"})


def _side(user: Any, record: Any) -> dict[str, Any]:
    return {"record": record, "fields": record_view_for_review(user=user, record=record)}


@require_http_methods(["GET", "POST"])
@login_required
def pair_review(request: HttpRequest, pair_uuid: str) -> HttpResponse:
    pair = candidate_pair_get_for_review(user=request.user, pair_uuid=pair_uuid)
    if request.method == "POST":
        try:
            services.pair_decide(actor=request.user, pair=pair, decision=request.POST.get("decision", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("linkage:pair", pair_uuid=pair.uuid)
        nxt = candidate_pairs_for_review(request.user).exclude(pk=pair.pk).order_by("-probability").first()
        messages.success(request, f"Recorded: {PairStatus(pair.status).label.lower()}.")
        return redirect("linkage:pair", pair_uuid=nxt.uuid) if nxt else redirect("linkage:queue")
    a, b = _side(request.user, pair.record_a), _side(request.user, pair.record_b)
    rows = []
    for name, label in LABELS.items():
        left = a["fields"].get(name) if a["fields"] is not None else None
        right = b["fields"].get(name) if b["fields"] is not None else None
        shown = a["fields"] is not None and name in a["fields"] and b["fields"] is not None and name in b["fields"]
        rows.append(
            {"label": label, "a": left, "b": right, "agree": shown and left == right and left not in ("", None)}
        )
    max_weight = max([abs(s["weight"] or 0) for s in pair.waterfall] or [1]) or 1
    steps = [{**s, "width": round(40 * abs(s["weight"] or 0) / max_weight)} for s in pair.waterfall]
    return render(
        request,
        "linkage/pair.html",
        {"pair": pair, "a": a, "b": b, "rows": rows, "steps": steps, "page_title": "Review a possible match"},
    )


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
            services.pair_decide(actor=request.user, pair=pair, decision=decision)
            messages.success(request, f"Recorded: {PairStatus(decision).label.lower()}.")
        if pairs.exists():
            return redirect("linkage:record_matches", record_uuid=record.uuid)
        record.refresh_from_db(fields=["child"])
        return redirect("children:detail", child_uuid=record.child.uuid)
    matches = []
    for pair in pairs:
        other = pair.record_b if pair.record_a_id == record.pk else pair.record_a
        fields = record_view_for_intake(user=request.user, record=other)
        rows = None if fields is None else [(label, fields[name]) for name, label in LABELS.items() if name in fields]
        matches.append({"pair": pair, "other": other, "rows": rows})
    return render(
        request,
        "linkage/record_matches.html",
        {"record": record, "matches": matches, "page_title": "Possible matches for this record"},
    )


def _is_uuid(value: str | None) -> bool:
    import uuid

    try:
        uuid.UUID(value or "")
    except ValueError:
        return False
    return True


@require_POST
@login_required
def split(request: HttpRequest, join_uuid: str) -> HttpResponse:
    join = child_join_get_for_undo(user=request.user, join_uuid=join_uuid)
    try:
        services.child_unmerge(
            actor=request.user, join=join, reason=request.POST.get("reason") or "Split by a reviewer"
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Split: every record is back with the child it came from.")
    return redirect("home")
