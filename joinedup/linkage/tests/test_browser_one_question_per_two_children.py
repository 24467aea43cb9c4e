"""A day at the review queue across two reviewers and a linkage run, in a real browser with axe on
every page: the queue asks about two children once, an escalation goes with every pair between
them to a second reviewer, whose answer settles them all, and the next run leaves it standing."""

from __future__ import annotations

import re
from typing import Any

import pytest

from joinedup.conftest import BrowserChecks, make_agreement, make_record, make_user, same_child
from joinedup.linkage.models import CandidatePair, PairStatus
from joinedup.linkage.services import linkage_apply, linkage_model_activate, linkage_model_save

pytestmark = pytest.mark.browser

EMPTY_MODEL = {"comparisons": [], "probability_two_random_records_match": 0.001}


def _pair(a: Any, b: Any, probability: float) -> CandidatePair:
    low, high = sorted((a, b), key=lambda r: r.pk)
    steps = [{"comparison": "Prior (before comparing)", "level": "", "weight": -11.3}]
    return CandidatePair.objects.create(
        record_a=low, record_b=high, probability=probability, match_weight=1.0, waterfall=steps
    )


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_one_question_per_two_children_across_reviewers_and_a_run(
    transactional_db: Any, world: Any, browser_checks: BrowserChecks
) -> None:
    ui, page = browser_checks, browser_checks.page
    make_agreement(
        world, parties=("city_csc", "police", "health", "county_csc"), purposes=("screening",), categories=("identity",)
    )
    own, police = make_record(world, given_names="Ayla"), make_record(world, agency="police", given_names="Ayla")
    same_child(own, police)
    health = make_record(world, agency="health", given_names="Ayla")
    county = make_record(world, agency="county_csc", given_names="Ayla")
    same_child(health, county)
    strong, weak = _pair(police, county, 0.9), _pair(own, health, 0.64)
    make_user(world, role="screener", username="second.reviewer")

    # The screener's home and queue: one question, the pair behind it counted.
    ui.sign_in("screener")
    assert "1 possible match (2 pairs of records) waiting for a decision" in _words(
        page.inner_text("#possible-matches-count")
    )
    ui.goto("/linkage/review/")
    rows = page.locator("#pairs tbody tr")
    assert rows.count() == 1 and str(strong.uuid) in rows.first.inner_html()
    assert "and 1 more pair of records between the same two children" in rows.first.inner_text()
    page.click(f"a[href='/linkage/review/{strong.uuid}/']")
    ui.check()
    assert "1 more pair of records between the same two children waits with this one" in page.inner_text(
        "#alike-waiting"
    )
    with page.expect_navigation():
        page.keyboard.press("u")  # unsure: the question goes to a second reviewer
    ui.check()
    assert "1 more pair between the same children was escalated with it" in _words(page.inner_text("main"))
    assert "Nothing to review." in page.inner_text("#pairs")
    assert set(CandidatePair.objects.values_list("status", flat=True)) == {PairStatus.UNSURE}

    # The second reviewer: one escalation, with who escalated it; their answer settles both pairs.
    page.context.clear_cookies()
    ui.sign_in("second.reviewer")
    ui.goto("/linkage/review/?show=escalated")
    rows = page.locator("#pairs tbody tr")
    assert rows.count() == 1 and "Escalated by" in rows.first.inner_text()
    page.click("#pairs a[href^='/linkage/review/']")
    ui.check()
    with page.expect_navigation():
        page.keyboard.press("n")
    ui.check()
    assert set(CandidatePair.objects.values_list("status", flat=True)) == {PairStatus.NOT_SAME}

    # A linkage run that scores both pairs as certain leaves the answer standing.
    model = linkage_model_activate(actor=None, model=linkage_model_save(actor=None, parameters=EMPTY_MODEL, summary={}))
    ids = sorted(r.pk for r in (own, police, health, county))
    rows_scored = [
        {"unique_id_l": str(a), "unique_id_r": str(b), "match_probability": 0.99, "match_weight": 9}
        for i, a in enumerate(ids)
        for b in ids[i + 1 :]
    ]
    linkage_apply(actor=None, model=model, rows=rows_scored)
    children = {r.pk: r.child_id for r in (own, police, health, county)}
    for record in (own, police, health, county):
        record.refresh_from_db()
        assert record.child_id in {own.child_id, health.child_id}
    assert own.child_id != health.child_id, children

    page.context.clear_cookies()
    ui.sign_in("screener")
    ui.goto("/linkage/review/")
    assert "Nothing to review." in page.inner_text("#pairs")
    ui.goto(f"/linkage/review/{weak.uuid}/")
    assert "Not the same child: decided with another pair between the same two children" in _words(
        page.inner_text("#what-was-decided")
    )
