"""Screening, cases, handovers, parallel processes, and pathway definitions and alignment."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from joinedup.audit.exports import ExportEvent, pdf_response
from joinedup.core.forms import add_service_errors
from joinedup.linkage.access import matches_waiting_for
from joinedup.partnership.access import membership_for, partner_grants, require, user_can
from joinedup.partnership.roles import Perm, Purpose
from joinedup.pathways import alignment, selectors, services
from joinedup.pathways.access import (
    case_access_levels,
    case_get_for_meeting,
    case_get_for_user,
    cases_for_oversight,
    cases_visible_to,
    handover_get_for_decision,
    may_chair_panel,
)
from joinedup.pathways.definitions import Definition, shipped_definitions
from joinedup.pathways.engine import definition_of
from joinedup.pathways.forms import (
    EventForm,
    HandoverDecisionForm,
    HandoverForm,
    KeyPeopleForm,
    MeetingForm,
    MoveForm,
    ScreenForm,
    TakeTaskForm,
)
from joinedup.pathways.models import CaseStatus
from joinedup.referrals.access import referral_get_for_user, screening_queue_for
from joinedup.referrals.selectors import referral_shown

# --- screening ------------------------------------------------------------------------

SCREENING_PAGE = 50


@require_GET
@login_required
def screening_queue(request: HttpRequest) -> HttpResponse:
    # A page at a time, most urgent first: a front door with a backlog (or a partnership's
    # imported referrals) would otherwise render hundreds of rows on every visit.
    page = Paginator(screening_queue_for(request.user), SCREENING_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "pathways/screening_queue.html",
        {
            "rows": [(r, r.decision_due_at and r.decision_due_at < now) for r in page],
            "page": page,
            "page_title": "Screening",
        },
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
    levels = case_access_levels(user=request.user, cases=open_cases)
    full = [c for c in open_cases if levels[c.pk] == "full"]
    known_of = sorted({c.lead_agency.name for c in open_cases if c not in full})
    referral_shown(user=request.user, referral=referral, purpose=Purpose.SCREENING, event="referral.screening_viewed")
    # A possible match still waiting: the child may be one already known, whose processes the
    # list above cannot show until a person decides. Said, so nobody screens a duplicate blind.
    screener = membership_for(request.user)
    known = {screener.agency_id, *partner_grants(membership=screener, purpose=Purpose.SCREENING)} if screener else set()
    waiting = matches_waiting_for(referral.child, agencies=known) if referral.child else []
    return render(
        request,
        "pathways/screen.html",
        {
            "referral": referral,
            "form": form,
            "open_cases": [selectors.describe(c) for c in full],
            "known_of": known_of,
            "waiting_matches": waiting,
            "can_review": user_can(request.user, Perm.REVIEW_MATCHES),
            "page_title": "Screen a referral",
        },
    )


# --- cases -----------------------------------------------------------------------------


def _case_forms(case: Any, definition: Definition, *, panel_only: bool = False) -> dict[str, Any]:
    """The case page's forms, unbound; a POST view swaps in the one it received."""
    meetings = (
        definition.stage(case.stage_id).meetings if panel_only else [m for s in definition.stages for m in s.meetings]
    )
    return {
        "meeting_form": MeetingForm(kinds=[(m.kind, m.name) for m in meetings]),
        "move_form": MoveForm(case=case, definition=definition),
        "handover_form": HandoverForm(case=case),
        "event_form": EventForm(),
        "people_form": KeyPeopleForm(initial={"key_people": case.key_people}),
    }


def _case_page(request: HttpRequest, case: Any, bound: dict[str, Any] | None = None) -> HttpResponse:
    """The case page, audited with its disclosures; `bound` holds a form that failed, to show its errors."""
    definition = definition_of(case)
    view = selectors.case_view(user=request.user, case=case)
    membership = membership_for(request.user)
    lead = (
        membership is not None
        and membership.agency_id == case.lead_agency_id
        and user_can(request.user, Perm.WORK_CASES)
    )
    chair = not lead and may_chair_panel(user=request.user, case=case)
    forms_ = {**_case_forms(case, definition, panel_only=chair), **(bound or {})}
    context = {
        "case": case,
        "child_label": view.child_label,
        "definition": definition,
        "stage": definition.stage(case.stage_id),
        "tasks": view.tasks,
        "meetings": view.meetings,
        "timeline": view.timeline,
        "handovers": view.handovers,
        "now": timezone.now(),
        "can_change": lead,
        "can_record_panel": chair and case.status == CaseStatus.OPEN,
        "bound_form": next(iter(bound.values())) if bound else None,
        "page_title": definition.title,
        **forms_,
    }
    return render(request, "pathways/case.html", context)


@require_GET
@login_required
def case_detail(request: HttpRequest, case_uuid: str) -> HttpResponse:
    case = case_get_for_user(user=request.user, case_uuid=case_uuid)
    return _case_page(request, case)


def _saved(request: HttpRequest, case: Any, message: str = "Saved.") -> HttpResponse:
    messages.success(request, message)
    return redirect("pathways:case", case_uuid=case.uuid)


