"""Background jobs run through the real worker (django-tasks-db's db_worker) against the test database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult

from joinedup.audit.models import AuditEvent
from joinedup.conftest import make_record
from joinedup.jobs.models import Job, JobKind, JobStatus
from joinedup.linkage.models import LinkageRun
from joinedup.linkage.services import linkage_model_activate, linkage_model_save


def work() -> None:
    """Run every queued task with the worker command, as `make run` and production do, then stop."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def records(world: Any) -> None:
    for i, (g, f) in enumerate([("Noah", "Hall"), ("Ruby", "Evans"), ("Leo", "Wright")] * 4):
        make_record(world, given_names=g, family_name=f, date_of_birth=dt.date(2008, 1 + i, 1 + i))
    make_record(world, agency="police", given_names="Noah", family_name="Hall", date_of_birth=dt.date(2008, 1, 1))


@pytest.mark.django_db(transaction=True)
def test_an_admin_starts_a_linkage_run_and_the_worker_finishes_it(world: Any, trained: dict[str, Any]) -> None:
    model = linkage_model_save(actor=None, parameters=trained, summary={"records": 60})
    linkage_model_activate(actor=None, model=model)
    records(world)
    admin = world.users["partnership_admin"]
    client = client_for(admin)

    response = client.post("/jobs/linkage/run/")
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.uuid}/"
    assert job.status == JobStatus.QUEUED and job.started_by == admin
    assert DBTaskResult.objects.filter(id=job.task_id, status="READY").exists()
    assert LinkageRun.objects.count() == 0  # nothing ran in the request

    page = client.get(f"/jobs/{job.uuid}/")
    assert 'hx-trigger="every 2s"' in page.content.decode() and "Waiting to start" in page.content.decode()

    work()

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert LinkageRun.objects.get().actor == admin
    assert job.result.startswith(f"Linkage run with model v{model.version} finished: pairs scored ")
    assert job.step == job.steps == 3
    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"
    partial = client.get(f"/jobs/{job.uuid}/", headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith("{%") is False and 'id="job-status"' in partial
    assert "hx-get" not in partial  # finished: the partial stops polling
    assert job.result in partial and "Finished" in partial
    events = list(AuditEvent.objects.filter(event__startswith="job.").values_list("event", "actor_id"))
    assert events == [("job.started", admin.pk), ("job.succeeded", admin.pk)]


@pytest.mark.django_db(transaction=True)
def test_a_run_with_no_model_in_use_fails_in_words(world: Any) -> None:
    client = client_for(world.users["partnership_admin"])
    client.post("/jobs/linkage/run/")
    work()
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert job.error == "No linkage model is in use. Train one, check it and put it in use, then start a run."
    page = client.get(f"/jobs/{job.uuid}/").content.decode()
    assert "What went wrong" in page and job.error in page
    assert AuditEvent.objects.filter(event="job.failed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_training_with_too_few_records_fails_in_words_and_saves_no_model(world: Any) -> None:
    records(world)
    client = client_for(world.users["partnership_admin"])
    client.post("/jobs/linkage/train/", {"seed": "3"})
    work()
    job = Job.objects.get()
    assert job.kind == JobKind.LINKAGE_TRAIN and job.params == {"seed": 3}
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("There are 13 agency records: at least 50 are needed to train a model.")


def test_training_refuses_a_bad_seed_and_queues_nothing(world: Any) -> None:
    client = client_for(world.users["partnership_admin"])
    response = client.post("/jobs/linkage/train/", {"seed": "many"})
    assert response.status_code == 400
    assert "Enter the seed as a whole number, like 1" in response.content.decode()
    assert Job.objects.count() == 0 and DBTaskResult.objects.count() == 0


def test_only_partnership_admins_may_start_linkage_jobs(world: Any) -> None:
    for role in ("screener", "practitioner", "dpo"):
        client = client_for(world.users[role])
        assert client.post("/jobs/linkage/run/").status_code == 403
        assert client.post("/jobs/linkage/train/").status_code == 403
    assert Job.objects.count() == 0 and DBTaskResult.objects.count() == 0


def test_a_job_is_hidden_from_people_who_did_not_start_it_unless_they_may_start_its_kind(world: Any) -> None:
    from joinedup.conftest import make_user
    from joinedup.jobs.services import job_start

    job = job_start(actor=world.users["partnership_admin"], kind=JobKind.LINKAGE_RUN, steps=3)
    other_admin = make_user(world, role="partnership_admin", agency="police")
    assert client_for(other_admin).get(f"/jobs/{job.uuid}/").status_code == 200
    assert client_for(world.users["screener"]).get(f"/jobs/{job.uuid}/").status_code == 404
    assert client_for(world.users["screener"]).get("/jobs/").content.decode().count("Linkage run") == 0


def test_the_linkage_models_page_offers_the_jobs_to_admins_only(world: Any) -> None:
    page = client_for(world.users["partnership_admin"]).get("/linkage/models/").content.decode()
    assert 'action="/jobs/linkage/run/"' in page and 'action="/jobs/linkage/train/"' in page
    page = client_for(world.users["screener"]).get("/linkage/models/").content.decode()
    assert "/jobs/linkage/run/" not in page


@pytest.mark.parametrize("role", ["practitioner", "screener", "exploitation_coordinator", "strategic_lead", "analyst",
                                  "participation_officer", "dpo", None])  # fmt: skip
def test_refused_starts_queue_nothing(world: Any, role: str | None) -> None:
    client = client_for(world.users[role]) if role else Client()
    for url in ("/jobs/linkage/run/", "/jobs/linkage/train/"):
        response = client.post(url)
        assert response.status_code == (403 if role else 302)
    assert Job.objects.count() == 0 and DBTaskResult.objects.count() == 0
    assert not AuditEvent.objects.filter(event__startswith="job.").exists()
