"""The MACE coordinator prepares the meeting pack from the MACE list, waits for it and downloads it (Chromium)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from joinedup.audit.models import AuditEvent
from joinedup.chronology.tests.test_mace_pack import panel  # noqa: F401 - the fixture, used by name
from joinedup.conftest import BrowserChecks
from joinedup.jobs.models import Job, JobStatus

pytestmark = pytest.mark.browser


def test_the_coordinator_prepares_the_meeting_pack_waits_for_it_and_downloads_it(
    transactional_db: Any,
    world: Any,
    panel: Any,  # noqa: F811
    browser_checks: BrowserChecks,
    settings: Any,
) -> None:
    settings.JOBS_POLL_SECONDS = 1
    ui, page = browser_checks, browser_checks.page
    ui.sign_in(panel["coordinator"].username)
    ui.goto("/pathways/mace/")
    assert "Leah Pack-county" in page.inner_text("#mace-cases")
    page.click("#chronology-jobs a:has-text('Prepare the meeting pack (PDF)')")
    page.wait_for_url("**/children/mace-pack/new/")
    ui.check()
    page.click("main button:has-text('Prepare the meeting pack (PDF)')")  # nothing filled in: told what to give
    page.wait_for_selector(".govuk-error-summary")
    ui.check()
    assert "Enter the meeting's title." in page.inner_text(".govuk-error-summary")
    day = timezone.localdate() + dt.timedelta(days=7)
    page.fill("#id_title", "City and County MACE panel")
    page.fill("#id_meeting_date_day", str(day.day))
    page.fill("#id_meeting_date_month", str(day.month))
    page.fill("#id_meeting_date_year", str(day.year))
    page.click("main button:has-text('Prepare the meeting pack (PDF)')")
    page.wait_for_url("**/jobs/*-*/")
    job = Job.objects.get()
    assert page.url == f"{ui.base}/jobs/{job.uuid}/"
    ui.check()
    assert "Waiting to start" in page.inner_text("#job-state")

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert Job.objects.get().status == JobStatus.SUCCEEDED

    page.wait_for_selector("#job-file a", timeout=10_000)
    assert f"The meeting pack for City and County MACE panel on {day:%-d %B %Y} is ready: 2 children" in (
        page.inner_text("#job-result")
    )
    assert "Step 10 of 10" in page.inner_text("#job-progress")
    ui.check()
    with page.expect_download() as download:
        page.click("#job-file a")
    assert download.value.suggested_filename == f"mace-pack-{day:%Y-%m-%d}-city-and-county-mace-panel.pdf"
    path = download.value.path()
    assert path is not None and open(path, "rb").read(4) == b"%PDF"
    event = AuditEvent.objects.get(event="mace_pack.downloaded")
    assert set(event.detail["children"]) == {str(c.child.uuid) for c in panel["cases"]}
    ui.goto("/jobs/")
    assert "MACE meeting pack" in page.inner_text("#jobs")
