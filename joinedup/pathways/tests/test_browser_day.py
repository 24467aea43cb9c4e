"""The pathways engineer's day in the browser: referral to MACE to handover, with axe on every page."""

from __future__ import annotations

from typing import Any

import pytest

from joinedup.conftest import BrowserChecks

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
