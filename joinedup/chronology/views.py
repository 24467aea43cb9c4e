"""Pages for the child seen whole: the chronology (filtered, as PDF), adding an event, asking for a check,
and starting the MACE meeting pack for a named meeting."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from joinedup.audit.exports import RecordedRead, pdf_response
from joinedup.children.access import child_access
from joinedup.children.selectors import child_view
from joinedup.chronology import services
from joinedup.chronology.forms import (
    ChronologyFilterForm,
    MacePackForm,
    RecordCheckAnswerForm,
    RecordCheckForm,
    SignificantEventForm,
)
from joinedup.chronology.glance import child_glance
from joinedup.chronology.packs import MACE_PACK
from joinedup.chronology.selectors import ChronologyFilter, chronology_for
from joinedup.core.forms import add_service_errors
from joinedup.jobs import services as job_services
from joinedup.jobs.access import require_may_start
from joinedup.partnership.access import membership_for, require, user_can
from joinedup.partnership.roles import Perm, default_purpose


def _purpose(request: HttpRequest) -> str:
    membership = membership_for(request.user)
    purpose = default_purpose(membership.role) if membership else None
    if purpose is None:
        raise Http404
    return purpose


def _filters(form: ChronologyFilterForm) -> ChronologyFilter:
    if not form.is_bound or not form.is_valid():
        return ChronologyFilter()
    data = form.cleaned_data
    return ChronologyFilter(
        agency=data.get("agency") or "",
        kinds=list(data.get("kind") or []),
        start=data.get("start"),
        end=data.get("end"),
        oldest_first=data.get("order") == "oldest",
    )


def _chronology(request: HttpRequest, child_uuid: str, *, channel: str) -> tuple[Any, ChronologyFilterForm]:
    """The chronology as filtered by the query string; a filter with errors shows everything, with the errors."""
    form = ChronologyFilterForm(request.GET or None)
    result = chronology_for(
        user=request.user, child_uuid=child_uuid, purpose=_purpose(request), filters=_filters(form), channel=channel
    )
    form.offer_agencies(result.agencies)
    return result, form


@require_GET
@login_required
def chronology(request: HttpRequest, child_uuid: str) -> HttpResponse:
    result, form = _chronology(request, child_uuid, channel="page")
    context = {
        "chronology": result,
        "child": result.view.child,
        "primary": result.view.primary,
        "form": form,
        "event_form": SignificantEventForm(),
        "can_add": user_can(request.user, Perm.EDIT_AGENCY_RECORD),
        "query": request.GET.urlencode(),
        "page_title": "Chronology",
    }
    return render(request, "chronology/chronology.html", context)


@require_GET
@login_required
def chronology_pdf(request: HttpRequest, child_uuid: str) -> HttpResponse:
    result, form = _chronology(request, child_uuid, channel="export")
    return pdf_response(
        actor=request.user,
        filename=f"chronology-{result.view.child.pseudonym}.pdf",
        template="chronology/chronology_pdf.html",
        context={
            "chronology": result,
            "primary": result.view.primary,
            "child": result.view.child,
            "form": form,
            "generated_at": timezone.now(),
            "generated_by": request.user,
            "membership": membership_for(request.user),
        },
        # chronology_for audits the export with the disclosures of what it shows, in one transaction.
        event=RecordedRead("chronology.exported"),
        request=request,
    )


@require_http_methods(["GET", "POST"])
@login_required
def event_add(request: HttpRequest, child_uuid: str) -> HttpResponse:
    """Record a significant event from the user's agency on a child they may open."""
    require(request.user, Perm.EDIT_AGENCY_RECORD)
    view = child_view(user=request.user, child_uuid=child_uuid, purpose=_purpose(request))
    form = SignificantEventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.significant_event_record(actor=request.user, access=view.access, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The event is in the chronology.")
            return redirect("chronology:chronology", child_uuid=view.child.uuid)
    context = {"form": form, "child": view.child, "primary": view.primary, "page_title": "Add a significant event"}
    return render(request, "chronology/event_form.html", context)


@require_POST
@login_required
def check_ask(request: HttpRequest, child_uuid: str) -> HttpResponse:
    """Ask the agency holding a record that disagrees with others to check one detail."""
    # Who may open the child (404 otherwise) may ask its holders to check, for the purpose the
    # child page was opened under (which decided which records it showed). Asked of the policy
    # alone: the page that offered the question recorded what was seen; asking reads no more
    # (the request itself is audited).
    form = RecordCheckForm(request.POST)
    purpose = request.POST.get("purpose") or _purpose(request)
    access = child_access(user=request.user, child_uuid=child_uuid, purpose=purpose)
    back = _child_page(request, access.child, purpose)
    if not form.is_valid():
        if "note" in form.errors:
            messages.error(request, f"Nobody was asked: {_lower_first(form.errors['note'][0])}")
        else:
            messages.error(request, "Choose an agency whose record you can see, and the detail to check.")
        return redirect(back)
    # Only what the page offers: an agency whose record of this detail disagrees with others.
    offered = {
        (agency.uuid, detail.check_field): agency
        for detail in child_glance(access).details
        if detail.disagrees and detail.check_field
        for agency in detail.agencies_to_ask
    }
    agency = offered.get((form.cleaned_data["to_agency"], form.cleaned_data["field"]))
    if agency is None:
        messages.error(
            request,
            "Nobody was asked: only an agency whose record disagrees with the others on this detail can be "
            "asked to check it.",
        )
        return redirect(back)
    try:
        services.record_check_request(
            actor=request.user,
            access=access,
            to_agency=agency,
            field=form.cleaned_data["field"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{agency.name} has been asked to check.")
    return redirect(back)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _child_page(request: HttpRequest, child: Any, purpose: str) -> str:
    """The child page to go back to, under the purpose the action was taken for."""
    back = reverse("children:detail", args=[child.uuid])
    return back if purpose == _purpose(request) else f"{back}?{urlencode({'purpose': purpose})}"


@require_POST
@login_required
def check_answer(request: HttpRequest, child_uuid: str, request_uuid: str) -> HttpResponse:
    """The agency asked to check a detail says it has: the request stops standing, the asker is told."""
    purpose = request.POST.get("purpose") or _purpose(request)
    # Who may open the child (404 otherwise), asked of the policy alone: nothing of the child is
    # shown here, so nothing is recorded as read. The service decides whose request it is to answer.
    access = child_access(user=request.user, child_uuid=child_uuid, purpose=purpose)
    back = _child_page(request, access.child, purpose)
    form = RecordCheckAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Nothing was saved: {_lower_first(form.errors['note'][0])}")
        return redirect(back)
    try:
        answered = services.record_check_answer(
            actor=request.user, access=access, request_uuid=request_uuid, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        raise PermissionDenied(" ".join(exc.messages)) from exc
    except services.AlreadyCheckedError as exc:
        messages.info(request, f"Nothing more was saved: {exc}")
        return redirect(back)
    messages.success(request, f"Marked as checked: {answered.asked_by.membership.agency.name} has been told.")
    return redirect(back)


@require_http_methods(["GET", "POST"])
@login_required
def mace_pack_new(request: HttpRequest) -> HttpResponse:
    """Name the meeting (title and date), then the pack is made in the background; its job's page follows."""
    require_may_start(request.user, MACE_PACK)
    form = MacePackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        job = job_services.job_start(actor=request.user, kind=MACE_PACK, params=form.params())
        return redirect("jobs:detail", job_uuid=job.uuid)
    return render(request, "chronology/mace_pack_new.html", {"form": form, "page_title": "Prepare the meeting pack"})
