"""A partnership admin starts a linkage run from the linkage page and watches it finish, in Chromium."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command

from joinedup.conftest import BrowserChecks, make_record
from joinedup.jobs.models import Job, JobStatus
from joinedup.linkage.models import LinkageRun
from joinedup.linkage.services import linkage_model_activate, linkage_model_save

pytestmark = pytest.mark.browser


def test_an_admin_starts_a_run_from_the_linkage_page_and_sees_it_finish(
    transactional_db: Any, world: Any, trained: dict[str, Any], browser_checks: BrowserChecks, settings: Any
) -> None:
    settings.JOBS_POLL_SECONDS = 1
    model = linkage_model_save(actor=None, parameters=trained, summary={"records": 60})
    linkage_model_activate(actor=None, model=model)
    for i, (g, f) in enumerate([("Noah", "Hall"), ("Ruby", "Evans"), ("Leo", "Wright")] * 4):
        make_record(world, given_names=g, family_name=f, date_of_birth=dt.date(2008, 1 + i, 1 + i))

    ui, page = browser_checks, browser_checks.page
    ui.sign_in("partnership_admin")
    ui.goto("/linkage/models/")
    page.click("#linkage-jobs button:has-text('Start a linkage run')")
    page.wait_for_url("**/jobs/*-*/")
    job = Job.objects.get()
    assert page.url == f"{ui.base}/jobs/{job.uuid}/"
    ui.check()
    assert "Waiting to start" in page.inner_text("#job-state")
    assert "Started by\tPartnership_Admin" in page.inner_text("#job-about")

    # The worker, as `make run` starts it, picks the job up while the page is open.
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert Job.objects.get().status == JobStatus.SUCCEEDED

    # The page was not reloaded: its polling partial brought the result in.
    page.wait_for_selector("#job-result", timeout=10_000)
    assert "Finished" in page.inner_text("#job-state")
    assert f"Linkage run with model v{model.version} finished" in page.inner_text("#job-result")
    assert "Step 3 of 3" in page.inner_text("#job-progress")
    ui.check()
    assert LinkageRun.objects.count() == 1
    page.click("#job-result a")
    page.wait_for_url(f"{ui.base}/linkage/models/")  # where runs are listed, open to whoever started it
