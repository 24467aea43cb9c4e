"""Reviewing possible matches: side by side, the model's reasons, and a decision; splitting a join."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from joinedup.linkage import selectors, services
from joinedup.linkage.access import (
    candidate_pair_get_for_review,
    candidate_pairs_for_review,
    child_join_get_for_undo,
    intake_matches_for,
    linkage_model_get_for_activation,
    linkage_model_get_for_user,
    linkage_models_visible_to,
    linkage_runs_visible_to,
    review_purpose,
)
from joinedup.linkage.models import PairStatus
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


@require_GET
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    pairs = list(candidate_pairs_for_review(request.user).order_by("-probability")[:200])
    return render(request, "linkage/queue.html", {"pairs": pairs, "page_title": "Possible matches"})


@require_POST
@login_required
def queue_decide(request: HttpRequest) -> HttpResponse:
    """One decision for several pairs chosen on the queue (bulk review)."""
    import uuid

    chosen = []
    for value in request.POST.getlist("pairs"):
        try:
            chosen.append(uuid.UUID(value))
        except ValueError:
            continue
    pairs = list(candidate_pairs_for_review(request.user).filter(uuid__in=chosen))
    decision = request.POST.get("decision", "")
    if not pairs:
        messages.error(request, "Select at least one pair to decide, then choose a decision.")
        return redirect("linkage:queue")
    try:
        with transaction.atomic():
            for pair in pairs:
                services.pair_decide(actor=request.user, pair=pair, decision=decision)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        label = PairStatus(decision).label.lower()
        messages.success(request, f"Recorded {label} for {len(pairs)} pair{'s' if len(pairs) != 1 else ''}.")
    return redirect("linkage:queue")


@require_http_methods(["GET", "POST"])
@login_required
def pair_review(request: HttpRequest, pair_uuid: str) -> HttpResponse:
    pair = candidate_pair_get_for_review(user=request.user, pair_uuid=pair_uuid)
    if request.method == "POST":
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
        nxt = candidate_pairs_for_review(request.user).exclude(pk=pair.pk).order_by("-probability").first()
        messages.success(request, f"Recorded: {PairStatus(pair.status).label.lower()}.")
        return redirect("linkage:pair", pair_uuid=nxt.uuid) if nxt else redirect("linkage:queue")
    a, b = selectors.pair_view(user=request.user, pair=pair, purpose=review_purpose(request.user))
    rows = []
    for name, label in LABELS.items():
        left = a.fields.get(name) if a.fields is not None else None
        right = b.fields.get(name) if b.fields is not None else None
        shown = a.fields is not None and name in a.fields and b.fields is not None and name in b.fields
        rows.append(
            {"label": label, "a": left, "b": right, "agree": shown and left == right and left not in ("", None)}
        )
    max_weight = max([abs(s["weight"] or 0) for s in pair.waterfall] or [1]) or 1
    steps = [{**s, "width": round(40 * abs(s["weight"] or 0) / max_weight)} for s in pair.waterfall]
    opens = bool(services.children_opened_by_join(actor=request.user, children=[a.record.child, b.record.child]))
    return render(
        request,
        "linkage/pair.html",
        {
            "pair": pair,
            "a": a,
            "b": b,
            "rows": rows,
            "steps": steps,
            "opens": opens,
            "page_title": "Review a possible match",
        },
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
        opens = bool(services.children_opened_by_join(actor=request.user, children=[record.child, shown.record.child]))
        matches.append({"pair": pair, "other": shown.record, "rows": rows, "opens": opens})
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


@require_http_methods(["GET", "POST"])
@login_required
def split(request: HttpRequest, join_uuid: str) -> HttpResponse:
    """Split a join again, after the reviewer says why and confirms: every record, case, referral
    and contribution it moved goes back, and no linkage run joins those records again."""
    from joinedup.core.forms import add_service_errors
    from joinedup.linkage.forms import SplitForm

    join = child_join_get_for_undo(user=request.user, join_uuid=join_uuid)
    form = SplitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.child_unmerge(actor=request.user, join=join, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                "Split: every record, and the cases, referrals and words that came with them, is back with "
                "the child it came from. No linkage run will join them again.",
            )
            return redirect("children:detail", child_uuid=join.target.uuid)
    return render(
        request,
        "linkage/split.html",
        {"form": form, "join": join, "groups": selectors.split_groups(join=join), "page_title": "Split a join"},
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

    key = f"linkage:chart:{model.uuid}"
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
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Model v{model.version} is now in use for matching.")
            return redirect("linkage:model", model_uuid=model.uuid)
    return _model_page(request, model, form, may_activate=True)
