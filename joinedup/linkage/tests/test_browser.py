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
        make_record(world, given_names=g, family_name=f, date_of_birth=dt.date(2008, 1 + i, 2 + i))
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
    assert "Joined: 2 records, 1 moved in from another child" in history and "Reviewed: same child" in history
    page.click("#join-history a[href$='/split/']")
    ui.check()
    page.fill("#id_reason", "Different dates of birth, confirmed with the school")
    page.check("#id_confirm")
    page.click("main button:has-text('Split the records')")
    page.wait_for_url(f"{ui.base}/children/{council.child.uuid}/")
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


def test_a_split_survives_the_next_linkage_run_and_old_addresses_say_where_records_went(
    transactional_db: Any, world: Any, trained: dict[str, Any], browser_checks: BrowserChecks
) -> None:
    from io import StringIO

    from django.core.management import call_command

    make_agreement(world, parties=("city_csc", "police"), purposes=("screening", "direct_work"))
    for i, (g, f) in enumerate([("Noah", "Hall"), ("Ruby", "Evans"), ("Leo", "Wright")] * 4):
        make_record(world, given_names=g, family_name=f, date_of_birth=dt.date(2008, 1 + i, 2 + i))
    details = {"given_names": "Kieran", "family_name": "Oduya", "date_of_birth": dt.date(2010, 5, 6),
               "nhs_number": "9434765919", "postcode": "NG7 1AA"}  # fmt: skip
    council = make_record(world, **details)
    police = make_record(world, agency="police", **details)
    old_police_child = police.child
    linkage_model_activate(actor=None, model=linkage_model_save(actor=None, parameters=trained, summary={}))
    call_command("linkage_run", stdout=StringIO())  # the run joins the police record to the council's child
    joined = AgencyRecord.objects.get(pk=council.pk).child
    assert AgencyRecord.objects.get(pk=police.pk).child_id == joined.pk
    # A health record joins at intake, wrongly: the reviewer will split it.
    wrong = make_record(world, agency="health", **details)
    assert wrong.child_id == joined.pk

    ui, page = browser_checks, browser_checks.page
    ui.sign_in("screener")
    ui.goto(f"/children/{old_police_child.uuid}/")
    moved = page.inner_text("main")
    assert "records have moved" in moved and "Kieran Oduya" in moved
    page.click(f"#moved-to a[href='/children/{joined.uuid}/']")
    ui.check()
    page.click("#join-history tr:has-text('Matched as the record was added') a[href$='/split/']")
    ui.check()
    assert "Shire Health Trust" in page.inner_text("#split-groups")
    page.click("main button:has-text('Split the records')")  # no reason, not confirmed
    ui.check()
    summary = page.inner_text(".govuk-error-summary")
    assert "Say why these records are not the same child." in summary and "Confirm that you have checked" in summary
    assert AgencyRecord.objects.get(pk=wrong.pk).child_id == joined.pk
    page.fill("#id_reason", "The health record is a different child: another school and GP")
    page.check("#id_confirm")
    page.click("main button:has-text('Split the records')")
    page.wait_for_url(f"{ui.base}/children/{joined.uuid}/")
    ui.check()
    assert AgencyRecord.objects.get(pk=wrong.pk).child_id != joined.pk

    call_command("linkage_run", stdout=StringIO())  # the next run must not join them back
    assert AgencyRecord.objects.get(pk=wrong.pk).child_id != joined.pk
    assert AgencyRecord.objects.get(pk=police.pk).child_id == joined.pk
    ui.goto(f"/children/{joined.uuid}/")
    assert "Shire Police" in page.inner_text("main") and f"record-{wrong.uuid}" not in page.content()
    assert "(since split)" in page.inner_text("#join-history")
    ui.goto(f"/children/{old_police_child.uuid}/")
    assert "records have moved" in page.inner_text("main")
    assert page.locator(f"#moved-to a[href='/children/{joined.uuid}/']").count() == 1
