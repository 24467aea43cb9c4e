"""Referral files over 200 rows are checked in the request, kept, and imported by the worker, all or nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from joinedup.audit.models import AuditEvent
from joinedup.conftest import make_user
from joinedup.jobs.models import Job, JobStatus
from joinedup.partnership.models import Area
from joinedup.referrals.bulk import IN_REQUEST_ROWS, MAX_ROWS
from joinedup.referrals.models import Referral, ReferralImport, ReferralImportStatus, ReferralStatus

HEADER = (
    "given_names,family_name,date_of_birth,nhs_number,harm_types,indicators,"
    "consent,family_informed,home_area,referrer_contact\n"
)


def referral_csv(n: int, *, area: str = "City") -> str:
    return HEADER + "".join(
        f"Child{i},Import-{i},2011-05-{1 + i % 28:02d},,county_lines,Seen in the park,given,yes,{area},duty line\n"
        for i in range(n)
    )


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(user: Any, text: str, name: str = "referrals.csv") -> Any:
    file = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    return client_for(user).post(reverse("referrals:import"), {"file": file})


def work() -> None:
    """Run every queued task with the worker command, as `make run` and production do, then stop."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def test_a_file_of_200_rows_is_still_imported_in_the_request(world: Any) -> None:
    response = upload(world.users["practitioner"], referral_csv(IN_REQUEST_ROWS))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert Referral.objects.filter(status=ReferralStatus.SUBMITTED).count() == IN_REQUEST_ROWS
    assert not Job.objects.exists() and not ReferralImport.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_file_over_200_rows_is_kept_and_imported_by_the_worker(world: Any) -> None:
    referrer = world.users["practitioner"]
    text = referral_csv(IN_REQUEST_ROWS + 50)
    response = upload(referrer, text)
    job = Job.objects.get()
    imp = ReferralImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.uuid}/"
    # Nothing written yet, and nothing lost: the file is kept with the import its job names.
    assert not Referral.objects.exists()
    assert imp.content == text and imp.rows == 250 and imp.status == ReferralImportStatus.QUEUED
    assert imp.job == job and job.params == {"import": str(imp.uuid)} and job.started_by == referrer
    assert AuditEvent.objects.filter(event="referrals_import.started", detail__rows=250).exists()

    work()

    job.refresh_from_db()
    imp.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.step == job.steps
    assert job.result == (
        "Sent 250 referrals from referrals.csv for screening. The front door decides each within one working day."
    )
    assert job.result_url == reverse("referrals:import_detail", args=[imp.uuid])
    assert Referral.objects.filter(status=ReferralStatus.SUBMITTED, created_by=referrer).count() == 250
    assert (imp.status, imp.created, imp.content) == (ReferralImportStatus.FINISHED, 250, "")
    assert AuditEvent.objects.filter(event="referral.submitted").count() == 250
    assert AuditEvent.objects.filter(event="referrals_import.finished", detail__created=250).exists()
    page = client_for(referrer).get(job.result_url).content.decode()
    assert "250 referrals sent for screening" in page
    # The screener at the front door of the child's home area has them in the queue.
    screener = client_for(world.users["screener"])
    queue = screener.get(reverse("pathways:screening")).content.decode()
    assert "250 waiting: 1 to 50 shown." in queue and "Child0 Import-0" in queue  # 50 a page
    last = screener.get(reverse("pathways:screening"), {"page": 5}).content.decode()
    assert "Child249 Import-249" in last


