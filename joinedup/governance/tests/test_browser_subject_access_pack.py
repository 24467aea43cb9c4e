"""The DPO prepares a subject access pack from the review page, watches it finish, and downloads it, in Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from joinedup.audit.models import AuditEvent
from joinedup.conftest import BrowserChecks, make_record, same_child
from joinedup.jobs.models import Job, JobStatus

pytestmark = pytest.mark.browser


def test_the_dpo_prepares_the_pack_waits_for_it_and_downloads_it(
    transactional_db: Any, world: Any, browser_checks: BrowserChecks, settings: Any
) -> None:
    settings.JOBS_POLL_SECONDS = 1
    child = same_child(
        make_record(world, agency="city_csc", given_names="Ada", family_name="Packwood"),
        make_record(world, agency="city_school", given_names="Ada", family_name="Packwood"),
    )
    ui, page = browser_checks, browser_checks.page
    ui.sign_in("dpo")
    ui.goto(f"/governance/subject-access/?q={child.uuid}")
    page.click("main a:has-text('Ada Packwood')")
    page.wait_for_url(f"**/governance/subject-access/{child.uuid}/")
    ui.check()
    page.click("#subject-access-pack button:has-text('Prepare the subject access pack')")
    page.wait_for_url("**/jobs/*-*/")
    job = Job.objects.get()
    assert page.url == f"{ui.base}/jobs/{job.uuid}/"
    ui.check()
    assert "Waiting to start" in page.inner_text("#job-state")
    assert page.locator("#job-file").count() == 0

    # The worker, as `make run` starts it, makes the pack while the page is open.
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert Job.objects.get().status == JobStatus.SUCCEEDED

    # The page was not reloaded: its polling partial brought the result and the file in.
    page.wait_for_selector("#job-file a", timeout=10_000)
    assert "Finished" in page.inner_text("#job-state")
    assert "The subject access pack is ready" in page.inner_text("#job-result")
    ui.check()
    with page.expect_download() as download:
        page.click("#job-file a")
    assert download.value.suggested_filename == f"subject-access-{child.uuid}.pdf"
    path = download.value.path()
    assert path is not None and open(path, "rb").read(4) == b"%PDF"
    assert AuditEvent.objects.filter(event="subject_access.pack_downloaded", child_uuid=child.uuid).count() == 1
    # Back to the review the pack was made from.
    page.click("#job-result a")
    page.wait_for_url(f"{ui.base}/governance/subject-access/{child.uuid}/")
    ui.check()
