"""The one way data leaves as a file: formula-safe CSV, a PDF from a template, JSON, each audited.

An export is a read that leaves the system, so it is audited as reads are
(DESIGN: "every export is audited"). Each function here renders the file
first and only then writes the audit event, so the trail never claims an
export that failed to render; the event names who (the actor), what (the
event and the file's name and format), which child or object, and how many
rows.

`event` is either an `ExportEvent`, which the helper writes, or a
`RecordedRead`: the selector that built the data has already written the
export's event, inside the transaction that records its disclosures and
with counts only it knows (the chronology, subject access). Naming that
event keeps "who audits this export?" answerable at the call, and no export
can be written without saying.

For background jobs, which write files rather than answer requests,
`csv_text` and `pdf_bytes` render without a response, and `export_record`
writes the event. The file a job kept leaves through `kept_file_response`,
which audits every download.

This module sits in audit, the lowest app every exporter may import; it
imports nothing above core.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header

from joinedup.audit.models import AuditEvent
from joinedup.audit.services import audit_record
from joinedup.core.csvsafe import csv_safe

__all__ = [
    "ExportEvent",
    "RecordedRead",
    "csv_response",
    "csv_text",
    "export_record",
    "json_response",
    "kept_file_response",
    "pdf_bytes",
    "pdf_response",
]


@dataclass(frozen=True)
class ExportEvent:
    """The audit event an export writes: `detail` gains the file's name, its format and its row count."""

    event: str
    purpose: str = ""
    obj: Any = None
    child_uuid: UUID | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordedRead:
    """The export's event (`event`) was written by the selector that built the data; write no second one."""

    event: str


def csv_text(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> tuple[str, int]:
    """The CSV and its number of data rows. Every cell, header included, goes through `csv_safe`:
    names and free text are typed by people, and a spreadsheet runs a cell starting "=" as a formula."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_safe(v) for v in header])
    count = 0
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
        count += 1
    return out.getvalue(), count


def pdf_bytes(*, template: str, context: Mapping[str, Any], request: HttpRequest | None = None) -> bytes:
    """The template rendered to PDF. With a request, the template renders with its context processors
    and relative URLs resolve against the site; the templates name no fonts but sans-serif, so
    the PDF uses the system's own, as the pages' print styles do."""
    # Imported here, not at the top: WeasyPrint takes about a second to load (Pango, fonts),
    # and only the requests that make a PDF need it.
    from weasyprint import HTML

    html = render_to_string(template, dict(context), request=request)
    base_url = request.build_absolute_uri("/") if request is not None else None
    pdf: bytes = HTML(string=html, base_url=base_url).write_pdf()
    return pdf


def export_record(
    *, actor: Any, event: ExportEvent | RecordedRead, filename: str, fmt: str, rows: int | None
) -> AuditEvent | None:
    """Write the export's audit event, or nothing where its selector wrote it (`RecordedRead`)."""
    if isinstance(event, RecordedRead):
        return None
    detail = {**event.detail, "format": fmt, "filename": filename}
    if rows is not None:
        detail["rows"] = rows
    # Atomic even when the caller is not: on PostgreSQL the chain's advisory lock lasts only as
    # long as the transaction, and must cover reading the head and appending after it.
    with transaction.atomic():
        return audit_record(
            actor=actor,
            event=event.event,
            obj=event.obj,
            child_uuid=event.child_uuid,
            purpose=event.purpose,
            detail=detail,
        )


def _attachment(content: bytes | str, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    # content_disposition_header quotes the name, and encodes one that is not ASCII (RFC 6266).
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def csv_response(
    *,
    actor: Any,
    filename: str,
    header: Iterable[Any],
    rows: Iterable[Iterable[Any]],
    event: ExportEvent | RecordedRead,
) -> HttpResponse:
    """A formula-safe CSV download, its rows counted into the audit event.

    Built in memory rather than streamed: the event must be written before the
    response leaves, and the row count is known only once every row is built.
    """
    text, count = csv_text(header, rows)
    export_record(actor=actor, event=event, filename=filename, fmt="csv", rows=count)
    return _attachment(text, content_type="text/csv; charset=utf-8", filename=filename)


def pdf_response(
    *,
    actor: Any,
    filename: str,
    template: str,
    context: Mapping[str, Any],
    event: ExportEvent | RecordedRead,
    request: HttpRequest | None = None,
    rows: int | None = None,
) -> HttpResponse:
    """A PDF download of `template`; `rows`, where the document is a list, says how long it is."""
    pdf = pdf_bytes(template=template, context=context, request=request)
    export_record(actor=actor, event=event, filename=filename, fmt="pdf", rows=rows)
    return _attachment(pdf, content_type="application/pdf", filename=filename)


def json_response(
    *,
    actor: Any,
    filename: str,
    data: Any,
    event: ExportEvent | RecordedRead,
    rows: int | None = None,
) -> HttpResponse:
    """A JSON download, indented for a person to read, with non-ASCII names kept as written."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    export_record(actor=actor, event=event, filename=filename, fmt="json", rows=rows)
    return _attachment(text, content_type="application/json", filename=filename)


def kept_file_response(
    *,
    actor: Any,
    filename: str,
    content: bytes,
    content_type: str,
    fmt: str,
    event: ExportEvent,
    rows: int | None = None,
) -> HttpResponse:
    """A file made earlier (by a background job) and kept, downloaded: each download is an export,
    so each writes its own event (never a `RecordedRead`: the job that made it is not this read)."""
    export_record(actor=actor, event=event, filename=filename, fmt=fmt, rows=rows)
    return _attachment(bytes(content), content_type=content_type, filename=filename)