@pytest.mark.django_db(transaction=True)
def test_a_row_that_goes_bad_before_the_worker_runs_imports_nothing_and_is_reported_by_row(world: Any) -> None:
    referrer = world.users["practitioner"]
    text = referral_csv(IN_REQUEST_ROWS + 1)
    text = text.replace("Child7,Import-7,2011-05-08,,county_lines,Seen in the park,given,yes,City,",
                        "Child7,Import-7,2011-05-08,,county_lines,Seen in the park,given,yes,County,")  # fmt: skip
    upload(referrer, text)
    # Between the upload and the worker, the county leaves the partnership's areas.
    Area.objects.filter(pk=world.county.pk).update(short_name="Shire", name="Shire")
    work()
    job, imp = Job.objects.get(), ReferralImport.objects.get()
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("Nothing was imported: 1 row now has problems.")
    assert not Referral.objects.exists()
    assert imp.status == ReferralImportStatus.FAILED and imp.content == text  # kept: nothing sent is lost
    assert imp.problems == [{"row": 9, "problem": "home_area 'County' is not an area of the partnership"}]
    page = client_for(referrer).get(reverse("referrals:import_detail", args=[imp.uuid])).content.decode()
    assert "Nothing has been imported" in page and "home_area &#x27;County&#x27; is not an area" in page
    assert AuditEvent.objects.filter(event="referrals_import.failed").exists()


@pytest.mark.django_db(transaction=True)
def test_a_row_the_services_refuse_undoes_every_row_before_it(world: Any, monkeypatch: Any) -> None:
    from django.core.exceptions import ValidationError

    from joinedup.referrals import bulk

    real = bulk.referral_submit
    calls = {"n": 0}

    def refuse_the_150th(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 150:
            raise ValidationError("The referral could not be sent.")
        return real(**kwargs)

    monkeypatch.setattr(bulk, "referral_submit", refuse_the_150th)
    upload(world.users["practitioner"], referral_csv(IN_REQUEST_ROWS + 10))
    work()
    job, imp = Job.objects.get(), ReferralImport.objects.get()
    assert job.status == JobStatus.FAILED
    assert "row 151 was refused (The referral could not be sent.)" in job.error
    assert Referral.objects.count() == 0  # the 149 before it are undone with it: all or nothing
    assert imp.problems == [{"row": 151, "problem": "The referral could not be sent."}]


def test_a_large_file_with_bad_rows_is_reported_in_the_request_and_no_job_starts(world: Any) -> None:
    text = referral_csv(IN_REQUEST_ROWS + 5).replace("Child3,Import-3,", "Child3,,")
    response = upload(world.users["practitioner"], text)
    content = response.content.decode()
    assert response.status_code == 200 and "Nothing has been imported" in content
    assert "family_name is empty" in content.split('id="validation-report"')[1]
    assert not Job.objects.exists() and not ReferralImport.objects.exists() and not DBTaskResult.objects.exists()


def test_more_than_the_most_rows_is_refused_whole(world: Any) -> None:
    content = upload(world.users["practitioner"], referral_csv(MAX_ROWS + 1)).content.decode()
    assert f"Only {MAX_ROWS} rows can be imported at once" in content
    assert not Job.objects.exists() and not ReferralImport.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_only_its_referrer_sees_the_import_and_its_job(world: Any) -> None:
    upload(world.users["practitioner"], referral_csv(IN_REQUEST_ROWS + 1))
    imp, job = ReferralImport.objects.get(), Job.objects.get()
    url = reverse("referrals:import_detail", args=[imp.uuid])
    colleague = make_user(world, role="practitioner", agency="city_csc")
    assert client_for(colleague).get(url).status_code == 404
    assert client_for(colleague).get(f"/jobs/{job.uuid}/").status_code == 404
    assert client_for(world.users["analyst"]).get(url).status_code == 403
    assert Client().get(url).status_code == 302
    before = AuditEvent.objects.filter(event="referrals_import.viewed").count()
    assert client_for(world.users["practitioner"]).get(url).status_code == 200
    assert AuditEvent.objects.filter(event="referrals_import.viewed").count() == before + 1
    assert client_for(world.users["practitioner"]).post(url).status_code == 405
    listed = client_for(world.users["practitioner"]).get(reverse("referrals:import")).content.decode()
    assert url in listed and url not in client_for(colleague).get(reverse("referrals:import")).content.decode()
