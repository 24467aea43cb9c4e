"""Information governance in a real browser: know-of, break-glass, and the DPO's review."""

from __future__ import annotations

from typing import Any

import pytest

from joinedup.conftest import BrowserChecks, make_agreement, make_record

pytestmark = pytest.mark.browser


@pytest.fixture
def live_world(transactional_db: Any, world: Any) -> Any:
    return world


def test_a_practitioner_sees_a_know_of_entry_but_not_its_content(
    live_world: Any, browser_checks: BrowserChecks
) -> None:
    police = make_record(
        live_world, agency="police", given_names="Nathaniel", family_name="Osei", address="14 Canal Walk"
    )
    make_agreement(live_world, know_of_only=True)
    ui, page = browser_checks, browser_checks.page
    ui.sign_in("practitioner")
    ui.goto("/children/?q=nathaniel+osei")
    table = page.inner_text("#known-elsewhere")
    assert "Shire Police" in table and "Police intelligence" in table
    # Existence only: no name, address or reference of the police record.
    assert "Nathaniel" not in page.inner_text("#search-results")
    assert "Canal Walk" not in page.content() and police.local_id not in page.content()
    ui.goto_expecting(f"/children/{police.child.uuid}/", 404)


def test_break_glass_then_the_dpo_reviews_it(live_world: Any, browser_checks: BrowserChecks) -> None:
    police = make_record(live_world, agency="police", given_names="Nathaniel", family_name="Osei", postcode="S80 2AB")
    make_agreement(live_world, know_of_only=True)
    ui, page = browser_checks, browser_checks.page
    ui.sign_in("practitioner")
    ui.goto("/children/?q=nathaniel+osei")
    page.click("#known-elsewhere a:has-text('Emergency access')")
    ui.check()
    page.click("text=Open emergency access")
    ui.check()
    assert "Explain what is happening" in page.inner_text(".govuk-error-summary")
    page.check("input[value=missing]")
    page.fill("#id_explanation", "Reported missing overnight; police believe she is in Worksop.")
    page.click("text=Open emergency access")
    page.wait_for_url(f"**/children/{police.child.uuid}/")
    ui.check()
    assert page.locator("#break-glass-banner").is_visible()
    assert "Nathaniel Osei" in page.inner_text("main") and "Bassetlaw" in page.inner_text("main")

    page.click("text=Sign out")
    ui.sign_in("dpo")
    page.click("text=Governance")
    ui.check()
    page.click("text=Emergency access reviews")
    ui.check()
    assert "Waiting for review (1)" in page.inner_text("main")
    page.click("text=Waiting for review >> nth=1")
    ui.check()
    assert "Reported missing overnight" in page.inner_text("main")
    assert "Shire Police" in page.inner_text("main")  # what was seen under the grant
    page.check("input[value=justified]")
    page.fill("#id_review_note", "Proportionate: child missing, police could not be reached.")
    page.click("text=Record decision")
    ui.check()
    assert "Waiting for review (0)" in page.inner_text("main")
    assert "Justified" in page.inner_text("main")
