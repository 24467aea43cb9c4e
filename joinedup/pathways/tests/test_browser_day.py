"""The pathways engineer's day in the browser: referral to MACE to handover, with axe on every page."""

from __future__ import annotations

from typing import Any

import pytest

from joinedup.conftest import BrowserChecks, make_agreement, make_user
from joinedup.partnership.roles import Role

pytestmark = pytest.mark.browser


@pytest.fixture
def live_world(transactional_db: Any, world: Any) -> Any:
    return world


def test_the_alignment_page_fits_a_phone(live_world: Any, browser_checks: BrowserChecks) -> None:
    """16.13: at 390 px wide the alignment page scrolled sideways."""
    ui, page = browser_checks, browser_checks.page
    page.set_viewport_size({"width": 390, "height": 844})
    ui.sign_in("strategic_lead")
    ui.goto("/pathways/alignment/")
    assert "Commonality" in page.inner_text("main")
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"


def test_a_referral_reaches_mace_and_is_handed_over(live_world: Any, browser_checks: BrowserChecks) -> None:
    """A County nurse refers; the County screener screens and looks across both areas; the MACE
    coordinator opens the case from the MACE list and records today's panel; the child moves
    to the City and the handover restarts the clocks."""
    from django.utils import timezone

    w = live_world
    make_agreement(
        w,
        parties=("city_csc", "county_csc", "police", "health"),
        purposes=("direct_work", "screening", "mace_panel"),
        categories=("identity", "contact", "social_care", "health"),
    )
    make_user(w, role=Role.PRACTITIONER, agency="health", username="county-nurse")
    make_user(w, role=Role.SCREENER, agency="county_csc", username="county-screener")
    make_user(w, role=Role.SCREENER, agency="city_csc", username="city-screener")
    make_user(w, role=Role.PRACTITIONER, agency="county_csc", username="county-social-worker")
    make_user(w, role=Role.EXPLOITATION_COORDINATOR, agency="police", username="mace-coordinator")
    ui, page = browser_checks, browser_checks.page

    # The County school nurse raises a referral with two harm types and the child's words.
    ui.sign_in("county-nurse")
    ui.goto("/referrals/new/")
    page.fill("#id_given_names", "Maya")
    page.fill("#id_family_name", "Okafor-Reid")
    page.fill("#id_date_of_birth_day", "9")
    page.fill("#id_date_of_birth_month", "4")
    page.fill("#id_date_of_birth_year", "2011")
    page.click("text=Save and continue")
    ui.check()
    page.check("input[name=harm_types][value=county_lines]")
    page.check("input[name=harm_types][value=criminal_exploitation]")
    page.fill("#id_indicators", "Seen at Mansfield station twice with older boys and a second phone.")
    page.click("text=Save and continue")
    ui.check()
    page.fill("#id_child_says", "They said I owe them for the trainers.")
    page.click("text=Save and continue")
    ui.check()
    page.check("input[name=consent][value=not_sought_risk]")
    page.check("input[name=family_informed][value=yes]")
    page.click("text=Save and continue")
    ui.check()
    page.select_option("#id_home_area", label="County")
    page.fill("#id_referrer_contact", "School nursing duty line")
    page.click("text=Save and continue")
    ui.check()
    concerns = page.inner_text("main")
    assert "County lines" in concerns and "Child criminal exploitation" in concerns
    page.click("text=Send referral")
    ui.check()
    assert "Waiting for screening" in page.inner_text("main")
    page.click("text=Sign out")

    # The County screener screens it and looks at what is known in both areas.
    ui.sign_in("county-screener")
    ui.goto("/pathways/screening/")
    page.click("text=Maya Okafor-Reid")
    ui.check()
    screen_url = page.url
    main = page.inner_text("main")
    assert "They said I owe them for the trainers." in main
    assert "County lines" in main and "Child criminal exploitation" in main and "county_lines" not in main
    page.click("text=See what is known about the child in both areas")
    ui.check()
    assert "Page not found" not in page.inner_text("main")
    page.goto(screen_url)
    ui.check()
    page.check("input[name=decision][value=mace]")
    page.fill("#id_reasons", "Exploitation indicators across the county; straight to MACE.")
    page.click("text=Record decision")
    ui.check()
    assert "County MACE" in page.inner_text("h1")
    page.click("text=Sign out")

    # The coordinator opens the case from the MACE list and records today's panel.
    ui.sign_in("mace-coordinator")
    ui.goto("/pathways/mace/")
    assert "Test County" in page.inner_text("#mace-cases")
    page.click("#mace-cases >> text=Maya Okafor-Reid")
    ui.check()
    today = timezone.localdate()
    page.select_option("#id_kind", label="County MACE (weekly)")
    page.fill("#id_held_on_day", str(today.day))
    page.fill("#id_held_on_month", str(today.month))
    page.fill("#id_held_on_year", str(today.year))
    page.fill("#id_attendees", "Police DI (chair); County CSC; school nursing")
    page.click("text=Record meeting")
    ui.check()
    assert "Meeting recorded" in page.inner_text("main")
    assert "County MACE (weekly)" in page.inner_text("main")
    case_url = page.url
    due_in_county = page.inner_text("#tasks")
    assert "MACE review" in due_in_county
    page.click("text=Sign out")

    # The child moves to the City: the County social worker hands the case over and the City accepts.
    ui.sign_in("county-social-worker")
    ui.goto(case_url.removeprefix(ui.base))
    page.select_option("#id_to_agency", label="City Children's Services")
    page.fill("#handover-form textarea", "Maya has moved to live with her aunt in the city.")
    page.click("text=Offer handover")
    ui.check()
    page.click("text=Sign out")
    ui.sign_in("city-screener")
    ui.goto("/pathways/tasks/")
    page.click("#offers >> text=from Test County")
    ui.check()
    assert "clocks restart from the day you accept" in page.inner_text("#clocks-on-accept")
    page.check("input[name=decision][value=accept]")
    page.click("text=Record decision")
    ui.check()
    assert page.url == case_url
    assert "City risk outside the home pathway" in page.inner_text("main")
    timeline = page.inner_text("#timeline")
    assert "clocks restart under the City risk outside the home pathway" in timeline
    due_in_city = page.inner_text("#tasks")
    assert "MACE review" in due_in_city and due_in_city != due_in_county
    ui.goto("/")
