"""The subject access pack as a background job: the DPO starts it, the real worker makes it, the DPO downloads it.

Downloads are audited once each; roles that may not answer subject access
requests, and other partnerships, can neither start nor download one, and a
refusal changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from joinedup.audit.models import AuditEvent
from joinedup.conftest import World, make_record, make_user, same_child
from joinedup.governance.jobs import SUBJECT_ACCESS_PACK
from joinedup.jobs.models import Job, JobFile, JobStatus
from joinedup.partnership.models import Agency, Area, Membership, Partnership
from joinedup.partnership.roles import Role


def work() -> None:
    """Run every queued task with the worker command, as `make run` and production do, then stop."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _child(world: Any) -> Any:
    return same_child(
        make_record(world, agency="city_csc", given_names="Ada", family_name="Packwood"),
        make_record(world, agency="city_school", given_names="Ada", family_name="Packwood"),
    )


def _other_partnership_dpo() -> Any:
    partnership = Partnership.objects.create(name="Second Partnership")
    area = Area.objects.create(partnership=partnership, name="Second Town", short_name="Second", code="E06000099")
    agency = Agency.objects.create(
        partnership=partnership, name="Second Children's Services", agency_type="childrens_social_care"
    )
    agency.areas.set([area])
    other = World(partnership=partnership, city=area, county=area, agencies={"csc": agency})
    return make_user(other, role="dpo", agency="csc")


@pytest.mark.django_db(transaction=True)
def test_the_dpo_prepares_the_pack_and_downloads_it_each_download_audited(world: Any) -> None:
    child = _child(world)
    dpo = world.users["dpo"]
    client = client_for(dpo)
    review = client.get(reverse("governance:subject_access_review", args=[child.uuid])).content.decode()
    assert "Prepare the subject access pack" in review

    response = client.post(reverse("governance:subject_access_pack", args=[child.uuid]))
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.uuid}/"
    assert job.kind == SUBJECT_ACCESS_PACK and job.params == {"child": str(child.uuid)}
    assert job.status == JobStatus.QUEUED and not JobFile.objects.exists()  # nothing made in the request
    page = client.get(f"/jobs/{job.uuid}/").content.decode()
    assert 'hx-trigger="every 2s"' in page and "jobs/" + str(job.uuid) + "/file/" not in page

    work()

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result.startswith("The subject access pack is ready: 1 record and 0 disclosures")
    assert "Packwood" not in job.result  # the job's page is not an audited read of the child
    file = JobFile.objects.get(job=job)
    assert bytes(file.content).startswith(b"%PDF") and file.size == len(bytes(file.content))
    exported = AuditEvent.objects.get(event="subject_access.exported")
    assert exported.child_uuid == child.uuid and exported.detail["channel"] == "pack"

    page = client.get(f"/jobs/{job.uuid}/", headers={"HX-Request": "true"}).content.decode()
    assert f'href="/jobs/{job.uuid}/file/"' in page and "hx-get" not in page
    for n in (1, 2):
        download = client.get(f"/jobs/{job.uuid}/file/")
        assert download.status_code == 200
        assert download["Content-Type"] == "application/pdf"
        assert download["Content-Disposition"] == f'attachment; filename="subject-access-{child.uuid}.pdf"'
        assert download.content.startswith(b"%PDF")
        events = AuditEvent.objects.filter(event="subject_access.pack_downloaded")
        assert events.count() == n, "one audit event per download"
        last = events.order_by("id").last()
        assert last is not None and last.actor_id == dpo.pk and last.child_uuid == child.uuid
        assert last.purpose == "data_protection" and last.detail["job"] == str(job.uuid)
        assert last.detail["format"] == "pdf"


