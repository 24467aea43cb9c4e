"""A reviewer clears the queue in a real browser: what matters first, bulk decisions (pairs another
agency decides offer no tick box), a "not the same" reopened and decided again, some records split
off, a disagreeing join checked.

Set SCREENSHOTS=<dir> to keep a screenshot of each step (for looking at the pages, not for asserting).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from django.utils import timezone

from joinedup.children.models import AgencyRecord
from joinedup.chronology.models import RecordCheckRequest
from joinedup.conftest import BrowserChecks, make_agreement, make_record
from joinedup.linkage.models import CandidatePair, CheckStatus, ChildJoin, JoinCheck, PairStatus
from joinedup.linkage.services import child_merge
from joinedup.referrals.models import Referral, ReferralStatus

pytestmark = pytest.mark.browser
D = dt.date


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def _pair(a: Any, b: Any, probability: float, conflict: str = "") -> CandidatePair:
    low, high = sorted((a, b), key=lambda r: r.pk)
    steps = [{"comparison": "Prior", "level": "", "weight": -9.9}, {"comparison": "Family name", "level": "Exact",
             "weight": 8.0}]  # fmt: skip
    return CandidatePair.objects.create(
        record_a=low, record_b=high, probability=probability, match_weight=1, waterfall=steps, conflict=conflict
    )


def test_a_reviewer_clears_the_queue(transactional_db: Any, world: Any, browser_checks: BrowserChecks) -> None:
    make_agreement(world, parties=("city_csc", "police", "city_school"), categories=("identity",))
    plain = _pair(
        make_record(world, given_names="Noah", family_name="Hall"),
        make_record(world, agency="police", given_names="Noah", family_name="Hall"),
        0.93,
    )
    across = _pair(
        make_record(world, given_names="Ruby", family_name="Evans"),
        make_record(world, agency="county_csc", given_names="Ruby", family_name="Evans", postcode="S80 1AA"),
        0.61,
        "Different dates of birth",
    )
    referred = make_record(world, given_names="Leo", family_name="Wright")
    Referral.objects.create(
        child=referred.child, referring_agency=world.agencies["city_school"], referrer_name="r",
        referrer_contact="c", child_details={"given_names": "Leo", "family_name": "Wright"},
        harm_types=["county_lines"], status=ReferralStatus.SUBMITTED, home_area=world.city,
        received_at=timezone.now(), decision_due_at=timezone.now(), created_by=world.users["practitioner"],
    )  # fmt: skip
    in_referral = _pair(referred, make_record(world, agency="police", given_names="Leo", family_name="Wright"), 0.55)
    blind = _pair(make_record(world, agency="health"), make_record(world, agency="county_csc"), 0.58)

    ui, page = browser_checks, browser_checks.page
    ui.sign_in("screener")
    ui.goto("/linkage/review/")
    _shot(page, "01-queue")
    rows = page.locator("#pairs tbody tr")
    assert "A child in an open referral" in rows.nth(0).inner_text()
    assert "Records in both areas" in rows.nth(1).inner_text()
    # The pair the screener cannot decide comes last, marked, with nothing to tick.
    assert "Another agency decides" in rows.nth(3).inner_text() and str(blind.uuid) in rows.nth(3).inner_html()
    assert page.locator(f"#pair-{blind.uuid}").count() == 0

    # Bulk: tick every pair on the page, one reason, not the same.
    page.check("#select-all")
    assert page.locator("input[name=pairs]:checked").count() == 3
    page.uncheck(f"#pair-{in_referral.uuid}")
    page.uncheck(f"#pair-{plain.uuid}")
    page.click("main button:has-text('Selected: not the same child')")
    ui.check()
    assert "Say why the selected pairs" in page.inner_text(".govuk-error-summary")
    _shot(page, "02-bulk-error")
    page.fill("#id_reason", "Different dates of birth confirmed by phone")
    page.click("main button:has-text('Selected: not the same child')")
    page.wait_for_url(f"{ui.base}/linkage/review/")
    ui.check()
    _shot(page, "03-bulk-done")
    body = page.inner_text("main")
    assert "Recorded not the same child for 1 pair." in body
    assert CandidatePair.objects.get(pk=across.pk).status == PairStatus.NOT_SAME
    assert CandidatePair.objects.get(pk=blind.pk).status == PairStatus.PENDING

    # The blind pair's page: who holds the records, and no decision.
    ui.goto(f"/linkage/review/{blind.uuid}/")
    assert page.locator("#know-of-only").count() == 1 and page.locator("#decide").count() == 0
    _shot(page, "04-blind-pair")

    # The decided pair, found again from the decided list, reopened and decided again.
    ui.goto("/linkage/review/?show=decided")
    page.click(f"a[href='/linkage/review/{across.uuid}/']")
    ui.check()
    page.fill("#id_reason", "The county record's date of birth was a typing slip")
    page.click("main button:has-text('Reopen this pair')")
    ui.check()
    _shot(page, "05-reopened")
    assert "waiting for a decision again" in page.inner_text("main")
    with page.expect_navigation():
        page.keyboard.press("s")
    ui.check()
    a = AgencyRecord.objects.get(pk=across.record_a_id)
    assert a.child_id == AgencyRecord.objects.get(pk=across.record_b_id).child_id

    # Some records split off: a third record joined in is a different child.
    third = make_record(world, agency="city_school", given_names="Rubie", family_name="Evans")
    child_merge(actor=None, children=[a.child, third.child], reason="Matched")
    ui.goto(f"/children/{a.child.uuid}/")
    page.click("#join-history a:has-text('Split some records off') >> nth=0")
    ui.check()
    _shot(page, "06-split-part")
    page.check(f"input[name=records][value='{third.uuid}']")
    page.fill("#id_reason", "Rubie is Ruby's cousin: a different child")
    page.check("#id_confirm")
    page.click("main button:has-text('Split these records off')")
    page.wait_for_url(f"{ui.base}/children/{a.child.uuid}/")
    ui.check()
    _shot(page, "07-after-split")
    assert AgencyRecord.objects.get(pk=third.pk).child_id != a.child_id
    assert ChildJoin.objects.filter(part_of__isnull=False).count() == 1

    # A join whose records disagree on date of birth: checked and confirmed, the school asked.
    own = make_record(world, given_names="Keith", family_name="Smith", date_of_birth=D(2012, 6, 10))
    school = make_record(
        world, agency="city_school", given_names="Keiht", family_name="Smith", date_of_birth=D(2012, 10, 6)
    )
    child_merge(actor=None, children=[own.child, school.child], reason="Reviewed: same child")
    check = JoinCheck.objects.get()
    ui.goto("/linkage/checks/")
    _shot(page, "08-checks")
    assert "10 June 2012 by City Children's Services" in page.inner_text("#checks")
    page.click(f"a[href='/linkage/checks/{check.uuid}/']")
    ui.check()
    page.click("main button:has-text('Confirm one child')")
    ui.check()
    _shot(page, "09-check-error")
    page.check(f"input[name=asks][value='{world.agencies['city_school'].uuid}:date_of_birth']")
    page.fill("#id_note", "Same school and address; the school swapped day and month")
    page.click("main button:has-text('Confirm one child')")
    page.wait_for_url(f"{ui.base}/linkage/checks/")
    ui.check()
    _shot(page, "10-checked")
    check.refresh_from_db()
    assert check.status == CheckStatus.CONFIRMED
    assert RecordCheckRequest.objects.get().to_agency == world.agencies["city_school"]
