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
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from joinedup.audit.models import AuditEvent
from joinedup.chronology import packs
from joinedup.chronology.models import SignificantEvent
from joinedup.chronology.packs import MACE_PACK, RECENT_DAYS, STEPS
from joinedup.chronology.sources import category_for
from joinedup.conftest import make_agreement, make_record, make_user
from joinedup.jobs.models import Job, JobFile, JobStatus
from joinedup.partnership.roles import Role
from joinedup.pathways import services
from joinedup.pathways.definitions import shipped_definitions
from joinedup.pathways.models import Case

START = reverse("chronology:mace_pack_new")


def meeting(day: dt.date | None = None, title: str = "City and County MACE panel") -> dict[str, Any]:
    """The form's fields for a meeting (a fortnight from today unless given)."""
    day = day or timezone.localdate() + dt.timedelta(days=14)
    return {"title": title, "meeting_date_day": day.day, "meeting_date_month": day.month, "meeting_date_year": day.year}


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
    assert f'href="{START}"' in mace and "Prepare the meeting pack (PDF)" in mace
    assert client.get(START).status_code == 200

    day = timezone.localdate() + dt.timedelta(days=14)
    response = client.post(START, meeting(day))
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.uuid}/"
    assert job.kind == MACE_PACK and job.status == JobStatus.QUEUED
    assert not AuditEvent.objects.filter(event="chronology.exported").exists()  # nothing read in the request

    work()

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.step == job.steps == STEPS
    assert job.result.startswith(
        f"The meeting pack for City and County MACE panel on {day:%-d %B %Y} is ready: 2 children and "
    )
    assert "Pack-" not in job.result
    file = JobFile.objects.get(job=job)
    assert bytes(file.content).startswith(b"%PDF")
    assert file.filename == f"mace-pack-{day:%Y-%m-%d}-city-and-county-mace-panel.pdf"
    # Made a fortnight ahead, kept past the meeting (not the usual week), through the day after.
    assert timezone.localtime(file.expires_at).date() == day + dt.timedelta(days=2)
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
    client_for(panel["coordinator"]).post(START, meeting())
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
        assert client_for(world.users[role]).post(START, meeting()).status_code == 403, role
        assert client_for(world.users[role]).get(START).status_code == 403, role
    assert Client().post(START, meeting()).status_code == 302
    assert Job.objects.count() == 0 and DBTaskResult.objects.count() == 0
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_an_empty_list_makes_no_pack_and_says_why(world: Any) -> None:
    client_for(world.users["exploitation_coordinator"]).post(START, meeting())
    work()
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert job.error == "No case you may see is at the MACE panel stage: there is nothing to put in a pack."
    assert not JobFile.objects.exists() and not AuditEvent.objects.filter(event="mace_pack.exported").exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "  "}, "Enter the meeting&#x27;s title."),
        ({"title": "---"}, "Enter the meeting&#x27;s title in words."),
        ({"meeting_date_day": "", "meeting_date_month": "", "meeting_date_year": ""}, "Enter the date of the meeting."),
        ({"meeting_date_day": "31", "meeting_date_month": "2"}, "Meeting date must be a real date."),
        ({"meeting_date_year": "2001"}, "Meeting date must be today or in the future."),
        ({"meeting_date_year": str(dt.date.today().year + 3)}, "Meeting date must be within a year from today."),
    ],
)
def test_the_meeting_title_and_date_are_needed_and_checked_before_any_job_starts(
    world: Any, fields: dict[str, Any], message: str
) -> None:
    before = AuditEvent.objects.count()
    response = client_for(world.users["exploitation_coordinator"]).post(START, {**meeting(), **fields})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Job.objects.count() == 0 and DBTaskResult.objects.count() == 0
    assert AuditEvent.objects.count() == before


@pytest.fixture
def two_cases(world: Any) -> dict[str, Any]:
    """One child with a case at the MACE stage in each area."""
    make_agreement(
        world,
        parties=("city_csc", "county_csc", "police"),
        purposes=("direct_work", "mace_panel", "screening"),
        categories=("identity", "contact", "social_care"),
    )
    city = _mace_case(world, area="city")
    county = _mace_case(world, area="county")
    Case.objects.filter(pk=county.pk).update(child=city.child)
    county.refresh_from_db()
    return {"child": city.child, "cases": [city, county]}


def test_a_child_with_a_case_in_each_area_is_listed_once_with_both_cases(world: Any, two_cases: Any) -> None:
    coordinator = make_user(world, role=Role.EXPLOITATION_COORDINATOR, agency="police")
    page = client_for(coordinator).get(reverse("pathways:mace")).content.decode()
    table = page[page.index('id="mace-cases"') : page.index("</table>", page.index('id="mace-cases"'))]
    assert table.count('<tr class="govuk-table__row" id="mace-child-') == 1
    assert "2 cases at the panel" in table
    for case in two_cases["cases"]:
        assert reverse("pathways:case", args=[case.uuid]) in table
    assert "Test City" in table and "Test County" in table


@pytest.mark.django_db(transaction=True)
def test_the_pack_has_one_page_for_a_child_with_two_cases_and_lists_both(
    world: Any, two_cases: Any, monkeypatch: Any
) -> None:
    coordinator = make_user(world, role=Role.EXPLOITATION_COORDINATOR, agency="police")
    day = timezone.localdate() + dt.timedelta(days=3)
    client_for(coordinator).post(START, meeting(day, title="Spring panel"))
    captured: dict[str, Any] = {}
    real = packs.pdf_bytes

    def keep(*, template: str, context: dict[str, Any]) -> bytes:
        captured.update(context)
        captured["html"] = render_to_string(template, context)
        return real(template=template, context=context)

    monkeypatch.setattr(packs, "pdf_bytes", keep)  # the PDF's HTML, to read what its cover says
    work()
    job = Job.objects.get()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert "is ready: 1 child and " in job.result
    assert len(captured["pages"]) == 1 and len(captured["pages"][0].entry.cases) == 2
    html = captured["html"]
    assert "<h1>Spring panel</h1>" in html
    assert f"for the meeting on {day:%A %-d %B %Y}" in html
    assert "(2 cases)" in html and "Test City, City Children" in html and "Test County, County Children" in html
    assert JobFile.objects.get().filename == f"mace-pack-{day:%Y-%m-%d}-spring-panel.pdf"
    exported = AuditEvent.objects.get(event="mace_pack.exported")
    assert exported.detail["meeting"] == "Spring panel" and exported.detail["meeting_date"] == day.isoformat()
