"""The pair page's side-by-side comparison on a phone (390 px), in a real browser with axe.

A walk-through (walk3) found the last agency's heading clipped: one long word of a name
("Nottinghamshire", 127 px in bold) was wider than that column's share, so the table grew past
its scrolling region, which hid the end of the heading without the page scrolling sideways (the
page-width check in test_browser_walkthrough could not see it). The columns are now fixed and
a word wider than its column breaks inside it.

Set SCREENSHOTS=<dir> to keep a screenshot (for looking at, not for asserting).
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from joinedup.conftest import BrowserChecks, make_agreement, make_record
from joinedup.linkage.models import CandidatePair

pytestmark = pytest.mark.browser

# Every cell of the comparison that reaches past its own box or past the table's region.
CLIPPED = """() => {
  const region = document.querySelector('#side-by-side').closest('.app-table-scroll');
  const edge = region.getBoundingClientRect().right + 0.5;
  const out = [];
  if (region.scrollWidth > region.clientWidth) out.push(`region: ${region.scrollWidth} > ${region.clientWidth}`);
  document.querySelectorAll('#side-by-side th, #side-by-side td').forEach(c => {
    if (c.scrollWidth > c.clientWidth + 1 || c.getBoundingClientRect().right > edge)
      out.push(`${c.innerText.slice(0, 40)}: ${c.scrollWidth} > ${c.clientWidth}`);
  });
  return out; }"""


@pytest.mark.parametrize("width", [390, 320])
def test_the_agency_headings_of_the_comparison_are_not_clipped_on_a_phone(
    transactional_db: Any, world: Any, browser_checks: BrowserChecks, width: int
) -> None:
    # The demo's longest agency names, the pair the walk-through found clipped.
    for key, name in (
        ("city_csc", "Nottinghamshire County Children's Social Care"),
        ("health", "Nottinghamshire Healthcare NHS Foundation Trust"),
    ):
        world.agencies[key].name = name
        world.agencies[key].save(update_fields=["name"])
    make_agreement(world, parties=("city_csc", "health"), purposes=("screening",), categories=("identity",))
    low, high = sorted(
        (make_record(world, family_name="Featherstonehaugh"), make_record(world, agency="health")), key=lambda r: r.pk
    )
    pair = CandidatePair.objects.create(record_a=low, record_b=high, probability=0.6, match_weight=1, waterfall=[])
    ui, page = browser_checks, browser_checks.page
    page.set_viewport_size({"width": width, "height": 844})
    ui.sign_in("screener")
    ui.goto(f"/linkage/review/{pair.uuid}/")
    if folder := os.environ.get("SCREENSHOTS"):
        page.screenshot(path=os.path.join(folder, f"phone-{width}-pair-headings.png"), full_page=True)
    headings = page.locator("#side-by-side thead th")
    assert "Nottinghamshire Healthcare NHS Foundation Trust" in headings.nth(2).inner_text().replace("\n", " ")
    assert page.evaluate(CLIPPED) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # The two records' columns are as wide as each other, so their values line up for comparing.
    a, b = (headings.nth(i).bounding_box() for i in (1, 2))
    assert a and b and abs(a["width"] - b["width"]) < 1
