"""Screening, cases, handovers, parallel processes, and pathway definitions and alignment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.core.forms import GovukForm, add_service_errors
from joinedup.partnership.access import (
    case_access_level,
    case_get_for_user,
    cases_for_oversight,
    cases_visible_to,
    handover_get_for_decision,
    membership_for,
    referral_get_for_user,
    require,
    screening_queue_for,
)
from joinedup.partnership.models import Agency, AgencyType
from joinedup.partnership.roles import Perm
from joinedup.pathways import alignment, selectors, services
from joinedup.pathways.definitions import EVENTS, Definition, shipped_definitions
from joinedup.pathways.engine import definition_of
from joinedup.pathways.models import CaseStatus, Handover, HandoverStatus
from joinedup.referrals.models import Decision


class ScreenForm(GovukForm):
    decision = forms.ChoiceField(label="Decision", choices=Decision.choices, widget=forms.RadioSelect)
    reasons = forms.CharField(label="Reasons", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)


class MeetingForm(GovukForm):
    kind = forms.ChoiceField(label="Meeting", choices=())
    held_on = forms.DateField(label="Held on (YYYY-MM-DD)", widget=forms.DateInput(attrs={"type": "date"}))
    attendees = forms.CharField(label="Attendees, and their agencies", widget=forms.Textarea(attrs={"rows": 3}))
    decisions = forms.CharField(label="Decisions (optional)", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    actions = forms.CharField(label="Actions (optional)", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class MoveForm(GovukForm):
    to_stage = forms.ChoiceField(label="Move the case to", choices=())
    reason = forms.CharField(label="Why", max_length=300)


class EventForm(GovukForm):
    event = forms.ChoiceField(label="Record that this happened", choices=[(k, v) for k, v in EVENTS.items()])


class HandoverForm(GovukForm):
    to_agency = forms.ModelChoiceField(label="Offer the case to", queryset=Agency.objects.none())
    reason = forms.CharField(label="Why (for example, the child has moved)", widget=forms.Textarea(attrs={"rows": 2}))


class KeyPeopleForm(GovukForm):
    key_people = forms.CharField(
        label="Key people",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Lead practitioner, chair and others, with their agency: one per line.",
    )


class HandoverDecisionForm(GovukForm):
    decision = forms.ChoiceField(
        label="Decision", choices=[("accept", "Accept the case"), ("decline", "Decline")], widget=forms.RadioSelect
    )
    reason = forms.CharField(label="Reasons", widget=forms.Textarea(attrs={"rows": 2}), required=False)


# --- screening ------------------------------------------------------------------------


@require_GET
@login_required
def screening_queue(request: HttpRequest) -> HttpResponse:
    referrals = list(screening_queue_for(request.user))
    now = timezone.now()
    return render(
        request,
        "pathways/screening_queue.html",
        {"rows": [(r, r.decision_due_at and r.decision_due_at < now) for r in referrals], "page_title": "Screening"},
    )


@require_http_methods(["GET", "POST"])
@login_required
def screen(request: HttpRequest, referral_uuid: str) -> HttpResponse:
    require(request.user, Perm.SCREEN_REFERRALS)
    referral = referral_get_for_user(user=request.user, referral_uuid=referral_uuid)
    form = ScreenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.referral_screen(
                actor=request.user,
                referral=referral,
                decision=form.cleaned_data["decision"],
                reasons=form.cleaned_data["reasons"],
            )
        except (ValidationError, LookupError) as exc:
            add_service_errors(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
        else:
            messages.success(request, "Decision recorded.")
            if case is not None:
                return redirect("pathways:case", case_uuid=case.uuid)
            return redirect("pathways:screening")
    open_cases = (
        list(cases_visible_to(request.user).filter(child=referral.child, status=CaseStatus.OPEN))
        if referral.child
        else []
    )
    full = [c for c in open_cases if case_access_level(user=request.user, case=c) == "full"]
    known_of = sorted({c.lead_agency.name for c in open_cases if c not in full})
    return render(
        request,
        "pathways/screen.html",
        {
            "referral": referral,
            "form": form,
            "open_cases": [selectors.describe(c) for c in full],
            "known_of": known_of,
            "page_title": "Screen a referral",
        },
    )


# --- cases -----------------------------------------------------------------------------


def _case_forms(case: Any, definition: Definition, data: Any = None, which: str = "") -> dict[str, Any]:
    meeting = MeetingForm(data if which == "meeting" else None)
    meeting.fields["kind"].choices = [(m.kind, m.name) for s in definition.stages for m in s.meetings]
    move = MoveForm(data if which == "move" else None)
    move.fields["to_stage"].choices = [
        (t.target, f"{definition.stage(t.target).name} ({t.when})") for t in definition.next_stages(case.stage_id)
    ]
    handover = HandoverForm(data if which == "handover" else None)
    handover.fields["to_agency"].queryset = Agency.objects.filter(
        partnership_id=case.area.partnership_id, agency_type=AgencyType.CHILDRENS_SOCIAL_CARE, is_active=True
    ).exclude(areas=case.area)
    return {
        "meeting_form": meeting,
        "move_form": move,
        "handover_form": handover,
        "event_form": EventForm(data if which == "event" else None),
        "people_form": KeyPeopleForm(data if which == "people" else None, initial={"key_people": case.key_people}),
    }


@require_http_methods(["GET", "POST"])
@login_required
def case_detail(request: HttpRequest, case_uuid: str) -> HttpResponse:
    case = case_get_for_user(user=request.user, case_uuid=case_uuid)
    definition = definition_of(case)
    action = request.POST.get("action", "")
    forms_ = _case_forms(case, definition, request.POST, action)
    if request.method == "POST":
        case = case_get_for_user(user=request.user, case_uuid=case_uuid, for_change=True)
        if action == "take":
            task = case.tasks.filter(uuid=request.POST.get("task")).first()
            if task is None:
                raise Http404
            try:
                services.task_assign(actor=request.user, task=task, owner=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            return redirect("pathways:case", case_uuid=case.uuid)
        form = forms_.get(f"{action}_form")
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                data = form.cleaned_data
                if action == "meeting":
                    held = dt.datetime.combine(data["held_on"], dt.time(12, 0), tzinfo=timezone.get_current_timezone())
                    services.meeting_record(
                        actor=request.user,
                        case=case,
                        kind=data["kind"],
                        held_at=held,
                        attendees=data["attendees"],
                        decisions=data["decisions"],
                        actions=data["actions"],
                    )
                elif action == "move":
                    services.case_move(actor=request.user, case=case, to_stage=data["to_stage"], reason=data["reason"])
                elif action == "people":
                    services.case_key_people_update(actor=request.user, case=case, key_people=data["key_people"])
                elif action == "event":
                    services.case_record_event(actor=request.user, case=case, event=data["event"])
                elif action == "handover":
                    to_agency = data["to_agency"]
                    services.handover_offer(
                        actor=request.user,
                        case=case,
                        to_area=to_agency.areas.first(),
                        to_agency=to_agency,
                        reason=data["reason"],
                    )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Saved.")
                return redirect("pathways:case", case_uuid=case.uuid)
    now = timezone.now()
    context = {
        "case": case,
        "definition": definition,
        "stage": definition.stage(case.stage_id),
        "tasks": list(case.tasks.select_related("owner_agency").order_by("due_at")),
        "meetings": list(case.meetings.all()),
        "timeline": list(case.events.select_related("actor", "area").order_by("occurred_at", "id")),
        "handovers": list(case.handovers.select_related("to_agency", "to_area", "from_area")),
        "now": now,
        "can_change": membership_for(request.user) is not None
        and membership_for(request.user).agency_id == case.lead_agency_id,  # type: ignore[union-attr]
        "page_title": definition.title,
        **forms_,
    }
    return render(request, "pathways/case.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def handover_decide(request: HttpRequest, handover_uuid: str) -> HttpResponse:
    handover = handover_get_for_decision(user=request.user, handover_uuid=handover_uuid)
    form = HandoverDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "accept":
                case = services.handover_accept(actor=request.user, handover=handover, note=form.cleaned_data["reason"])
                messages.success(request, "Case accepted. Its timeline, tasks and meetings are with your agency now.")
                return redirect("pathways:case", case_uuid=case.uuid)
            services.handover_decline(actor=request.user, handover=handover, reason=form.cleaned_data["reason"])
            messages.success(request, "Handover declined; the area holding the case has been told why.")
            return redirect("pathways:tasks")
        except ValidationError as exc:
            add_service_errors(form, exc)
    return render(request, "pathways/handover.html", {"handover": handover, "form": form, "page_title": "Handover"})


@require_GET
@login_required
def tasks(request: HttpRequest) -> HttpResponse:
    membership = require(request.user, Perm.WORK_CASES)
    team = list(selectors.tasks_for_agency(membership.agency_id)[:200])
    mine = [t for t in team if t.owner_id == request.user.pk]
    offers = list(
        Handover.objects.filter(to_agency=membership.agency, status=HandoverStatus.OFFERED).select_related(
            "case", "from_area"
        )
    )
    return render(
        request,
        "pathways/tasks.html",
        {"tasks": team, "mine": mine, "offers": offers, "now": timezone.now(), "page_title": "Tasks and clocks"},
    )


@require_GET
@login_required
def parallel(request: HttpRequest) -> HttpResponse:
    flags = selectors.parallel_processes(cases_for_oversight(request.user))
    rows = [(f, [selectors.describe(c) for c in f.cases]) for f in flags]
    return render(request, "pathways/parallel.html", {"rows": rows, "page_title": "Parallel processes"})


# --- definitions and alignment -------------------------------------------------------------


def _definition(key: str) -> Definition:
    try:
        return shipped_definitions()[key]
    except KeyError as exc:
        raise Http404 from exc


def _diagram(definition: Definition) -> dict[str, Any]:
    # Rendered with json_script, which escapes "<" so no label can end the script block.
    return {
        "nodes": [{"data": {"id": s.id, "label": s.name}} for s in definition.stages],
        "edges": [
            {"data": {"id": f"{t.source}-{t.target}", "source": t.source, "target": t.target, "label": t.when}}
            for t in definition.transitions
        ],
    }


@require_GET
@login_required
def definitions(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_PATHWAYS)
    return render(
        request,
        "pathways/definitions.html",
        {"definitions": list(shipped_definitions().values()), "page_title": "Pathways"},
    )


@require_GET
@login_required
def definition_detail(request: HttpRequest, key: str) -> HttpResponse:
    require(request.user, Perm.VIEW_PATHWAYS)
    definition = _definition(key)
    return render(
        request,
        "pathways/definition.html",
        {"definition": definition, "diagram": _diagram(definition), "page_title": definition.title},
    )


@require_GET
@login_required
def align(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_PATHWAYS)
    keys = list(shipped_definitions())
    a_key = request.GET.get("a") or "efh-city@1"
    b_key = request.GET.get("b") or "efh-county@1"
    a, b = _definition(a_key), _definition(b_key)
    comparison = alignment.compare(a, b)
    within = []
    cp = [d for d in shipped_definitions().values() if d.id == "child-protection"]
    for efh in (a, b):
        for other in cp:
            if set(efh.areas) & set(other.areas) and efh.key != other.key:
                within.append((other, efh))
    context = {
        "keys": keys,
        "a_key": a_key,
        "b_key": b_key,
        "comparison": comparison,
        "evidence_a": alignment.live_evidence(a),
        "evidence_b": alignment.live_evidence(b),
        "handovers_a": alignment.handovers_accepted(a),
        "handovers_b": alignment.handovers_accepted(b),
        "roadmap": alignment.roadmap(within=within, across=comparison),
        "page_title": "Pathway alignment",
    }
    if request.GET.get("format") == "pdf":
        from weasyprint import HTML

        html = render_to_string("pathways/align_pdf.html", context)
        response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="pathway-alignment.pdf"'
        return response
    return render(request, "pathways/align.html", context)
