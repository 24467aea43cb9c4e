"""Referral to handover in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from joinedup.conftest import BrowserChecks, make_user
from joinedup.partnership.roles import Role

pytestmark = pytest.mark.browser


@pytest.fixture
def live_world(transactional_db: Any, world: Any) -> Any:
    make_user(world, role=Role.SCREENER, agency="county_csc", username="county-screener")
    return world


def test_raise_screen_open_hand_over_and_accept(live_world: Any, browser_checks: BrowserChecks) -> None:
    ui, page = browser_checks, browser_checks.page
    ui.sign_in("screener")
    ui.goto("/referrals/new/")
    page.fill("#id_given_names", "Tiana")
    page.fill("#id_family_name", "Brookes")
    page.fill("#id_nhs_number", "12345")
    page.click("text=Save and continue")
    ui.check()
    assert "10 digits" in page.inner_text(".govuk-error-summary")
    assert page.input_value("#id_given_names") == "Tiana"
    page.fill("#id_nhs_number", "")
    page.click("text=Save and continue")
    page.check("input[name=harm_types][value=county_lines]")
    page.fill("#id_indicators", "Found in Worksop with cash and a second phone.")
    page.click("text=Save and continue")
    ui.check()
    page.fill("#id_child_says", "I was just visiting a friend.")
    page.click("text=Save and continue")
    page.check("input[name=consent][value=not_sought_risk]")
    page.check("input[name=family_informed][value=yes]")
    page.click("text=Save and continue")
    page.select_option("#id_home_area", label="City")
    page.select_option("#id_found_area", label="County")
    page.fill("#id_referrer_contact", "MASH duty line")
    page.click("text=Save and continue")
    ui.check()
    assert "Tiana Brookes" in page.inner_text("main")
    page.click("text=Send referral")
    ui.check()
    assert "Waiting for screening" in page.inner_text("main")

    ui.goto("/pathways/screening/")
    page.click("text=Tiana Brookes")
    ui.check()
    page.check("input[name=decision][value=adolescent]")
    page.fill("#id_reasons", "County lines indicators; found across the boundary.")
    page.click("text=Record decision")
    ui.check()
    assert "Exploitation strategy meeting" in page.inner_text("#tasks")
    page.select_option("#id_to_agency", label="County Children's Social Care")
    page.fill("#handover-form textarea", "Tiana has moved to live with an aunt in Worksop.")
    page.click("text=Offer handover")
    ui.check()
    assert "Handover offered to County Children's Social Care" in page.inner_text("#timeline")
    case_url = page.url

    page.click("text=Sign out")
    ui.sign_in("county-screener")
    ui.goto("/pathways/tasks/")
    page.click("text=From Test City")
    ui.check()
    page.check("input[name=decision][value=accept]")
    page.click("text=Record decision")
    ui.check()
    assert page.url == case_url
    main = page.inner_text("main")
    assert "County adolescent safeguarding pathway" in main
    assert "Handover accepted by County Children's Social Care" in page.inner_text("#timeline")
    assert "Handover offered" in page.inner_text("#timeline")
