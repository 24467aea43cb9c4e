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


def test_the_model_chart_names_comparisons_in_words(live_world: Any, browser_checks: BrowserChecks) -> None:
    """A walk-through found the chart labelled with Splink's column names (`given`, `dob`) where
    the table below it, and every pair's waterfall, say "Given name" and "Date of birth"."""
    ui, page = browser_checks, browser_checks.page
    ui.sign_in("screener")
    ui.goto(f"/linkage/models/{live_world.model.uuid}/")
    page.wait_for_selector("#match-weights-chart[data-rendered='true']")
    drawn = set(page.eval_on_selector_all("#match-weights-chart svg text", "els => els.map(e => e.textContent)"))
    assert {"Given name", "Family name", "Date of birth", "NHS number", "UPN or other identifier"} <= drawn
    assert not drawn & {"given", "family", "dob", "sex", "postcode", "nhs_number", "identifier"}
    # The same words as the table of figures, which the chart stands beside.
    page.click("summary:has-text('The same figures as a table')")
    table = page.inner_text("#parameters")
    assert "Date of birth" in table and "Given name" in table
    # The chart picks the prior's bar out by its (now worded) name: one bar of its own, not a
    # comparison's row.
    assert page.eval_on_selector_all("#match-weights-chart svg .mark-rect", "els => els[0].children.length") == 1
    assert "Prior (before comparing)" not in drawn
    tooltips = page.inner_text("#match-weights-spec")
    assert '"title": "SQL condition"' not in tooltips and '"title": "Comparison name"' not in tooltips


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


def test_a_runs_kept_apart_figure_is_the_same_on_the_job_and_the_run_list(
    transactional_db: Any, world: Any, trained: dict[str, Any], browser_checks: BrowserChecks
) -> None:
    """A walk-through found the run list saying "Kept apart 0" where the job's result said
    "kept apart 0, kept apart by rule 127": the list left out the pairs a rule keeps apart."""
    from django.core.management import call_command

    from joinedup.jobs.models import Job

    for i, (g, f) in enumerate([("Noah", "Hall"), ("Ruby", "Evans"), ("Leo", "Wright")] * 4):
        make_record(world, given_names=g, family_name=f, date_of_birth=dt.date(2008, 1 + i, 2 + i))
    # Twins, kept apart by a rule; and two records a person decided are not the same child.
    born = dt.date(2010, 5, 6)
    make_record(world, given_names="Kieran", family_name="Oduya", date_of_birth=born, address="3 Ash Grove")
    make_record(world, agency="police", given_names="Amara", family_name="Oduya", date_of_birth=born,
                address="3 Ash Grove")  # fmt: skip
    details = {
        "given_names": "Maya",
        "family_name": "Osei",
        "date_of_birth": dt.date(2011, 2, 3),
        "postcode": "NG7 1AA",
    }
    low, high = sorted(
        (make_record(world, **details), make_record(world, agency="police", **details)), key=lambda r: r.pk
    )
    CandidatePair.objects.create(record_a=low, record_b=high, probability=0.9, match_weight=5, waterfall=[],
                                 status=PairStatus.NOT_SAME)  # fmt: skip
    linkage_model_activate(actor=None, model=linkage_model_save(actor=None, parameters=trained, summary={}))

    ui, page = browser_checks, browser_checks.page
    ui.sign_in("partnership_admin")
    ui.goto("/linkage/models/")
    page.click("main button:has-text('Start a linkage run')")
    page.wait_for_url(f"{ui.base}/jobs/*/")
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    page.reload()
    ui.check()
    result = Job.objects.get().result
    assert "2 kept apart (1 by a rule, 1 because a person decided they are not the same child)" in result
    assert result in page.inner_text("main")
    ui.goto("/linkage/models/")
    headers = page.locator("#runs thead th").all_inner_texts()
    cells = page.locator("#runs tbody tr").first.locator("td").all_inner_texts()
    assert cells[headers.index("Kept apart")] == "2"
    assert f"{cells[headers.index('Sent for review')]} sent for review" in result
