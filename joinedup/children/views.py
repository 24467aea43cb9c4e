"""Pages for finding children and keeping agency records.

Thin views: parse with a form, reach data through the access policy and
selectors, write through services, render.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.children import selectors, services
from joinedup.children.access import agency_for_new_record, agency_record_get_for_change, child_get_for_break_glass
from joinedup.children.forms import (
    AgencyRecordForm,
    BreakGlassForm,
    ChildSearchForm,
    IntelligenceForm,
    PseudonymisedFilterForm,
    PurposeForm,
)
from joinedup.children.matching import possible_matches_count
from joinedup.children.sections import child_sections
from joinedup.core.forms import add_service_errors
from joinedup.partnership.access import ALL_CATEGORIES, membership_for, require, user_can
from joinedup.partnership.models import AgencyType
from joinedup.partnership.roles import ROLE_PURPOSES, Perm, Purpose, default_purpose


@require_GET
@login_required
def search(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.SEARCH_CHILDREN)
    form = ChildSearchForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid():
        results = selectors.child_search(
            user=request.user, query=form.cleaned_data["q"] or "", date_of_birth=form.cleaned_data["date_of_birth"]
        )
    context = {
        "form": form,
        "results": results,
        "can_break_glass": user_can(request.user, Perm.BREAK_GLASS),
        "page_title": "Find a child",
    }
    if request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request"):
        return render(request, "children/partials/search_results.html", context)
    return render(request, "children/search.html", context)


# "14:05 on 4 December" (Django's date format; the escapes keep "on" as words).
UNTIL_FORMAT = r"H:i \o\n j F"


def _purposes_for(request: HttpRequest) -> list[tuple[str, str]]:
    membership = membership_for(request.user)
    allowed = ROLE_PURPOSES.get(membership.role, frozenset()) if membership else frozenset()
    return [(value, label) for value, label in Purpose.choices if value in allowed]


@require_GET
@login_required
def child_detail(request: HttpRequest, child_uuid: str) -> HttpResponse:
    membership = membership_for(request.user)
    purposes = _purposes_for(request)
    form = PurposeForm(request.GET or None, purposes=purposes)
    purpose = (
        form.cleaned_data["purpose"]
        if form.is_bound and form.is_valid()
        else (default_purpose(membership.role) if membership else None)
    )
    if purpose is None:
        raise Http404
    if not form.is_bound:
        form = PurposeForm(initial={"purpose": purpose}, purposes=purposes)
    try:
        view = selectors.child_view(user=request.user, child_uuid=child_uuid, purpose=purpose)
    except Http404:
        # A child whose records were all joined to another: say where they went, to those who may open it.
        moved = selectors.child_moved_view(user=request.user, child_uuid=child_uuid, purpose=purpose)
        return render(request, "children/moved.html", {"moved": moved, "page_title": "This child's records moved"})
    context = {
        "view": view,
        "access": view.access,
        "purpose_form": form,
        "purpose_label": Purpose(purpose).label,
        # Emergency access is offered where agreements hide something: know-of
        # entries, or partner records shared only in part.
        "can_break_glass": user_can(request.user, Perm.BREAK_GLASS)
        and view.access.break_glass is None
        and (
            bool(view.access.know_of) or any(shared.grant.categories != ALL_CATEGORIES for shared in view.access.shared)
        ),
        "break_glass_hours": settings.BREAK_GLASS_HOURS,
        "sections": child_sections(request.user, view.access),
        "top_sections": child_sections(request.user, view.access, top=True),
        "is_police": membership is not None and membership.agency.agency_type == AgencyType.POLICE,
        "page_title": "Child",
    }
    return render(request, "children/child_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def break_glass(request: HttpRequest, child_uuid: str) -> HttpResponse:
    child = child_get_for_break_glass(user=request.user, child_uuid=child_uuid)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.break_glass_open(
                actor=request.user,
                child=child,
                reason=form.cleaned_data["reason"],
                explanation=form.cleaned_data["explanation"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return render(
                request,
                "children/break_glass.html",
                {
                    "form": form,
                    "child": child,
                    "holders": selectors.break_glass_holders(user=request.user, child=child),
                    "page_title": "Emergency access",
                },
            )
        messages.warning(
            request,
            # In the partnership's time (UK time, an hour ahead in summer), as the page's banner says it.
            f"Emergency access is open until {date_format(timezone.localtime(grant.expires_at), UNTIL_FORMAT)}. "
            "The data protection officer will review it.",
        )
        return redirect("children:detail", child_uuid=child.uuid)
    return render(
        request,
        "children/break_glass.html",
        {
            "form": form,
            "child": child,
            # Which child: who holds records of them, as far as the user may know of it.
            "holders": selectors.break_glass_holders(user=request.user, child=child),
            "page_title": "Emergency access",
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def intelligence_add(request: HttpRequest, record_uuid: str) -> HttpResponse:
    record = agency_record_get_for_change(user=request.user, record_uuid=record_uuid)
    require(request.user, Perm.ADD_INTELLIGENCE)
    if record.agency.agency_type != AgencyType.POLICE:
        raise Http404
    form = IntelligenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.intelligence_add(actor=request.user, record=record, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Intelligence recorded.")
            return redirect("children:detail", child_uuid=record.child.uuid)
    return render(
        request, "children/intelligence_form.html", {"form": form, "record": record, "page_title": "Add intelligence"}
    )


@require_http_methods(["GET", "POST"])
@login_required
def record_create(request: HttpRequest) -> HttpResponse:
    agency = agency_for_new_record(request.user)
    form = AgencyRecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.agency_record_create(actor=request.user, agency=agency, data=form.record_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Record {record.local_id} added for {record.full_name}.")
            if possible_matches_count(user=request.user, record=record):
                return redirect("linkage:record_matches", record_uuid=record.uuid)
            return redirect("children:detail", child_uuid=record.child.uuid)
    return render(
        request,
        "children/record_form.html",
        {"form": form, "agency": agency, "record": None, "page_title": "Add a record"},
    )


@require_http_methods(["GET", "POST"])
@login_required
def record_edit(request: HttpRequest, record_uuid: str) -> HttpResponse:
    record = agency_record_get_for_change(user=request.user, record_uuid=record_uuid)
    if request.method == "POST":
        form = AgencyRecordForm(request.POST)
        if form.is_valid():
            try:
                record = services.agency_record_update(
                    actor=request.user,
                    record=record,
                    data=form.record_data(),
                    expected_version=form.cleaned_data["version"] or 0,
                )
            except services.StaleVersionError as stale:
                # Keep what the user typed; show them the record moved on and
                # let the next save apply to the current version deliberately.
                data = request.POST.copy()
                data["version"] = str(stale.current.version)
                form = AgencyRecordForm(data)
                form.is_valid()
                form.add_error(
                    None,
                    f"Someone else changed this record while you were editing it (it is now version "
                    f"{stale.current.version}). Your changes are still below: check them against the "
                    f"current record, then save again.",
                )
                record = stale.current
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Record {record.local_id} saved.")
                return redirect("children:detail", child_uuid=record.child.uuid)
    else:
        selectors.record_opened_for_change(user=request.user, record=record)
        form = AgencyRecordForm(initial=AgencyRecordForm.initial_from(record))
    return render(
        request,
        "children/record_form.html",
        {"form": form, "agency": record.agency, "record": record, "page_title": "Change a record"},
    )


@require_GET
@login_required
def pseudonymised_list(request: HttpRequest) -> HttpResponse:
    form = PseudonymisedFilterForm(request.GET)
    if not form.is_valid():
        # Say what to fix rather than guess: a page or area the list cannot have.
        return render(
            request,
            "children/pseudonymised_list.html",
            {"form": form, "rows": [], "area": "", "page": 1, "page_title": "Pseudonymised children"},
            status=400,
        )
    area = form.cleaned_data["area"] or ""
    page = form.cleaned_data["page"] or 1
    rows = selectors.pseudonymised_list(user=request.user, area=area, page=page)
    return render(
        request,
        "children/pseudonymised_list.html",
        {"form": form, "rows": rows, "area": area, "page": page, "page_title": "Pseudonymised children"},
    )


@require_GET
@login_required
def pseudonymised_detail(request: HttpRequest, pseudonym: str) -> HttpResponse:
    if "\x00" in pseudonym:
        raise Http404  # no pseudonym holds one, and PostgreSQL refuses to compare with it
    row = selectors.pseudonymised_get(user=request.user, pseudonym=pseudonym)
    return render(request, "children/pseudonymised_detail.html", {"row": row, "page_title": row.pseudonym})
