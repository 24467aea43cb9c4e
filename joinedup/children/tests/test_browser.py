"""The main journeys in a real browser: sign in, search, open a child, fix a bad edit."""

from __future__ import annotations

from typing import Any

import pytest

from joinedup.conftest import BrowserChecks, make_record

pytestmark = pytest.mark.browser


@pytest.fixture
def live_world(transactional_db: Any, world: Any) -> Any:
    return world


def test_sign_in_search_and_open_a_child(live_world: Any, browser_checks: BrowserChecks) -> None:
    record = make_record(live_world, given_names="Maisie", family_name="Fairweather", postcode="NG2 5AB")
    make_record(live_world, given_names="Maisie", family_name="Fairweather", agency="police")
    ui, page = browser_checks, browser_checks.page
    ui.sign_in("practitioner")
    assert "City Children's Services" in page.inner_text("main")

    page.click("text=Find a child")
    ui.check()
    page.fill("#id_q", "maisie FAIRWEATHER")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=1 child found")
    ui.check()
    # htmx swapped the results in and pushed the search into the address bar.
    assert "q=maisie" in page.url

    page.click("text=Maisie Fairweather")
    page.wait_for_url(f"**/children/{record.child.uuid}/")
    ui.check()
    assert "Known in County" in page.inner_text("main")
    assert "Rushcliffe" in page.inner_text("main")
    # Only the user's own agency's record is there; the police record is not.
    assert page.locator(".govuk-summary-card").count() == 1


def test_a_bad_nhs_number_is_explained_without_losing_input(live_world: Any, browser_checks: BrowserChecks) -> None:
    record = make_record(live_world, given_names="Reuben", family_name="Ashdown")
    ui, page = browser_checks, browser_checks.page
    ui.sign_in("practitioner")
    ui.goto(f"/children/{record.child.uuid}/")
    page.click(".govuk-summary-card__actions a:has-text('Change')")
    ui.check()
    page.fill("#id_family_name", "Ashdown-Kerr")
    page.fill("#id_nhs_number", "943 476 5918")
    page.click("text=Save changes")
    ui.check()
    assert page.locator(".govuk-error-summary").is_visible()
    assert "check digit does not match" in page.inner_text(".govuk-error-summary")
    # What was typed is still there.
    assert page.input_value("#id_family_name") == "Ashdown-Kerr"
    assert page.input_value("#id_nhs_number") == "943 476 5918"
    # The error summary links to the field.
    page.click(".govuk-error-summary a")
    assert page.evaluate("document.activeElement.id") == "id_nhs_number"

    page.fill("#id_nhs_number", "943 476 5919")
    page.click("text=Save changes")
    page.wait_for_url(f"**/children/{record.child.uuid}/")
    ui.check()
    assert "Ashdown-Kerr" in page.inner_text("main")
    assert "943 476 5919" in page.inner_text("main")


def test_another_agencys_child_is_not_found(live_world: Any, browser_checks: BrowserChecks) -> None:
    record = make_record(live_world, agency="police")
    ui, page = browser_checks, browser_checks.page
    ui.sign_in("practitioner")
    ui.goto_expecting(f"/children/{record.child.uuid}/", 404)
    assert "Page not found" in page.inner_text("main")