@require_POST
@login_required
def case_meeting(request: HttpRequest, case_uuid: str) -> HttpResponse:
    """Record a meeting: the lead agency any of the pathway's, the panel's coordinator the panel's own."""
    case, panel_only = case_get_for_meeting(user=request.user, case_uuid=case_uuid)
    definition = definition_of(case)
    meetings = (
        definition.stage(case.stage_id).meetings if panel_only else [m for s in definition.stages for m in s.meetings]
    )
    form = MeetingForm(request.POST, kinds=[(m.kind, m.name) for m in meetings])
    if form.is_valid():
        try:
            services.meeting_record(
                actor=request.user,
                case=case,
                kind=form.cleaned_data["kind"],
                held_at=form.held_at(),
                attendees=form.cleaned_data["attendees"],
                decisions=form.cleaned_data["decisions"],
                actions=form.cleaned_data["actions"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _saved(request, case, "Meeting recorded.")
    return _case_page(request, case, {"meeting_form": form})


@require_POST
@login_required
def case_event(request: HttpRequest, case_uuid: str) -> HttpResponse:
    case = case_get_for_user(user=request.user, case_uuid=case_uuid, for_change=True)
    form = EventForm(request.POST)
    if form.is_valid():
        try:
            services.case_record_event(actor=request.user, case=case, event=form.cleaned_data["event"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _saved(request, case, "Recorded.")
    return _case_page(request, case, {"event_form": form})


@require_POST
@login_required
def case_move(request: HttpRequest, case_uuid: str) -> HttpResponse:
    case = case_get_for_user(user=request.user, case_uuid=case_uuid, for_change=True)
    form = MoveForm(request.POST, case=case, definition=definition_of(case))
    if form.is_valid():
        try:
            services.case_move(
                actor=request.user,
                case=case,
                to_stage=form.cleaned_data["to_stage"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _saved(request, case, "Case moved.")
    return _case_page(request, case, {"move_form": form})


@require_POST
@login_required
def case_key_people(request: HttpRequest, case_uuid: str) -> HttpResponse:
    case = case_get_for_user(user=request.user, case_uuid=case_uuid, for_change=True)
    form = KeyPeopleForm(request.POST)
    if form.is_valid():
        try:
            services.case_key_people_update(actor=request.user, case=case, key_people=form.cleaned_data["key_people"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _saved(request, case, "Key people saved.")
    return _case_page(request, case, {"people_form": form})


@require_POST
@login_required
def case_handover(request: HttpRequest, case_uuid: str) -> HttpResponse:
    case = case_get_for_user(user=request.user, case_uuid=case_uuid, for_change=True)
    form = HandoverForm(request.POST, case=case)
    if form.is_valid():
        to_agency = form.cleaned_data["to_agency"]
        try:
            services.handover_offer(
                actor=request.user,
                case=case,
                to_area=to_agency.areas.exclude(pk=case.area_id).first() or to_agency.areas.first(),
                to_agency=to_agency,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _saved(request, case, "Handover offered.")
    return _case_page(request, case, {"handover_form": form})


@require_POST
@login_required
def task_take(request: HttpRequest, case_uuid: str) -> HttpResponse:
    """Take one of the case's open tasks, so it appears in your own list."""
    case = case_get_for_user(user=request.user, case_uuid=case_uuid, for_change=True)
    form = TakeTaskForm(request.POST)
    task = case.tasks.filter(uuid=form.cleaned_data["task"]).first() if form.is_valid() else None
    if task is None:
        messages.error(request, "That task is not on this case any more: choose one from the list.")
        return redirect("pathways:case", case_uuid=case.uuid)
    try:
        services.task_assign(actor=request.user, task=task, owner=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("pathways:case", case_uuid=case.uuid)
    return _saved(request, case, f"You have taken the task: {task.title}.")


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
    # Named on every showing (a form returned with its errors too), and audited each time.
    child_label = selectors.handover_opened(user=request.user, handover=handover)
    try:
        receiving = services.receiving_definition(handover.case, handover.to_area)
    except LookupError:
        receiving = None
    definition = definition_of(handover.case)
    return render(
        request,
        "pathways/handover.html",
        {
            "handover": handover,
            "form": form,
            "receiving": receiving,
            "child_label": child_label,
            "definition": definition,
            "stage": definition.stage(handover.case.stage_id),
            "page_title": "Handover",
        },
    )


@require_GET
@login_required
def tasks(request: HttpRequest) -> HttpResponse:
    listing = selectors.task_list(user=request.user)
    return render(
        request,
        "pathways/tasks.html",
        {
            "tasks": listing.team,
            "mine": listing.mine,
            "offers": listing.offers,
            "now": timezone.now(),
            "can_run_panels": user_can(request.user, Perm.RUN_PANELS),
            "page_title": "Tasks and clocks",
        },
    )


@require_GET
@login_required
def mace(request: HttpRequest) -> HttpResponse:
    """The cases and children coming to the MACE panel in either area, with their clocks."""
    children = selectors.panel_children(selectors.mace_list(user=request.user))
    return render(
        request, "pathways/mace.html", {"children": children, "now": timezone.now(), "page_title": "Coming to MACE"}
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
    # Rendered with json_script (escaped for a script block): stage names are data.
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
    cases = cases_for_oversight(request.user)
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
        # Evidence from this partnership's own cases only.
        "evidence_a": alignment.live_evidence(a, cases=cases),
        "evidence_b": alignment.live_evidence(b, cases=cases),
        "handovers_a": alignment.handovers_accepted(a, cases=cases),
        "handovers_b": alignment.handovers_accepted(b, cases=cases),
        "roadmap": alignment.roadmap(within=within, across=comparison, cases=cases),
        "page_title": "Pathway alignment",
    }
    if request.GET.get("format") == "pdf":
        return pdf_response(
            actor=request.user,
            filename="pathway-alignment.pdf",
            template="pathways/align_pdf.html",
            context=context,
            # The two definitions compared, with counts from this partnership's cases: no child is named.
            event=ExportEvent(
                event="pathways.alignment_exported",
                purpose=Purpose.STRATEGIC_ANALYSIS,
                detail={"a": a_key, "b": b_key},
            ),
            request=request,
        )
    return render(request, "pathways/align.html", context)
