"""The screening queue and the linkage review queue on a phone (390 px): the page never scrolls
sideways; a wide table scrolls inside its own labelled, focusable region."""

from __future__ import annotations

from typing import Any

import pytest

from joinedup.conftest import BrowserChecks, make_record
from joinedup.linkage.models import CandidatePair
from joinedup.referrals import services as referral_services

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def queues(transactional_db: Any, world: Any) -> Any:
    author = world.users["practitioner"]
    for given, family in (("Kai", "Thornton-Abernathy-Whitfield"), ("Maximilian", "Featherstonehaugh-Cholmondeley")):
        draft = referral_services.referral_draft_save(
            actor=author,
            referral=None,
            data={
                "child_details": {"given_names": given, "family_name": family},
                "harm_types": ["county_lines"],
                "indicators": "Found in Worksop with cash and a second phone.",
                "consent": "not_sought_risk",
                "family_informed": True,
                "home_area": world.city,
                "found_area": world.county,
                "referrer_contact": "Duty line",
            },
        )
        referral_services.referral_submit(actor=author, referral=draft)
    a = make_record(world, agency="city_csc", given_names="Jordan", family_name="Featherstonehaugh")
    b = make_record(world, agency="police", given_names="Jordon", family_name="Featherstonhaugh")
    low, high = sorted((a, b), key=lambda r: r.pk)
    CandidatePair.objects.create(record_a=low, record_b=high, probability=0.61, match_weight=1, waterfall=[])
    return world


@pytest.mark.parametrize(("path", "table"), [("/pathways/screening/", "#queue"), ("/linkage/review/", "#pairs")])
def test_the_queue_fits_a_phone(queues: Any, browser_checks: BrowserChecks, path: str, table: str) -> None:
    ui, page = browser_checks, browser_checks.page
    page.set_viewport_size(PHONE)
    ui.sign_in("screener")
    ui.goto(path)
    assert page.locator(f"{table} tbody tr").count() >= 1
    # The page itself never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    region = page.locator(f".app-table-scroll:has({table})")
    assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region"
    assert region.get_attribute("aria-label")
    # Keyboard users reach the region and can scroll it.
    region.focus()
    assert page.evaluate("document.activeElement.classList.contains('app-table-scroll')")
