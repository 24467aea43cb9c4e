"""Joining the dots in a real browser: review a pair, see why, decide, see the child change, split again."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from joinedup.children.models import AgencyRecord
from joinedup.conftest import BrowserChecks, make_agreement, make_record
from joinedup.linkage.models import CandidatePair, PairStatus
from joinedup.linkage.services import linkage_model_activate, linkage_model_save

pytestmark = pytest.mark.browser


@pytest.fixture
def live_world(transactional_db: Any, world: Any, trained: dict[str, Any]) -> Any:
    make_agreement(world, parties=("city_csc", "police"), purposes=("screening", "direct_work"))
    model = linkage_model_save(actor=None, parameters=trained, summary={"records": 60})
    # A wide band, so the test's near-match is reviewed rather than joined.
    linkage_model_activate(actor=None, model=model, upper=0.99999999, lower=0.01)
    for i, (g, f) in enumerate([("Noah", "Hall"), ("Ruby", "Evans"), ("Leo", "Wright")] * 4):
        make_record(world, given_names=g, family_name=f, date_of_birth=dt.date(2008, 1 + i, 1 + i))
    world.model = model
    return world


def test_review_a_pair_decide_see_the_child_change_and_split(live_world: Any, browser_checks: BrowserChecks) -> None:
    world = live_world
    council = make_record(world, given_names="Kieran", family_name="Oduya", date_of_birth=dt.date(2010, 5, 6))
    police = make_record(
        world, agency="police", given_names="Kieran", family_name="Oduya", date_of_birth=dt.date(2011, 5, 6)
    )
    assert council.child_id != police.child_id
    pair = CandidatePair.objects.get(status=PairStatus.PENDING)

    ui, page = browser_checks, browser_checks.page
    ui.sign_in("screener")
    ui.goto("/linkage/review/")
    page.click(f"a[href='/linkage/review/{pair.uuid}/']")
    ui.check()
    waterfall = page.inner_text("#waterfall")
    assert "Prior" in waterfall and "Given name: exact" in waterfall and "Date of birth" in waterfall
    side = page.inner_text("#side-by-side")
    assert "Shire Police" in side and "Kieran" in side
    page.keyboard.press("s")  # the keyboard shortcut for "same child"
    page.wait_for_url(f"{ui.base}/linkage/review/")
    ui.check()
    assert AgencyRecord.objects.get(pk=police.pk).child_id == council.child_id

    ui.goto(f"/children/{council.child.uuid}/")
    assert "Shire Police" in page.inner_text("main")
    history = page.inner_text("#join-history")
    assert "Joined: 1 record" in history and "Reviewed: same child" in history
    page.click("#join-history button:has-text('Split again')")
    ui.check()
    assert AgencyRecord.objects.get(pk=police.pk).child_id == police.child_id
    assert CandidatePair.objects.get(pk=pair.pk).status == PairStatus.NOT_SAME
    ui.goto(f"/children/{council.child.uuid}/")
    assert "(since split)" in page.inner_text("#join-history")


def test_the_model_page_draws_splinks_chart_within_the_csp(live_world: Any, browser_checks: BrowserChecks) -> None:
    ui, page = browser_checks, browser_checks.page
    ui.sign_in("partnership_admin")
    ui.goto("/linkage/models/")
    page.click(f"a[href='/linkage/models/{live_world.model.uuid}/']")
    page.wait_for_selector("#match-weights-chart[data-rendered]")
    assert page.get_attribute("#match-weights-chart", "data-rendered") == "true"
    assert page.locator("#match-weights-chart svg").count() >= 1
    ui.check()  # no console errors: a CSP violation would be one
    page.fill("#id_lower_threshold", "0.99999999")
    page.click("text=Save thresholds")
    ui.check()
    assert "must be below the upper one" in page.inner_text(".govuk-error-summary")
