"""The search page on a phone (390 px): the page never scrolls sideways; the wide table of
agencies holding matching records scrolls inside its own labelled, focusable region."""

from __future__ import annotations

from typing import Any

import pytest

from joinedup.conftest import BrowserChecks, make_agreement, make_record

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_search_fits_a_phone(transactional_db: Any, world: Any, browser_checks: BrowserChecks) -> None:
    family = "Featherstonehaugh-Cholmondeley"
    make_record(world, given_names="Maximilian Alexander", family_name=family, postcode="NG2 5AB")
    # Held by the police only: known elsewhere, listed in the wide table.
    make_record(world, agency="police", given_names="Bartholomew", family_name=family, postcode="S80 2AB")
    make_agreement(world, know_of_only=True)
    ui, page = browser_checks, browser_checks.page
    page.set_viewport_size(PHONE)
    ui.sign_in("practitioner")
    ui.goto("/children/")
    page.fill("#id_q", family)
    page.click("main button[type=submit]")
    page.wait_for_selector("#known-elsewhere")
    ui.check()
    assert page.locator(".app-search-results li").count() >= 1
    # The page itself never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    region = page.locator(".app-table-scroll:has(#known-elsewhere)")
    assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region"
    assert region.get_attribute("aria-label")
    region.focus()
    assert page.evaluate("document.activeElement.classList.contains('app-table-scroll')")