@pytest.mark.django_db(transaction=True)
def test_another_dpo_of_the_partnership_downloads_it_and_nobody_else_does(world: Any) -> None:
    child = _child(world)
    client_for(world.users["dpo"]).post(reverse("governance:subject_access_pack", args=[child.uuid]))
    work()
    job = Job.objects.get(status=JobStatus.SUCCEEDED)
    url = f"/jobs/{job.uuid}/file/"

    colleague = make_user(world, role="dpo", agency="police")
    assert client_for(colleague).get(url).status_code == 200
    downloads = AuditEvent.objects.filter(event="subject_access.pack_downloaded").count()
    refused = [make_user(world, role=r, agency="city_csc") for r in Role.values if r != Role.DATA_PROTECTION_OFFICER]
    for user in [*refused, _other_partnership_dpo()]:
        assert client_for(user).get(url).status_code == 404, user.username
        assert client_for(user).get(f"/jobs/{job.uuid}/").status_code == 404, user.username
    assert Client().get(url).status_code == 302  # sign in first
    assert AuditEvent.objects.filter(event="subject_access.pack_downloaded").count() == downloads


def test_roles_that_do_not_answer_requests_cannot_start_one_and_nothing_is_queued(world: Any) -> None:
    child = _child(world)
    url = reverse("governance:subject_access_pack", args=[child.uuid])
    before = AuditEvent.objects.count()
    for role in Role.values:
        if role == Role.DATA_PROTECTION_OFFICER:
            continue
        assert client_for(world.users[role]).post(url).status_code == 403, role
    assert Client().post(url).status_code == 302
    assert client_for(world.users["dpo"]).get(url).status_code == 405  # a start is a POST
    assert Job.objects.count() == 0 and DBTaskResult.objects.count() == 0
    assert AuditEvent.objects.count() == before


def test_a_dpo_of_another_partnership_cannot_start_one_for_this_child(world: Any) -> None:
    child = _child(world)
    response = client_for(_other_partnership_dpo()).post(reverse("governance:subject_access_pack", args=[child.uuid]))
    assert response.status_code == 404
    assert Job.objects.count() == 0 and DBTaskResult.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_starter_who_is_no_longer_a_dpo_gets_no_pack_in_words(world: Any) -> None:
    child = _child(world)
    dpo = make_user(world, role="dpo", agency="city_csc")
    client_for(dpo).post(reverse("governance:subject_access_pack", args=[child.uuid]))
    Membership.objects.filter(user=dpo).update(role=Role.PRACTITIONER)
    work()
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert job.error == (
        "The pack was not made: you no longer answer subject access requests for this child's partnership."
    )
    assert not JobFile.objects.exists()
    assert not AuditEvent.objects.filter(event="subject_access.exported").exists()


@pytest.mark.django_db(transaction=True)
def test_a_starter_who_lost_the_role_after_it_was_made_cannot_download_it(world: Any) -> None:
    child = _child(world)
    dpo = make_user(world, role="dpo", agency="city_csc")
    client = client_for(dpo)
    client.post(reverse("governance:subject_access_pack", args=[child.uuid]))
    work()
    job = Job.objects.get(status=JobStatus.SUCCEEDED)
    Membership.objects.filter(user=dpo).update(role=Role.PRACTITIONER)
    assert client.get(f"/jobs/{job.uuid}/file/").status_code == 403
    page = client.get(f"/jobs/{job.uuid}/").content.decode()  # still their own job
    assert "your role may not download it" in page and f"/jobs/{job.uuid}/file/" not in page
    assert not AuditEvent.objects.filter(event="subject_access.pack_downloaded").exists()


@pytest.mark.django_db(transaction=True)
def test_the_pack_follows_the_decisions_as_they_stand_when_it_is_made(world: Any) -> None:
    # A social care record may be exempt: undecided, it is left out of the pack as from the letter.
    child = _child(world)
    client_for(world.users["dpo"]).post(reverse("governance:subject_access_pack", args=[child.uuid]))
    work()
    exported = AuditEvent.objects.get(event="subject_access.exported")
    assert exported.detail["records"] == 1 and len(exported.detail["withheld"]) == 1
    assert Job.objects.get().result.startswith("The subject access pack is ready: 1 record and 0 disclosures")
    assert (
        dt.timedelta(days=7) - dt.timedelta(minutes=5)
        < (
            JobFile.objects.get().expires_at - Job.objects.get().finished_at  # type: ignore[operator]
        )
        <= dt.timedelta(days=7)
    )
