"""Importing an agency's records from CSV: in the request, as a job, problems by row, and refusals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult

from joinedup.audit.models import AuditEvent
from joinedup.children.models import AgencyRecord
from joinedup.conftest import make_record, make_user, valid_nhs
from joinedup.imports.models import ImportStatus, RecordImport
from joinedup.jobs.models import Job, JobStatus

HEADER = "local_id,given_names,family_name,date_of_birth,sex,postcode,nhs_number\n"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def csv_file(text: str, name: str = "records.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def send(user: Any, text: str, **fields: Any) -> Any:
    data = {"columns": "standard", "file": csv_file(text), **fields}
    return client_for(user).post("/children/records/import/", data)


def state() -> tuple[int, ...]:
    return (AgencyRecord.objects.count(), RecordImport.objects.count(), Job.objects.count(),
            DBTaskResult.objects.count(), AuditEvent.objects.count())  # fmt: skip


def test_a_small_file_is_imported_in_the_request_through_the_record_service(world: Any) -> None:
    officer = world.users["data_officer"]
    response = send(officer, HEADER + "C-1,Amelia,Stone,2012-04-05,F,NG7 1AA,\nC-2,Ben,Okafor,05/06/2013,male,,\n")
    imp = RecordImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/children/records/import/{imp.uuid}/"
    assert imp.status == ImportStatus.FINISHED and imp.content == "" and imp.job is None
    assert list(imp.problems.values_list("row", "column", "message")) == []
    records = AgencyRecord.objects.order_by("local_id")
    assert [(r.local_id, r.full_name, r.agency, r.created_by) for r in records] == [
        ("C-1", "Amelia Stone", world.agencies["city_csc"], officer),
        ("C-2", "Ben Okafor", world.agencies["city_csc"], officer),
    ]
    assert records[0].date_of_birth == dt.date(2012, 4, 5) and records[0].postcode == "NG7 1AA"
    assert records[1].sex == "M" and records[1].date_of_birth == dt.date(2013, 6, 5)
    events = list(AuditEvent.objects.exclude(event="audit.chain_keyed").values_list("event", flat=True).order_by("id"))
    assert events == ["records_import.started", "agency_record.created", "agency_record.created",
                      "records_import.finished"]  # fmt: skip
    page = client_for(officer).get(response["Location"]).content.decode()
    assert "Created 2 records from 2 rows of records.csv: 0 were joined to a child already known" in page
    assert "No row had a problem." in page


def test_an_imported_record_is_matched_at_intake_as_a_page_created_one_is(world: Any, trained: Any) -> None:
    from joinedup.linkage.services import linkage_model_activate, linkage_model_save

    linkage_model_activate(actor=None, model=linkage_model_save(actor=None, parameters=trained, summary={}))
    nhs = valid_nhs(41)
    known = make_record(world, agency="police", given_names="Amelia", family_name="Stone",
                        date_of_birth=dt.date(2012, 4, 5), sex="F", postcode="NG7 1AA", nhs_number=nhs)  # fmt: skip
    send(world.users["data_officer"], HEADER + f"C-1,Amelia,Stone,2012-04-05,F,NG7 1AA,{nhs}\n")
    imported = AgencyRecord.objects.get(local_id="C-1")
    assert imported.child_id == known.child_id
    imp = RecordImport.objects.get()
    assert (imp.created, imp.matched) == (1, 1)
    assert AuditEvent.objects.filter(event="agency_record.intake_matched", object_uuid=imported.uuid).exists()


def test_rows_with_problems_are_listed_by_row_and_column_and_not_written(world: Any) -> None:
    officer = world.users["data_officer"]
    make_record(world, local_id="TAKEN", given_names="Old", family_name="Record")
    before = AgencyRecord.objects.count()
    text = HEADER + (
        "C-1,Amelia,Stone,2012-04-05,F,NG7 1AA,\n"  # row 2: fine
        "C-2,Ben,,2013-06-05,M,,\n"  # row 3: no family name
        "C-3,Cara,Bell,2099-01-01,F,NOT A CODE,\n"  # row 4: future date of birth and a bad postcode
        "C-1,Dan,Reed,,M,,\n"  # row 5: the reference again
        "TAKEN,Eve,Hart,,F,,\n"  # row 6: the agency holds this reference already (the service refuses it)
        "C-6,Finn,Ash,,dog,,1234567890\n"  # row 7: an unknown sex and an invalid NHS number
    )
    response = send(officer, text)
    imp = RecordImport.objects.get()
    assert response.status_code == 302
    assert (imp.rows, imp.done, imp.created, imp.problem_rows) == (6, 6, 1, 5)
    assert AgencyRecord.objects.count() == before + 1
    assert AgencyRecord.objects.filter(local_id="C-1").get().given_names == "Amelia"
    problems = [(p.row, p.column) for p in imp.problems.all()]
    assert problems == [(3, "family_name"), (4, "date_of_birth"), (4, "postcode"), (5, "local_id"),
                        (6, "local_id"), (7, "sex"), (7, "nhs_number")]  # fmt: skip
    assert AuditEvent.objects.filter(event="agency_record.created").count() == before + 1
    page = client_for(officer).get(f"/children/records/import/{imp.uuid}/").content.decode()
    assert "5 rows have problems and were not imported." in page
    # Rows 5 and 6 reuse a reference the agency holds with other details: refused, saying which differ.
    assert "Already imported with this reference, but this row&#x27;s given_names, family_name, date_of_birth" in page
    download = client_for(officer).get(f"/children/records/import/{imp.uuid}/problems.csv")
    assert download["Content-Type"].startswith("text/csv")
    lines = download.content.decode().splitlines()
    assert lines[0] == "row,column,problem" and len(lines) == 8
    assert lines[1] == "3,family_name,is empty"
    assert AuditEvent.objects.filter(event="records_import.problems_exported").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_file_over_200_rows_is_a_job_the_worker_runs(world: Any) -> None:
    officer = world.users["data_officer"]
    rows = "".join(f"B-{i},Child{i},Bulk,2010-01-{1 + i % 28:02d},U,,\n" for i in range(201))
    response = send(officer, HEADER + rows + "B-0,Again,Bulk,,F,,\n")
    job = Job.objects.get()
    imp = RecordImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.uuid}/"
    assert job.kind == "records_import" and job.started_by == officer and job.agency == world.agencies["city_csc"]
    assert imp.job == job and imp.status == ImportStatus.QUEUED and imp.rows == 202
    assert AgencyRecord.objects.count() == 0  # nothing written in the request

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    job.refresh_from_db()
    imp.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result == (
        "Created 201 records from 202 rows of records.csv: 0 were joined to a child already known, "
        "0 have possible matches waiting for review. 1 row has problems and was not imported."
    )
    assert job.result_url == f"/children/records/import/{imp.uuid}/"
    assert AgencyRecord.objects.filter(agency=world.agencies["city_csc"], created_by=officer).count() == 201
    assert imp.status == ImportStatus.FINISHED and imp.content == ""
    assert [(p.row, p.column) for p in imp.problems.all()] == [(203, "local_id")]
    page = client_for(officer).get(f"/jobs/{job.uuid}/").content.decode()
    assert "Import agency records" in page and job.result in page
    # Colleagues at the agency who may import see the job; another agency's data officer does not.
    colleague = make_user(world, role="data_officer")
    elsewhere = make_user(world, role="data_officer", agency="police")
    assert client_for(colleague).get(f"/jobs/{job.uuid}/").status_code == 200
    assert client_for(elsewhere).get(f"/jobs/{job.uuid}/").status_code == 404
    assert client_for(elsewhere).get(f"/children/records/import/{imp.uuid}/").status_code == 404
    assert client_for(elsewhere).get(f"/children/records/import/{imp.uuid}/problems.csv").status_code == 404
    events = list(AuditEvent.objects.filter(event__startswith="job.").values_list("event", flat=True))
    assert events == ["job.started", "job.succeeded"]


@pytest.mark.parametrize("role", ["practitioner", "screener", "exploitation_coordinator", "strategic_lead", "analyst",
                                  "participation_officer", "dpo", "partnership_admin"])  # fmt: skip
def test_roles_that_may_not_import_are_refused_and_nothing_changes(world: Any, role: str) -> None:
    client = client_for(world.users[role])
    before = state()
    assert client.get("/children/records/import/").status_code == 403
    response = client.post(
        "/children/records/import/", {"columns": "standard", "file": csv_file(HEADER + "X,A,B,,,,\n")}
    )
    assert response.status_code == 403
    assert state() == before


def test_anonymous_is_sent_to_sign_in_and_another_agencys_import_is_not_found(world: Any) -> None:
    send(world.users["data_officer"], HEADER + "C-1,Amelia,Stone,,F,,\n")
    imp = RecordImport.objects.get()
    assert Client().get("/children/records/import/").status_code == 302
    assert Client().post("/children/records/import/").status_code == 302
    police_officer = make_user(world, role="data_officer", agency="police")
    before = state()
    client = client_for(police_officer)
    assert client.get(f"/children/records/import/{imp.uuid}/").status_code == 404
    assert client.get(f"/children/records/import/{imp.uuid}/problems.csv").status_code == 404
    # Another agency's kept upload cannot be sent as one's own either.
    response = client.post("/children/records/import/", {"columns": "standard", "upload": str(imp.uuid)})
    assert response.status_code == 404
    assert state() == before


def test_wrong_methods_are_refused(world: Any) -> None:
    client = client_for(world.users["data_officer"])
    assert client.put("/children/records/import/").status_code == 405
    send(world.users["data_officer"], HEADER + "C-1,Amelia,Stone,,F,,\n")
    imp = RecordImport.objects.get()
    assert client.post(f"/children/records/import/{imp.uuid}/").status_code == 405
    assert client.post(f"/children/records/import/{imp.uuid}/problems.csv").status_code == 405


def test_an_empty_submission_says_what_to_fix(world: Any) -> None:
    response = client_for(world.users["data_officer"]).post("/children/records/import/", {"columns": "file"})
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert "Choose a CSV file to import." in page and "Paste the columns file" in page
    assert RecordImport.objects.count() == 0


def test_a_file_refused_for_its_columns_file_is_kept_and_sent_again_with_the_map_fixed(world: Any) -> None:
    """A columns file as link_files reads it (full name in one column, a day-first date format)."""
    officer = world.users["data_officer"]
    text = 'Case ref,Name,DOB,Gender\nK-1,"STONE, Amelia Rose",05/04/2012,Female\nK-2,Ben Okafor,06/05/2013,M\n'
    wrong = (
        '[defaults]\nid = "Case ref"\nfull_name = "Full name"\n'
        'date_of_birth = { column = "DOB", formats = ["%d/%m/%Y"] }\n'
    )
    client = client_for(officer)
    response = client.post(
        "/children/records/import/", {"columns": "file", "columns_file": wrong, "file": csv_file(text, "extract.csv")}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert "The columns file names Full name, which the file does not have" in page
    assert "We kept" in page and "extract.csv" in page
    kept = RecordImport.objects.get()
    assert kept.status == ImportStatus.WAITING and AgencyRecord.objects.count() == 0
    assert wrong.replace('"', "&quot;") in page  # the columns file typed is still in the form

    fixed = wrong.replace('"Full name"', '"Name"') + 'sex = "Gender"\n'
    response = client.post(
        "/children/records/import/", {"columns": "file", "columns_file": fixed, "upload": str(kept.uuid)}
    )
    assert response.status_code == 302
    kept.refresh_from_db()
    assert kept.status == ImportStatus.FINISHED and kept.created == 2
    assert sorted(AgencyRecord.objects.values_list("given_names", "family_name", "date_of_birth", "sex")) == [
        ("Amelia Rose", "STONE", dt.date(2012, 4, 5), "F"),
        ("Ben", "Okafor", dt.date(2013, 5, 6), "M"),
    ]


def test_a_file_that_is_not_utf8_text_is_refused_with_what_to_do(world: Any) -> None:
    client = client_for(world.users["data_officer"])
    upload = SimpleUploadedFile("records.csv", (HEADER + "C-1,Zo\xeb,Stone,,F,,\n").encode("cp1252"))
    response = client.post("/children/records/import/", {"columns": "standard", "file": upload})
    page = response.content.decode()
    assert "Line 2 of the file is not UTF-8 text: save the file as &#x27;CSV UTF-8&#x27;" in page
    assert AgencyRecord.objects.count() == 0 and RecordImport.objects.count() == 0


def test_a_fixed_file_sent_again_counts_rows_already_imported_as_unchanged_not_problems(world: Any) -> None:
    officer = world.users["data_officer"]
    first = HEADER + (
        "R-1,Amelia,Stone,2012-04-05,F,ng7 1aa,\n"  # row 2: imported
        "R-2,Ben,,2013-06-05,M,,\n"  # row 3: no family name
        f"R-3,Cara,Bell,05/06/2011,F,,{valid_nhs(41)}\n"  # row 4: imported
    )
    send(officer, first)
    assert AgencyRecord.objects.filter(local_id__startswith="R-").count() == 2
    fixed = first.replace("R-2,Ben,,", "R-2,Ben,Reed,")
    before = AuditEvent.objects.filter(event="agency_record.created").count()
    send(officer, fixed)
    imp = RecordImport.objects.order_by("-created_at").first()
    assert imp is not None
    assert (imp.rows, imp.created, imp.unchanged, imp.problem_rows) == (3, 1, 2, 0)
    assert list(imp.problems.all()) == []
    assert AuditEvent.objects.filter(event="agency_record.created").count() == before + 1
    assert AgencyRecord.objects.filter(local_id__startswith="R-").count() == 3
    page = client_for(officer).get(f"/children/records/import/{imp.uuid}/").content.decode()
    assert "2 rows were already imported and unchanged." in page
    assert "No row had a problem." in page
    finished = AuditEvent.objects.filter(event="records_import.finished").order_by("-id").first()
    assert finished is not None and finished.detail["unchanged"] == 2


def test_a_row_sent_again_with_different_details_is_a_problem_naming_them_and_changes_nothing(world: Any) -> None:
    officer = world.users["data_officer"]
    send(officer, HEADER + "S-1,Amelia,Stone,2012-04-05,F,NG7 1AA,\n")
    send(officer, HEADER + "S-1,Amelia,Stone,2012-05-04,F,NG7 1AA,\n")
    imp = RecordImport.objects.order_by("-created_at").first()
    assert imp is not None
    assert (imp.created, imp.unchanged, imp.problem_rows) == (0, 0, 1)
    problem = imp.problems.get()
    assert (problem.row, problem.column) == (2, "local_id")
    assert "date_of_birth differs from the record: nothing was changed" in problem.message
    assert AgencyRecord.objects.get(local_id="S-1").date_of_birth == dt.date(2012, 4, 5)
