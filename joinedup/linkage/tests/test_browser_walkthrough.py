"""The review pages as the walk-through found them, in a real browser with axe on every page: each
fits a phone (390 px) without the page scrolling sideways, and the queue and pair page say true
things to a reviewer (what they may decide, what they escalated, sex and names in words).

Set SCREENSHOTS=<dir> to keep a screenshot of each page (for looking at, not for asserting).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from django.utils import timezone

from joinedup.conftest import BrowserChecks, make_agreement, make_record, same_child
from joinedup.jobs import services as job_services
from joinedup.linkage.jobs import LINKAGE_TRAIN
from joinedup.linkage.models import CandidatePair, JoinCheck, LinkageRun, PairStatus
from joinedup.linkage.services import child_merge, linkage_model_save

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
D = dt.date


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def _pair(a: Any, b: Any, probability: float) -> CandidatePair:
    low, high = sorted((a, b), key=lambda r: r.pk)
    steps = [
        {"comparison": "Prior (before comparing)", "level": "", "weight": -11.3},
        {"comparison": "Given name", "level": "Exact", "weight": 7.35},
        {"comparison": "Family name", "level": "Exact", "weight": 7.2},
        {"comparison": "Date of birth", "level": "Exact", "weight": 10.6},
    ]
    return CandidatePair.objects.create(
        record_a=low, record_b=high, probability=probability, match_weight=3.3, waterfall=steps
    )


@pytest.fixture
def review_world(transactional_db: Any, world: Any, trained: dict[str, Any]) -> Any:
    # The demo's long agency names are what pushed the pages sideways.
    for key, name in (
        ("city_csc", "Nottingham City Children's Services"),
        ("police", "Nottinghamshire Police"),
        ("health", "Nottinghamshire Healthcare NHS Foundation Trust"),
        ("county_csc", "Nottinghamshire County Children's Social Care"),
    ):
        world.agencies[key].name = name
        world.agencies[key].save(update_fields=["name"])
    make_agreement(world, parties=("city_csc", "police", "health"), purposes=("screening",), categories=("identity",))
    long = {"family_name": "Featherstonehaugh-Cholmondeley", "date_of_birth": D(2010, 6, 20), "sex": "F"}
    own = make_record(world, given_names="Jordan Lee", **long)
    health = make_record(world, agency="health", given_names="Jordan", **long)
    same_child(make_record(world, given_names="Jordan", **long), health)  # the health record's child is in work
    world.pair = _pair(own, health, 0.64)
    world.later = _pair(make_record(world, given_names="Ruby"), make_record(world, agency="police"), 0.61)
    world.blind = _pair(make_record(world, agency="county_csc"), make_record(world, agency="city_school"), 0.99)
    # A join whose records disagree on date of birth: a check, and a history on the child's page.
    council = make_record(world, given_names="Keith", family_name="Smith-Abernathy", date_of_birth=D(2012, 6, 10))
    police = make_record(
        world, agency="police", given_names="Keith", family_name="Smith-Abernathy", date_of_birth=D(2012, 10, 6)
    )
    world.join = child_merge(actor=None, children=[council.child, police.child], reason="Reviewed: same child")
    world.check = JoinCheck.objects.get()
    world.model = linkage_model_save(actor=None, parameters=trained, summary={"records": 60})
    LinkageRun.objects.create(
        model=world.model,
        finished_at=timezone.now(),
        figures={"pairs_scored": 12345, "children_joined": 678, "to_review": 54, "kept_apart": 21},
    )
    job = job_services.job_start(actor=world.users["partnership_admin"], kind=LINKAGE_TRAIN)
    job_services.job_begin(job=job)
    job_services.job_progress(job=job, message="Training on 60 agency records (Splink, unsupervised)", step=1)
    job_services.job_succeed(job=job, result="Model v2 trained on 60 agency records.", result_url="/linkage/models/")
    world.job = job
    return world


# What reaches past the viewport and is not scrolled inside a table's region: named in a failure.
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
  .filter(e => getComputedStyle(e).position === 'absolute' || !e.closest('.app-table-scroll'))
  .map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${[...e.classList].join('.')}`).slice(0, 8)"""


def _too_wide(page: Any, name: str) -> str | None:
    """What is wrong with the page at phone width, in words; None when it fits."""
    _shot(page, f"phone-{name}")
    width = page.evaluate("document.documentElement.scrollWidth")
    if width <= PHONE["width"]:
        return None
    return f"{name} is {width}px wide: {page.evaluate(WIDEST)}"


