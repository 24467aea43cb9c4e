"""The child seen whole in the browser: from a joined child whose records disagree to a chronology PDF.

A City social worker opens a child joined from City's record and the health trust's,
which give two dates of birth; sees the disagreement naming both agencies; asks the
health trust to check. The trust's nurse is told, opens the child from the
notification and sees what was asked of her agency; then filters the chronology and
takes it as a PDF. Every page is checked with axe as it opens.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from joinedup.chronology.models import RecordCheckRequest
from joinedup.conftest import BrowserChecks, make_agreement, make_record, make_user, same_child

pytestmark = pytest.mark.browser


@pytest.fixture
def joined(transactional_db: Any, world: Any) -> Any:
    city = make_record(
        world, agency="city_csc", given_names="Keith", family_name="Smith", date_of_birth=dt.date(2012, 6, 10)
    )
    health = make_record(
        world,
        agency="health",
        given_names="Keiht Abdul",
        family_name="Smith",
        date_of_birth=dt.date(2012, 10, 6),
        nhs_number="9434765919",
    )
    world.child = same_child(city, health)
    make_agreement(
        world,
        parties=("city_csc", "health"),
        purposes=("direct_work", "screening"),
        categories=("identity", "contact", "health"),
    )
    make_user(world, role="practitioner", agency="health", username="nurse")
    return world


def test_from_records_that_disagree_to_a_checked_record_and_a_chronology_pdf(
    joined: Any, browser_checks: BrowserChecks
) -> None:
    ui, page = browser_checks, browser_checks.page
    child = joined.child

    ui.sign_in("practitioner")
    ui.goto(f"/children/{child.uuid}/")
    disagreement = page.inner_text("#disagree-date_of_birth")
    assert "two dates of birth recorded" in disagreement.lower()
    assert "10 June 2012 by City Children's Services" in disagreement
    assert "6 October 2012 by Shire Health Trust" in disagreement
    assert page.locator("#identity-conflict").is_visible()
    assert "943 476 5919" in page.inner_text("#glance-nhs_number")
    page.click("#disagree-date_of_birth button:has-text('Ask Shire Health Trust to check')")
    page.wait_for_url(f"**/children/{child.uuid}/")
    ui.check()
    assert "Shire Health Trust has been asked to check" in page.inner_text("main")
    assert RecordCheckRequest.objects.get().to_agency == joined.agencies["health"]
    page.click("button:has-text('Sign out')")

    ui.sign_in("nurse")
    assert page.locator("#unread-count").inner_text().startswith("1")
    ui.goto("/notifications/")
    page.click("#notifications button:has-text('Please check the date of birth')")
    page.wait_for_url(f"**/children/{child.uuid}/")
    ui.check()
    asked = page.inner_text("#check-requests")
    assert "City Children's Services asked" in asked and "date of birth" in asked

    page.click("text=Full chronology, filters and PDF")
    page.wait_for_url(f"**/children/{child.uuid}/chronology/")
    ui.check()
    page.select_option("#id_agency", "City Children's Services")
    page.check("input[name=kind][value=record]")
    page.click("text=Apply filters")
    page.wait_for_load_state("load")
    ui.check()
    entries = page.inner_text("#chronology-entries")
    assert "City Children's Services" in entries and "Shire Health Trust" not in entries
    pdf = page.locator("#chronology-pdf").get_attribute("href")
    assert pdf is not None and "agency=" in pdf
    response = page.request.get(ui.base + pdf)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    with page.expect_download() as download:
        page.click("#chronology-pdf")
    path = download.value.path()
    assert path is not None and open(path, "rb").read(4) == b"%PDF"
