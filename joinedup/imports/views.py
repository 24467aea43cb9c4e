"""Importing an agency's records from a CSV file: the upload, what an import made, its problem rows."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.audit.exports import RecordedRead, csv_response
from joinedup.children.services import EDITABLE_FIELDS
from joinedup.imports import selectors, services
from joinedup.imports.access import agency_for_import, waiting_upload_for_user
from joinedup.imports.forms import RecordImportForm
from joinedup.imports.reading import ImportRefusedError, read_upload
from joinedup.imports.services import IN_REQUEST_ROWS, import_summary


@require_http_methods(["GET", "POST"])
@login_required
def import_new(request: HttpRequest) -> HttpResponse:
    """Send a file: up to IN_REQUEST_ROWS rows are imported now, more by the worker; a refused file is kept."""
    agency = agency_for_import(request.user)
    # Bound on every POST, even an empty one, so an empty form is told what is missing.
    posted = request.method == "POST"
    form = RecordImportForm(request.POST if posted else None, request.FILES if posted else None)
    kept = None
    if request.method == "POST":
        valid = form.is_valid()
        if form.cleaned_data.get("upload"):
            kept = waiting_upload_for_user(user=request.user, import_uuid=form.cleaned_data["upload"])
        if valid:
            data = form.cleaned_data
            upload = data["file"]
            file_name = upload.name if upload else kept.file_name  # type: ignore[union-attr]
            columns_file = data["columns_file"] if data["columns"] == "file" else ""
            try:
                text, rows = read_upload(
                    data=upload.read() if upload else None,
                    text=None if upload else kept.content,  # type: ignore[union-attr]
                    file_name=file_name,
                    columns_file=columns_file,
                    today=timezone.localdate(),
                )
            except ImportRefusedError as exc:
                form.add_error(exc.field, str(exc))
                # Keep what was read: fixing the column map must not mean choosing the file again.
                if exc.text is not None or kept is not None:
                    kept = services.record_import_keep(
                        actor=request.user, agency=agency, record_import=kept, file_name=file_name,
                        content=exc.text if exc.text is not None else kept.content,  # type: ignore[union-attr]
                        standard_columns=not columns_file, columns_file=columns_file,
                    )  # fmt: skip
            else:
                imp = services.record_import_start(
                    actor=request.user, agency=agency, record_import=kept, file_name=file_name, content=text,
                    standard_columns=not columns_file, columns_file=columns_file, rows=len(rows),
                )  # fmt: skip
                if imp.job is not None:
                    return redirect("jobs:detail", job_uuid=imp.job.uuid)
                services.record_import_run(record_import=imp)
                return redirect("imports:detail", import_uuid=imp.uuid)
    return render(
        request,
        "imports/new.html",
        {
            "form": form,
            "agency": agency,
            "kept": kept,
            "standard_headers": EDITABLE_FIELDS,
            "in_request_rows": IN_REQUEST_ROWS,
            "page_title": "Import records",
        },
    )


@require_GET
@login_required
def import_detail(request: HttpRequest, import_uuid: str) -> HttpResponse:
    imp, problems = selectors.record_import_view(user=request.user, import_uuid=import_uuid)
    context = {
        "imp": imp,
        "problems": problems,
        "summary": import_summary(imp) if imp.finished_at else "",
        "page_title": f"Import of {imp.file_name}",
    }
    return render(request, "imports/detail.html", context)


@require_GET
@login_required
def import_problems(request: HttpRequest, import_uuid: str) -> HttpResponse:
    imp, problems = selectors.record_import_problems(user=request.user, import_uuid=import_uuid)
    return csv_response(
        actor=request.user,
        filename=f"import-problems-{imp.uuid}.csv",
        header=["row", "column", "problem"],
        rows=([p.row, p.column, p.message] for p in problems),
        event=RecordedRead("records_import.problems_exported"),  # the selector wrote it
    )