def test_the_review_pages_fit_a_phone(review_world: Any, browser_checks: BrowserChecks) -> None:
    world, ui, page = review_world, browser_checks, browser_checks.page
    page.set_viewport_size(PHONE)
    ui.sign_in("screener")
    wide = []
    for name, path in (
        ("queue", "/linkage/review/"),
        ("pair", f"/linkage/review/{world.pair.uuid}/"),
        ("blind-pair", f"/linkage/review/{world.blind.uuid}/"),
        ("checks", "/linkage/checks/"),
        ("check", f"/linkage/checks/{world.check.uuid}/"),
        ("join-history", f"/children/{world.join.target.uuid}/"),
        ("split", f"/linkage/joins/{world.join.uuid}/split/"),
        ("models", "/linkage/models/"),
    ):
        ui.goto(path)
        wide.append(_too_wide(page, name))
    ui.goto(f"/children/{world.join.target.uuid}/")
    history_scrolls = page.locator(".app-table-scroll[role=region]:has(#join-history)").count() == 1

    page.context.clear_cookies()  # signed out: the admin signs in next
    ui.sign_in("partnership_admin")
    ui.goto("/linkage/models/")
    wide.append(_too_wide(page, "models-admin"))
    ui.goto(f"/linkage/models/{world.model.uuid}/")
    page.click("summary:has-text('The same figures as a table')")  # the parameters table, open
    ui.check()
    wide.append(_too_wide(page, "model"))
    ui.goto(f"/jobs/{world.job.uuid}/")
    wide.append(_too_wide(page, "job"))
    # Every page is measured before failing, so one run names all that scroll sideways.
    assert not [w for w in wide if w], "; ".join(w for w in wide if w)
    assert history_scrolls, "the join history's table scrolls in a labelled region of its own"


def test_a_reviewer_works_the_queue_and_escalates(review_world: Any, browser_checks: BrowserChecks) -> None:
    world, ui, page = review_world, browser_checks, browser_checks.page
    ui.sign_in("screener")
    ui.goto("/linkage/review/")
    _shot(page, "queue")
    rows = page.locator("#pairs tbody tr")
    # The pair scored highest is one the screener cannot decide: it comes last, marked.
    assert "Another agency decides" in rows.last.inner_text() and str(world.blind.uuid) in rows.last.inner_html()
    assert "Another agency decides" not in rows.first.inner_text()
    assert "3 pairs, 2 you can decide" in page.inner_text("#pairs caption")

    page.click(f"a[href='/linkage/review/{world.pair.uuid}/']")
    ui.check()
    _shot(page, "pair")
    assert "Female" in page.inner_text("#row-sex")
    assert "app-agree" in (page.get_attribute("#row-given_names", "class") or "")
    assert "a middle name is only on one record" in page.inner_text("#side-by-side")

    with page.expect_navigation():
        page.keyboard.press("u")  # unsure: escalate
    ui.check()
    assert page.url == f"{ui.base}/linkage/review/{world.later.uuid}/"
    assert "this pair now waits for another reviewer" in page.inner_text("main")
    assert "unsure: escalated" not in page.inner_text("main").lower()
    assert CandidatePair.objects.get(pk=world.pair.pk).status == PairStatus.UNSURE

    ui.goto("/linkage/review/")
    assert str(world.pair.uuid) not in page.inner_html("#pairs tbody")
    assert "You escalated 1 pair as unsure" in page.inner_text("#escalated-by-you")
    page.click("#escalated-by-you a")
    ui.check()
    _shot(page, "escalated")
    assert "You escalated this" in page.inner_text("#pairs tbody")


