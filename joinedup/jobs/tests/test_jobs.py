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
from joinedup.jobs.models import Job, JobStatus
from joinedup.linkage.jobs import LINKAGE_RUN, LINKAGE_TRAIN
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

    response = client.post("/jobs/start/linkage_run/")
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
    assert job.result.startswith(f"Linkage run with model v{model.version} finished: ")
    assert job.result.endswith(f"finished: {LinkageRun.objects.get().summary()}.")
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
    client.post("/jobs/start/linkage_run/")
    work()
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert job.error == "No linkage model is in use. Train one, check it and put it in use, then start a run."
    page = client.get(f"/jobs/{job.uuid}/").content.decode()
    assert "What went wrong" in page and job.error in page
    assert AuditEvent.objects.filter(event="job.failed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_part_a_watched_job_page_polls_says_when_the_job_ended(world: Any) -> None:
    """The page polls only its status part: a job watched to the end said "Finished" with no
    "Ended" until the page was reloaded, as the time sat outside the part swapped in."""
    client = client_for(world.users["partnership_admin"])
    client.post("/jobs/start/linkage_run/")
    job = Job.objects.get()
    running = client.get(f"/jobs/{job.uuid}/", headers={"HX-Request": "true"}).content.decode()
    assert "Ended" not in running
    work()
    job.refresh_from_db()
    partial = client.get(f"/jobs/{job.uuid}/", headers={"HX-Request": "true"}).content.decode()
    assert 'id="job-ended"' in partial and "Ended" in partial
    page = client.get(f"/jobs/{job.uuid}/").content.decode()
    assert page.count('<dt class="govuk-summary-list__key">Ended</dt>') == 1


@pytest.mark.django_db(transaction=True)
def test_training_with_too_few_records_fails_in_words_and_saves_no_model(world: Any) -> None:
    records(world)
    client = client_for(world.users["partnership_admin"])
    client.post("/jobs/start/linkage_train/", {"seed": "3"})
    work()
    job = Job.objects.get()
    assert job.kind == LINKAGE_TRAIN and job.params == {"seed": 3}
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("There are 13 agency records: at least 50 are needed to train a model.")


def test_training_refuses_a_bad_seed_and_queues_nothing(world: Any) -> None:
    client = client_for(world.users["partnership_admin"])
    response = client.post("/jobs/start/linkage_train/", {"seed": "many"})
    assert response.status_code == 400
    assert "Enter the seed as a whole number, like 1" in response.content.decode()
    assert Job.objects.count() == 0 and DBTaskResult.objects.count() == 0


def test_only_partnership_admins_may_start_linkage_jobs(world: Any) -> None:
    for role in ("screener", "practitioner", "dpo"):
        client = client_for(world.users[role])
        assert client.post("/jobs/start/linkage_run/").status_code == 403
        assert client.post("/jobs/start/linkage_train/").status_code == 403
    assert Job.objects.count() == 0 and DBTaskResult.objects.count() == 0


def test_a_job_is_hidden_from_people_who_did_not_start_it_unless_they_may_start_its_kind(world: Any) -> None:
    from joinedup.conftest import make_user
    from joinedup.jobs.services import job_start

    job = job_start(actor=world.users["partnership_admin"], kind=LINKAGE_RUN)
    other_admin = make_user(world, role="partnership_admin", agency="police")
    assert client_for(other_admin).get(f"/jobs/{job.uuid}/").status_code == 200
    assert client_for(world.users["screener"]).get(f"/jobs/{job.uuid}/").status_code == 404
    assert client_for(world.users["screener"]).get("/jobs/").content.decode().count("Linkage run") == 0


def test_the_linkage_models_page_offers_the_jobs_to_admins_only(world: Any) -> None:
    page = client_for(world.users["partnership_admin"]).get("/linkage/models/").content.decode()
    assert 'action="/jobs/start/linkage_run/"' in page and 'action="/jobs/start/linkage_train/"' in page
    page = client_for(world.users["screener"]).get("/linkage/models/").content.decode()
    assert "/jobs/start/linkage_run/" not in page


@pytest.mark.parametrize("role", ["practitioner", "screener", "exploitation_coordinator", "strategic_lead", "analyst",
                                  "participation_officer", "dpo", None])  # fmt: skip
def test_refused_starts_queue_nothing(world: Any, role: str | None) -> None:
    client = client_for(world.users[role]) if role else Client()
    for url in ("/jobs/start/linkage_run/", "/jobs/start/linkage_train/"):
        response = client.post(url)
        assert response.status_code == (403 if role else 302)
    assert Job.objects.count() == 0 and DBTaskResult.objects.count() == 0
    assert not AuditEvent.objects.filter(event__startswith="job.").exists()


def test_linkage_registers_its_kinds_from_its_own_app() -> None:
    from joinedup.jobs.registry import job_kind, job_kinds

    assert [entry.kind for entry in job_kinds("linkage")] == [LINKAGE_TRAIN, LINKAGE_RUN]
    assert job_kind(LINKAGE_RUN).handler.__module__ == "joinedup.linkage.jobs"  # type: ignore[union-attr]


def test_an_unregistered_kind_is_refused_by_the_model_the_service_and_the_start_url(world: Any) -> None:
    from django.core.exceptions import ValidationError

    from joinedup.jobs.services import job_start

    admin = world.users["partnership_admin"]
    with pytest.raises(ValidationError, match="Unknown kind of job 'nightly_magic'"):
        job_start(actor=admin, kind="nightly_magic")
    job = Job(kind="nightly_magic", started_by=admin)
    with pytest.raises(ValidationError) as raised:
        job.full_clean()
    assert "kind" in raised.value.message_dict
    assert client_for(admin).post("/jobs/start/nightly_magic/").status_code == 404
    assert Job.objects.count() == 0 and DBTaskResult.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_kind_registered_by_any_app_runs_with_its_own_permission_and_scope(world: Any) -> None:
    """A kind is a registration, not a code change in jobs: register one here, start it, run the worker."""
    from joinedup.conftest import make_user
    from joinedup.jobs.registry import _KINDS, register_job_kind
    from joinedup.jobs.services import job_start

    def count_agencies(job: Job, report: Any) -> tuple[str, str]:
        report("Counting", 1)
        return f"Counted for {job.agency.name}.", ""  # type: ignore[union-attr]

    register_job_kind(
        kind="test_count", label="Count agencies", steps=2, handler=count_agencies,
        perm="create_agency_record", scope="agency",
    )  # fmt: skip
    try:
        practitioner = world.users["practitioner"]
        job = job_start(actor=practitioner, kind="test_count")
        assert job.agency == world.agencies["city_csc"] and job.steps == 2
        work()
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED and job.result == "Counted for City Children's Services."
        # Agency scope: a colleague who may start it sees it; the same role at another agency does not.
        colleague = make_user(world, role="practitioner")
        elsewhere = make_user(world, role="practitioner", agency="police")
        assert client_for(colleague).get(f"/jobs/{job.uuid}/").status_code == 200
        assert client_for(elsewhere).get(f"/jobs/{job.uuid}/").status_code == 404
        assert client_for(world.users["dpo"]).get(f"/jobs/{job.uuid}/").status_code == 404
        assert "Count agencies" in client_for(colleague).get("/jobs/").content.decode()
    finally:
        del _KINDS["test_count"]
