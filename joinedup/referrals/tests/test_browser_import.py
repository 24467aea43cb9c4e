"""A referrer uploads a file of more than 200 referrals, watches it import, and the screener finds them (Chromium)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from joinedup.conftest import BrowserChecks
from joinedup.jobs.models import Job, JobStatus
from joinedup.referrals.models import Referral, ReferralImport, ReferralStatus
from joinedup.referrals.tests.test_import_job import referral_csv

pytestmark = pytest.mark.browser


def test_a_referrer_imports_250_referrals_in_the_background_and_the_screener_sees_them(
    transactional_db: Any, world: Any, browser_checks: BrowserChecks, settings: Any
) -> None:
    settings.JOBS_POLL_SECONDS = 1
    ui, page = browser_checks, browser_checks.page
    ui.sign_in("practitioner")
    ui.goto("/referrals/new/")
    page.click("#import-link a")
    page.wait_for_url("**/referrals/import/")
    ui.check()
    assert "Files of up to 200 rows are sent for screening while you wait" in page.inner_text("main")
    page.set_input_files(
        "#file", files=[{"name": "half-term.csv", "mimeType": "text/csv", "buffer": referral_csv(250).encode()}]
    )
    page.click("main button:has-text('Check and import')")
    page.wait_for_url("**/jobs/*-*/")
    job = Job.objects.get()
    assert page.url == f"{ui.base}/jobs/{job.uuid}/"
    ui.check()
    assert "Import referrals" in page.inner_text("h1")
    assert "Waiting to start" in page.inner_text("#job-state")
    assert "Step 0 of 4" in page.inner_text("#job-progress")
    assert "Started by\tPractitioner" in page.inner_text("#job-about")
    assert not Referral.objects.exists()

    # The worker, as `make run` starts it, picks the job up while the page is open.
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert Job.objects.get().status == JobStatus.SUCCEEDED

    # The page was not reloaded: its polling partial brought the result in.
    page.wait_for_selector("#job-result", timeout=10_000)
    assert "Finished" in page.inner_text("#job-state")
    assert "Step 4 of 4" in page.inner_text("#job-progress")
    assert "Sent 250 referrals from half-term.csv for screening." in page.inner_text("#job-result")
    ui.check()
    page.click("#job-result a")
    imp = ReferralImport.objects.get()
    page.wait_for_url(f"{ui.base}/referrals/import/{imp.uuid}/")
    ui.check()
    assert "250 referrals sent for screening" in page.inner_text("#import-result")
    assert Referral.objects.filter(status=ReferralStatus.SUBMITTED).count() == 250
    page.click("button:has-text('Sign out')")

    ui.sign_in("screener")
    ui.goto("/pathways/screening/")
    queue = page.inner_text("#queue")
    # The queue shows 50 a page, most urgent first, and says how many wait.
    assert "250 waiting: 1 to 50 shown." in page.inner_text("#waiting-count")
    assert "Child0 Import-0" in queue
    ui.goto("/pathways/screening/?page=5")
    assert "Child249 Import-249" in page.inner_text("#queue")
