"""The MACE meeting pack: started from the MACE list, made by the real worker, downloaded by its starter only.

A page per child on the list as the starter sees it, each child opened and its
recent chronology read as the chronology's own export would (audited per
child), the pack audited with the children in it, and each download too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from joinedup.audit.models import AuditEvent
from joinedup.chronology.models import SignificantEvent
from joinedup.chronology.packs import MACE_PACK, RECENT_DAYS, STEPS
from joinedup.chronology.sources import category_for
from joinedup.conftest import make_agreement, make_record, make_user
from joinedup.jobs.models import Job, JobFile, JobStatus
from joinedup.partnership.roles import Role
from joinedup.pathways import services
from joinedup.pathways.definitions import shipped_definitions
from joinedup.pathways.models import Case

START = reverse("jobs:start", args=[MACE_PACK])


def work() -> None:
    """Run every queued task with the worker command, as `make run` and production do, then stop."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _mace_case(world: Any, *, area: str) -> Case:
    """A case led by the area's children's social care at the MACE stage, with a recent and an old event."""
    agency = f"{area}_csc"
    definition = shipped_definitions()["efh-county@1" if area == "county" else "efh-city@1"]
    record = make_record(world, agency=agency, given_names="Leah", family_name=f"Pack-{area}")
    case = services.case_open(
        actor=world.users["screener"],
        child=record.child,
        definition=definition,
        area=getattr(world, area),
        lead_agency=world.agencies[agency],
    )
    Case.objects.filter(pk=case.pk).update(stage_id="mace")
    for days, summary in ((20, "Missing overnight, found in another city."), (400, "An old episode.")):
        SignificantEvent.objects.create(
            child=record.child,
            agency=world.agencies[agency],
            category=category_for(world.agencies[agency]),
            kind="missing_episode",
            occurred_on=timezone.localdate() - dt.timedelta(days=days),
            summary=summary,
            source="Return interview",
            recorded_by=world.users["practitioner"],
        )
    case.refresh_from_db()
    return case


@pytest.fixture
def panel(world: Any) -> dict[str, Any]:
    make_agreement(
        world,
        parties=("city_csc", "county_csc", "police"),
        purposes=("direct_work", "mace_panel", "screening"),
        categories=("identity", "contact", "social_care"),
    )
    county, city = _mace_case(world, area="county"), _mace_case(world, area="city")
    elsewhere = _mace_case(world, area="county")
    Case.objects.filter(pk=elsewhere.pk).update(stage_id="plan")
    coordinator = make_user(world, role=Role.EXPLOITATION_COORDINATOR, agency="police")
    return {"coordinator": coordinator, "cases": [county, city], "elsewhere": elsewhere}


@pytest.mark.django_db(transaction=True)
def test_the_coordinator_prepares_the_pack_from_the_mace_list_and_downloads_it(world: Any, panel: Any) -> None:
    coordinator = panel["coordinator"]
    client = client_for(coordinator)
    mace = client.get(reverse("pathways:mace")).content.decode()
    assert f'action="{START}"' in mace and "Prepare the meeting pack (PDF)" in mace

    response = client.post(START)
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.uuid}/"
    assert job.kind == MACE_PACK and job.status == JobStatus.QUEUED
    assert not AuditEvent.objects.filter(event="chronology.exported").exists()  # nothing read in the request

    work()

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.step == job.steps == STEPS
    assert job.result.startswith("The meeting pack is ready: 2 children and ")
    assert "Pack-" not in job.result
    file = JobFile.objects.get(job=job)
    assert bytes(file.content).startswith(b"%PDF") and file.filename.startswith("mace-pack-")
    children = {str(c.child.uuid) for c in panel["cases"]}

    # Each child was opened and its chronology read for the panel, from six months back.
    reads = AuditEvent.objects.filter(event="chronology.exported", actor_id=coordinator.pk)
    assert {str(e.child_uuid) for e in reads} == children
    since = (timezone.localdate() - dt.timedelta(days=RECENT_DAYS)).isoformat()
    assert {(e.purpose, e.detail["from"]) for e in reads} == {("mace_panel", since)}
    assert AuditEvent.objects.filter(event="child.viewed", actor_id=coordinator.pk).count() == 2
    exported = AuditEvent.objects.get(event="mace_pack.exported")
    assert set(exported.detail["children"]) == children and exported.detail["rows"] == 2
    assert str(panel["elsewhere"].child.uuid) not in exported.detail["children"]

    page = client.get(f"/jobs/{job.uuid}/").content.decode()
    assert f'href="/jobs/{job.uuid}/file/"' in page
    download = client.get(f"/jobs/{job.uuid}/file/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(event="mace_pack.downloaded")
    assert event.actor_id == coordinator.pk and event.purpose == "mace_panel"
    assert set(event.detail["children"]) == children and event.detail["job"] == str(job.uuid)


@pytest.mark.django_db(transaction=True)
def test_only_its_starter_sees_the_pack_even_a_colleague_running_the_panel(world: Any, panel: Any) -> None:
    client_for(panel["coordinator"]).post(START)
    work()
    job = Job.objects.get(status=JobStatus.SUCCEEDED)
    others = [
        make_user(world, role=Role.EXPLOITATION_COORDINATOR, agency="police"),
        make_user(world, role=Role.EXPLOITATION_COORDINATOR, agency="city_csc"),
        world.users["dpo"],
        world.users["practitioner"],
    ]
    for user in others:
        client = client_for(user)
        assert client.get(f"/jobs/{job.uuid}/file/").status_code == 404, user.username
        assert client.get(f"/jobs/{job.uuid}/").status_code == 404, user.username
        assert str(job.uuid) not in client.get("/jobs/").content.decode()
    assert not AuditEvent.objects.filter(event="mace_pack.downloaded").exists()


def test_roles_that_do_not_run_the_panel_cannot_start_a_pack(world: Any) -> None:
    before = AuditEvent.objects.count()
    for role in Role.values:
        if role == Role.EXPLOITATION_COORDINATOR:
            continue
        assert client_for(world.users[role]).post(START).status_code == 403, role
    assert Client().post(START).status_code == 302
    assert Job.objects.count() == 0 and DBTaskResult.objects.count() == 0
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_an_empty_list_makes_no_pack_and_says_why(world: Any) -> None:
    client_for(world.users["exploitation_coordinator"]).post(START)
    work()
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert job.error == "No case you may see is at the MACE panel stage: there is nothing to put in a pack."
    assert not JobFile.objects.exists() and not AuditEvent.objects.filter(event="mace_pack.exported").exists()
