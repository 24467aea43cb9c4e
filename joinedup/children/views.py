"""Pages for finding children and keeping agency records.

Thin views: parse with a form, reach data through the access policy and
selectors, write through services, render.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.children import selectors, services
from joinedup.children.forms import AgencyRecordForm, ChildSearchForm
from joinedup.partnership.access import (
    Purpose,
    agency_for_new_record,
    agency_record_get_for_change,
    require,
)
from joinedup.partnership.roles import Perm


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
    context = {"form": form, "results": results, "page_title": "Find a child"}
    if request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request"):
        return render(request, "children/partials/search_results.html", context)
    return render(request, "children/search.html", context)


@require_GET
@login_required
def child_detail(request: HttpRequest, child_uuid: str) -> HttpResponse:
    view = selectors.child_view(user=request.user, child_uuid=child_uuid, purpose=Purpose.DIRECT_WORK)
    return render(request, "children/child_detail.html", {"view": view, "page_title": "Child"})


@require_http_methods(["GET", "POST"])
@login_required
def record_create(request: HttpRequest) -> HttpResponse:
    agency = agency_for_new_record(request.user)
    form = AgencyRecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.agency_record_create(actor=request.user, agency=agency, data=form.record_data())
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, f"Record {record.local_id} added for {record.full_name}.")
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
                _add_service_errors(form, exc)
            else:
                messages.success(request, f"Record {record.local_id} saved.")
                return redirect("children:detail", child_uuid=record.child.uuid)
    else:
        form = AgencyRecordForm(initial=AgencyRecordForm.initial_from(record))
    return render(
        request,
        "children/record_form.html",
        {"form": form, "agency": record.agency, "record": record, "page_title": "Change a record"},
    )


def _add_service_errors(form: AgencyRecordForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