def test_joins_to_check_lists_and_counts_only_what_the_reviewer_sees(
    review_world: Any, browser_checks: BrowserChecks
) -> None:
    """A walk-through found the list holding joins whose every record the screener could not see:
    rows of "you cannot see their value", each opening a page with nothing to confirm."""
    world, ui, page = review_world, browser_checks, browser_checks.page
    # A join of two records no agreement shares with the city council: not the screener's to check.
    county = make_record(world, agency="county_csc", given_names="Mia", date_of_birth=D(2011, 3, 4))
    school = make_record(world, agency="city_school", given_names="Mia", date_of_birth=D(2011, 4, 3))
    hidden = JoinCheck.objects.get(join=child_merge(actor=None, children=[county.child, school.child], reason="m"))
    ui.sign_in("screener")
    ui.goto("/linkage/review/")
    assert page.inner_text("#checks-waiting").startswith("1 join has brought together records")
    page.click("#checks-waiting a")
    ui.check()
    assert page.inner_text("#checks caption") == "1 join to check"
    listed = page.locator("#checks tbody a[href^='/linkage/checks/']")
    assert listed.count() == 1 and listed.get_attribute("href") == f"/linkage/checks/{world.check.uuid}/"
    assert "you cannot see" not in page.inner_text("#checks").replace("(you cannot see its value)", "")
    ui.goto_expecting(f"/linkage/checks/{hidden.uuid}/", 404)
    # A reviewer at the county council sees the county's record: the join is theirs to check.
    page.context.clear_cookies()
    county_screener = world.user("screener", agency="county_csc")
    ui.sign_in(county_screener.username)
    ui.goto("/linkage/checks/")
    assert page.inner_text("#checks caption") == "1 join to check"
    assert page.locator(f"#checks a[href='/linkage/checks/{hidden.uuid}/']").count() == 1


def test_the_pair_and_check_pages_lead_to_the_children_they_concern(
    review_world: Any, browser_checks: BrowserChecks
) -> None:
    """A walk-through found no way from a pair or a check to the child's page, where the reviewer
    would look at the rest of what is known before deciding."""
    world, ui, page = review_world, browser_checks, browser_checks.page
    ui.sign_in("screener")
    ui.goto(f"/linkage/review/{world.pair.uuid}/")
    links = page.locator("#pair-children a")
    assert links.count() == 2
    assert links.nth(0).get_attribute("href") == f"/children/{world.pair.record_a.child.uuid}/"
    assert links.nth(1).get_attribute("href") == f"/children/{world.pair.record_b.child.uuid}/"
    assert "for the Nottinghamshire Healthcare NHS Foundation Trust record" in page.inner_text("#pair-children")
    links.nth(0).click()
    ui.check()
    assert page.url.endswith(f"/children/{world.pair.record_a.child.uuid}/")
    # Neither child of the pair another agency decides is open to the screener: no link to a 404.
    ui.goto(f"/linkage/review/{world.blind.uuid}/")
    assert page.locator("#pair-children").count() == 0
    ui.goto(f"/linkage/checks/{world.check.uuid}/")
    page.click("#child-page")
    ui.check()
    assert page.url.endswith(f"/children/{world.check.child.uuid}/")
    assert "How this child's records were joined" in page.inner_text("main")


def test_a_reviewer_is_not_offered_a_pair_they_escalated(review_world: Any, browser_checks: BrowserChecks) -> None:
    """A walk-through found the escalated list counting the screener's own escalation as one
    they can decide, and its page offering the decision again: it waits for a second reviewer."""
    world, ui, page = review_world, browser_checks, browser_checks.page
    ui.sign_in("screener")
    ui.goto(f"/linkage/review/{world.pair.uuid}/")
    page.fill("#reason", "The health record's middle name is missing")
    with page.expect_navigation():
        page.click("#decide button[value=unsure]")
    ui.goto("/linkage/review/?show=escalated")
    assert page.inner_text("#pairs caption").endswith("1 pair, 0 you can decide")
    row = page.inner_text("#pairs tbody")
    assert "You escalated this" in row and "Another agency decides" not in row
    page.click(f"a[href='/linkage/review/{world.pair.uuid}/']")
    ui.check()
    assert page.locator("#decide").count() == 0 and page.locator("button[data-key]").count() == 0
    assert "another reviewer decides it, not you" in page.inner_text("#escalated")
    page.keyboard.press("s")  # the shortcut finds no decision to make
    assert CandidatePair.objects.get(pk=world.pair.pk).status == PairStatus.UNSURE

    # A second reviewer at the same agency may decide it, and is told whose escalation it is.
    page.context.clear_cookies()
    second = world.user("screener")
    ui.sign_in(second.username)
    ui.goto("/linkage/review/?show=escalated")
    assert page.inner_text("#pairs caption").endswith("1 pair, 1 you can decide")
    ui.goto(f"/linkage/review/{world.pair.uuid}/")
    with page.expect_navigation():
        page.click("#decide button[value=not_same]")
    ui.check()
    assert CandidatePair.objects.get(pk=world.pair.pk).status == PairStatus.NOT_SAME
