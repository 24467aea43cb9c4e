"""The files jobs make: kept for JOBS_FILE_RETENTION_DAYS, refused once expired, emptied by the command."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from joinedup.audit.models import AuditEvent
from joinedup.conftest import make_record
from joinedup.governance.jobs import SUBJECT_ACCESS_PACK
from joinedup.jobs.models import Job, JobFile
from joinedup.jobs.services import job_file_save, job_start, job_succeed

PDF = b"%PDF-1.7 a pack made for the test"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _kept(world: Any, **extra: Any) -> JobFile:
    """A finished subject access pack job with its file (the worker's part is in governance's tests)."""
    child = make_record(world, agency="city_csc").child
    job = job_start(actor=world.users["dpo"], kind=SUBJECT_ACCESS_PACK, params={"child": str(child.uuid)})
    job_succeed(job=job, result="Ready.")
    return job_file_save(
        job=job,
        filename="pack.pdf",
        content_type="application/pdf",
        content=PDF,
        download_event="subject_access.pack_downloaded",
        purpose="data_protection",
        child_uuid=child.uuid,
        **extra,
    )


def test_a_file_is_kept_for_the_retention_setting(world: Any, settings: Any) -> None:
    settings.JOBS_FILE_RETENTION_DAYS = 3
    before = timezone.now()
    file = _kept(world)
    assert before + dt.timedelta(days=3) <= file.expires_at <= timezone.now() + dt.timedelta(days=3)
    event = AuditEvent.objects.get(event="job_file.kept")
    assert event.actor_id == world.users["dpo"].pk and event.new["size"] == len(PDF)


def test_the_command_empties_expired_files_only_and_audits_each(world: Any) -> None:
    expired, current = _kept(world), _kept(world)
    JobFile.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))

    call_command("jobs_remove_expired_files", stdout=(out := io.StringIO()))

    expired.refresh_from_db()
    current.refresh_from_db()
    assert bytes(expired.content) == b"" and expired.removed_at is not None
    assert bytes(current.content) == PDF and current.removed_at is None
    assert out.getvalue() == "Removed 1 file kept longer than 7 days.\n"
    removed = AuditEvent.objects.get(event="job_file.removed")
    assert removed.actor_id is None and removed.child_uuid == expired.child_uuid
    assert removed.detail["job"] == str(expired.job.uuid)
    # Run again: nothing left to remove, nothing more audited.
    call_command("jobs_remove_expired_files", stdout=(out := io.StringIO()))
    assert out.getvalue() == "Removed 0 files kept longer than 7 days.\n"
    assert AuditEvent.objects.filter(event="job_file.removed").count() == 1

    client = client_for(world.users["dpo"])
    assert client.get(f"/jobs/{expired.job.uuid}/file/").status_code == 404
    page = client.get(f"/jobs/{expired.job.uuid}/").content.decode()
    assert "was removed on" in page and f"/jobs/{expired.job.uuid}/file/" not in page
    assert client.get(f"/jobs/{current.job.uuid}/file/").content == PDF


def test_an_expired_file_is_refused_before_the_command_has_run(world: Any) -> None:
    file = _kept(world)
    JobFile.objects.filter(pk=file.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    client = client_for(world.users["dpo"])
    assert client.get(f"/jobs/{file.job.uuid}/file/").status_code == 404
    assert "past its retention period" in client.get(f"/jobs/{file.job.uuid}/").content.decode()
    assert not AuditEvent.objects.filter(event="subject_access.pack_downloaded").exists()


def test_a_job_without_a_file_has_nothing_to_download(world: Any) -> None:
    child = make_record(world, agency="city_csc").child
    job = job_start(actor=world.users["dpo"], kind=SUBJECT_ACCESS_PACK, params={"child": str(child.uuid)})
    assert client_for(world.users["dpo"]).get(f"/jobs/{job.uuid}/file/").status_code == 404
    assert client_for(world.users["dpo"]).post(f"/jobs/{job.uuid}/file/").status_code == 405
    assert Job.objects.count() == 1
