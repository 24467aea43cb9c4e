"""The export helper: inert CSV cells, a real PDF, a proper attachment, and exactly one audit event."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import pytest
from django.test import RequestFactory

from joinedup.audit.exports import (
    ExportEvent,
    RecordedRead,
    csv_response,
    csv_text,
    json_response,
    pdf_bytes,
    pdf_response,
)
from joinedup.audit.models import AuditEvent

INJECTIONS = ('=HYPERLINK("http://example.invalid","x")', "+1", "-1+1", "@SUM(A1)", "\tx", "\rx")


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("value", INJECTIONS)
def test_a_cell_a_spreadsheet_would_run_is_made_text(value: str) -> None:
    text, count = csv_text(["h"], [[value, "plain"]])
    assert count == 1
    assert _cells(text)[1] == ["'" + value, "plain"]


def test_headers_and_empty_cells_are_safe_too() -> None:
    text, _ = csv_text(["=h", "ok"], [[None, 0]])
    assert _cells(text) == [["'=h", "ok"], ["", "0"]]


def test_a_csv_download_is_an_attachment_and_audited_with_its_rows(db: Any, django_user_model: Any) -> None:
    user = django_user_model.objects.create_user(username="exporter", password="x")
    response = csv_response(
        actor=user,
        filename="things.csv",
        header=["name"],
        rows=iter([["=1+1"], ["b"]]),
        event=ExportEvent(event="thing.exported", purpose="data_protection", detail={"filters": {"q": "x"}}),
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="things.csv"'
    assert _cells(response.content.decode())[1] == ["'=1+1"]
    event = AuditEvent.objects.get(event="thing.exported")
    assert event.actor_id == user.pk and event.purpose == "data_protection"
    assert event.detail == {"filters": {"q": "x"}, "format": "csv", "filename": "things.csv", "rows": 2}


def test_a_name_that_is_not_ascii_is_encoded_not_mangled(db: Any) -> None:
    response = json_response(actor=None, filename="café.json", data={"a": "é"}, event=ExportEvent(event="x.exported"))
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''caf%C3%A9.json"
    assert response.content.decode() == '{\n  "a": "é"\n}'


def test_a_pdf_is_a_pdf_and_its_event_names_the_child(db: Any, django_user_model: Any) -> None:
    user = django_user_model.objects.create_user(username="exporter", password="x")
    request = RequestFactory().get("/")
    request.user = user
    about = uuid.uuid4()
    response = pdf_response(
        actor=user,
        filename="pack.pdf",
        template="participation/coverage_pdf.html",
        context={"coverage": None},
        event=ExportEvent(event="pack.exported", child_uuid=about),
        request=request,
        rows=3,
    )
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(event="pack.exported")
    assert event.child_uuid == about and event.detail["rows"] == 3


def test_pdf_bytes_render_without_a_request_for_background_jobs() -> None:
    assert pdf_bytes(template="participation/coverage_pdf.html", context={"coverage": None}).startswith(b"%PDF")


def test_a_read_its_selector_audited_writes_no_second_event(db: Any) -> None:
    json_response(actor=None, filename="x.json", data={}, event=RecordedRead("subject_access.exported"))
    assert not AuditEvent.objects.exists()
