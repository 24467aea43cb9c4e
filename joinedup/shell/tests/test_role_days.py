"""A day for every role, in the browser, across users and time.

Each role signs in, opens everything its menu offers, and returns home; pages
are checked with axe as they open. Journeys that cross users follow: a
practitioner uses emergency access and home still works; a school nurse
records an event and a City social worker, opening the joined child whose
records disagree, sees the disagreement, the event in the chronology, and
takes the chronology as a PDF for a strategy meeting.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from joinedup.conftest import BrowserChecks, make_agreement, make_record, make_user, same_child
from joinedup.partnership.roles import Role

pytestmark = pytest.mark.browser


@pytest.fixture
def live_world(transactional_db: Any, world: Any) -> Any:
    city = make_record(
        world, agency="city_csc", given_names="Keith", family_name="Smith", date_of_birth=dt.date(2012, 6, 10)
    )
    health = make_record(
        world, agency="health", given_names="Keiht Abdul", family_name="Smith", date_of_birth=dt.date(2012, 10, 6)
    )
    world.joined = same_child(city, health)
    make_agreement(
        world,
        parties=("city_csc", "health"),
        purposes=("direct_work", "screening"),
        categories=("identity", "contact", "health"),
    )
    # A child only the police know: a City worker can open it only in an emergency.
    world.police_only = make_record(world, agency="police", given_names="Tyler", family_name="Marsh").child
    return world


def _walk_menu(ui: BrowserChecks) -> list[str]:
    page = ui.page
    hrefs = page.eval_on_selector_all("#navigation a", "links => links.map(a => a.getAttribute('href'))")
    for href in hrefs:
        ui.goto(href)
        assert page.locator("h1").count() >= 1, f"{href} has no heading"
    ui.goto("/")
    return hrefs


@pytest.mark.parametrize("role", Role.values)
def test_every_role_opens_everything_its_menu_offers(live_world: Any, browser_checks: BrowserChecks, role: str) -> None:
    ui = browser_checks
    ui.sign_in(role)
    hrefs = _walk_menu(ui)
    assert "/" in hrefs and "/notifications/" in hrefs


def test_home_still_works_after_emergency_access(live_world: Any, browser_checks: BrowserChecks) -> None:
    ui, page = browser_checks, browser_checks.page
    ui.sign_in("practitioner")
    child = live_world.police_only
    ui.goto_expecting(f"/children/{child.uuid}/", 404)
    ui.goto(f"/children/{child.uuid}/emergency-access/")
    page.check("input[name=reason] >> nth=0")
    page.fill("#id_explanation", "Missing overnight; police cannot be reached before the strategy meeting.")
    page.click("main button[type=submit]")
    page.wait_for_url(f"**/children/{child.uuid}/")
    ui.check()
    assert page.locator("#break-glass-banner").is_visible()
    # Every sign-in lands on home: it must still work, and show the child opened.
    ui.goto("/")
    assert "Tyler Marsh" in page.inner_text("main")
    _walk_menu(ui)


def test_a_nurses_event_reaches_the_social_workers_chronology_and_pdf(
    live_world: Any, browser_checks: BrowserChecks
) -> None:
    ui, page = browser_checks, browser_checks.page
    child = live_world.joined
    nurse = make_user(live_world, role="practitioner", agency="health", username="nurse")
    assert nurse.membership.agency.name == "Shire Health Trust"

    ui.sign_in("nurse")
    ui.goto(f"/children/{child.uuid}/")
    page.click("text=Add a significant event")
    ui.check()
    page.click("main button[type=submit]")  # nothing filled in: every mistake explained
    ui.check()
    assert page.locator(".govuk-error-summary").is_visible()
    page.check("input[name=kind][value=hospital_attendance]")
    page.fill("#id_occurred_on_day", "3")
    page.fill("#id_occurred_on_month", "11")
    page.fill("#id_occurred_on_year", "2026")
    page.fill("#id_summary", "Attended A&E with a cut hand; left before treatment.")
    page.fill("#id_source", "ED discharge summary")
    page.click("main button[type=submit]")
    page.wait_for_url(f"**/children/{child.uuid}/chronology/")
    ui.check()
    assert "Attended A&E with a cut hand" in page.inner_text("main")
    page.click("button:has-text('Sign out')")

    ui.sign_in("practitioner")
    ui.goto(f"/children/{child.uuid}/")
    glance = page.inner_text("#at-a-glance")
    assert "two dates of birth recorded" in glance.lower()
    assert "City Children's Services" in glance and "Shire Health Trust" in glance
    assert page.locator("#identity-conflict").is_visible()
    assert "Attended A&E" in page.inner_text("#chronology-latest")
    page.click("text=Full chronology, filters and PDF")
    ui.check()
    page.select_option("#id_agency", "Shire Health Trust")
    page.click("text=Apply filters")
    ui.check()
    entries = page.inner_text("#chronology-entries")
    assert "Attended A&E" in entries and "City Children's Services" not in entries
    with page.expect_download() as download:
        page.click("#chronology-pdf")
    path = download.value.path()
    assert path is not None and open(path, "rb").read(4) == b"%PDF"
    # Asking the nurse's agency to check the date of birth tells its members.
    ui.goto(f"/children/{child.uuid}/")
    page.click("#disagree-date_of_birth button:has-text('Ask Shire Health Trust to check')")
    ui.check()
    assert "has been asked to check" in page.inner_text("main")
    page.click("button:has-text('Sign out')")

    ui.sign_in("nurse")
    assert page.locator("#unread-count").inner_text().startswith("1")
    ui.goto("/notifications/")
    assert "Please check the date of birth" in page.inner_text("main")
