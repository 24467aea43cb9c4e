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


def test_the_dpos_day(live_world: Any, browser_checks: BrowserChecks) -> None:
    """The DPO reads the disclosure log without typing an id, reviews a break-glass by the child's
    name, and answers a subject access request with the police's intelligence withheld."""
    from django.utils import timezone

    from joinedup.children.models import IntelligenceItem
    from joinedup.children.selectors import child_view
    from joinedup.children.services import break_glass_open
    from joinedup.conftest import same_child, valid_nhs

    nhs = valid_nhs(4242)
    own = make_record(live_world, given_names="Kezia", family_name="Marsh", nhs_number=nhs, address="3 Canal Row")
    police = make_record(live_world, agency="police", given_names="Kezia", family_name="Marsh")
    child = same_child(own, police)
    intelligence = IntelligenceItem.objects.create(
        record=police,
        summary="Seen with older males at the Arboretum; believed to be carrying for a county line.",
        source_grade="2",
        information_grade="B",
        handling_code="C",
        handling_conditions="Not to be disclosed to the family; discuss with the PPU before acting.",
        recorded_at=timezone.now(),
    )
    make_agreement(live_world, categories=("identity", "police_intelligence"))
    child_view(user=live_world.users["practitioner"], child_uuid=child.uuid, purpose="direct_work")
    missing = make_record(live_world, agency="health", given_names="Nathaniel", family_name="Osei").child
    break_glass_open(
        actor=live_world.users["practitioner"], child=missing, reason="missing", explanation="Missing overnight."
    )

    ui, page = browser_checks, browser_checks.page
    ui.sign_in("dpo")
    page.click("text=Governance")
    ui.check()

    # The disclosure log shows recent disclosures straight away, each child named.
    page.click("main a:has-text('Disclosure log')")
    ui.check()
    log = page.inner_text("#disclosures")
    assert "Kezia Marsh" in log and "Shire Police" in log and "Direct work with the child" in log
    page.click("#disclosures a:has-text('Kezia Marsh')")
    ui.check()
    assert f"child={child.uuid}" in page.url and "Kezia Marsh" in page.inner_text("#disclosures")

    # The break-glass review names the child.
    page.click("text=Governance")
    page.click("main a:has-text('Emergency access reviews')")
    ui.check()
    page.click("tr:has-text('Nathaniel Osei') a:has-text('Waiting for review')")
    ui.check()
    assert "Nathaniel Osei" in page.inner_text("#grant-child")
    page.check("input[value=justified]")
    page.fill("#id_review_note", "Proportionate: the child was missing.")
    page.click("text=Record decision")
    ui.check()
    assert "Waiting for review (0)" in page.inner_text("main")

    # Subject access: the intelligence barred from the family is withheld, with a reason.
    page.click("text=Governance")
    page.click("main a:has-text('Subject access requests')")
    ui.check()
    page.fill("#id_q", nhs)
    page.click("main button[type=submit]")
    ui.check()
    page.click("text=Review and respond")
    ui.check()
    card = f"#item-{intelligence.uuid}"
    assert "Not to be disclosed to the family" in page.inner_text(card)
    page.click(f"{card} button")
    ui.check()
    assert "Choose decision" in page.inner_text(".govuk-error-summary")
    page.check(f"{card} input[value=withhold]")
    page.fill(f"{card} textarea", "Schedule 2 paragraph 2: disclosure would prejudice a live investigation.")
    page.click(f"{card} button")
    ui.check()
    assert "live investigation" in page.inner_text("#withheld")
    record_card = page.locator(".govuk-summary-card:has-text('Social care record')")
    record_card.locator("input[value=disclose]").check()
    record_card.locator("textarea").fill("No risk identified in the family knowing what is held.")
    record_card.locator("button").click()
    ui.check()

    page.click("text=Preview the letter")
    ui.check()
    letter = page.inner_text("#letter")
    assert "Dear Kezia Marsh" in letter and "3 Canal Row" in letter
    assert "Arboretum" not in letter and "county line" not in letter
    with page.expect_download() as download:
        page.click("text=Download the letter (PDF)")
    with open(download.value.path(), "rb") as handle:
        assert handle.read(4) == b"%PDF"
