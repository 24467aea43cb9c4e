"""A decision that two children are not one holds against every later "same child", however reached.

Twins decided apart by a reviewer; then a police officer adds a record that matches both (an
initial, the same birth date and address) and confirms each possible match in turn. The first
joins the record to one twin; the second would join the twins: it is refused, in words that say
what to do, and nothing moves.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from joinedup.children.models import AgencyRecord
from joinedup.conftest import make_agreement, make_record, make_user
from joinedup.linkage.models import CandidatePair, PairStatus
from joinedup.linkage.services import pair_decide

BORN = dt.date(2012, 4, 9)


def _pair(a: Any, b: Any) -> CandidatePair:
    low, high = sorted((a, b), key=lambda r: r.pk)
    steps = [{"comparison": "Prior (before comparing)", "level": "", "weight": -11.3}]
    return CandidatePair.objects.create(record_a=low, record_b=high, probability=0.97, match_weight=6, waterfall=steps)


def _child_of(record: Any) -> int:
    return AgencyRecord.objects.get(pk=record.pk).child_id


@pytest.fixture
def twins(world: Any) -> tuple[Any, Any]:
    make_agreement(world, parties=("city_csc", "police"), categories=("identity", "contact"))
    cameron = make_record(world, given_names="Cameron", family_name="Fletcher", date_of_birth=BORN, sex="M")
    christine = make_record(world, given_names="Christine", family_name="Fletcher", date_of_birth=BORN, sex="F")
    pair_decide(actor=world.users["screener"], pair=_pair(cameron, christine), decision=PairStatus.NOT_SAME)
    return cameron, christine


def test_confirming_matches_one_by_one_never_joins_children_decided_apart(world: Any, twins: Any) -> None:
    cameron, christine = twins
    officer = make_user(world, role="practitioner", agency="police")
    record = make_record(world, agency="police", given_names="C", family_name="Fletcher", date_of_birth=BORN, sex="U")
    to_cameron, to_christine = _pair(record, cameron), _pair(record, christine)
    pair_decide(actor=officer, pair=to_cameron, decision=PairStatus.SAME, reason="Same birth date and address.")
    assert _child_of(record) == _child_of(cameron)
    with pytest.raises(ValidationError, match="not the same child, so they cannot be joined"):
        pair_decide(actor=officer, pair=to_christine, decision=PairStatus.SAME, reason="Same address.")
    assert _child_of(cameron) != _child_of(christine)
    to_christine.refresh_from_db()
    assert to_christine.status == PairStatus.PENDING


def test_the_possible_matches_page_says_why_and_keeps_the_twins_apart(world: Any, twins: Any) -> None:
    cameron, christine = twins
    officer = make_user(world, role="practitioner", agency="police")
    record = make_record(
        world, agency="police", actor=officer, given_names="C", family_name="Fletcher", date_of_birth=BORN, sex="U"
    )
    to_cameron, to_christine = _pair(record, cameron), _pair(record, christine)
    client = Client()
    client.force_login(officer)
    url = reverse("linkage:record_matches", kwargs={"record_uuid": record.uuid})
    client.post(url, {"pair": str(to_cameron.uuid), "decision": "same", "reason": "Same birth date and address."})
    response = client.post(
        url, {"pair": str(to_christine.uuid), "decision": "same", "reason": "Same address."}, follow=True
    )
    text = response.content.decode()
    assert "not the same child, so they cannot be joined" in text
    assert "Records decided not the same child" in text  # where to reopen it, if it was wrong
    assert _child_of(cameron) != _child_of(christine) and _child_of(record) == _child_of(cameron)


@pytest.mark.browser
def test_keep_apart_then_confirm_in_the_browser(transactional_db: Any, world: Any, browser_checks: Any) -> None:
    """The screener decides the twins are two children on the pair's page; a police officer
    then confirms the possible matches of a record that matches both; the second is refused
    in words, and the screener's page still shows the twins apart."""
    ui, page = browser_checks, browser_checks.page
    make_agreement(world, parties=("city_csc", "police"), categories=("identity", "contact"))
    cameron = make_record(world, given_names="Cameron", family_name="Fletcher", date_of_birth=BORN, sex="M")
    christine = make_record(world, given_names="Christine", family_name="Fletcher", date_of_birth=BORN, sex="F")
    twins = _pair(cameron, christine)
    ui.sign_in("screener")
    ui.goto(f"/linkage/review/{twins.uuid}/")
    page.click("main button[name=decision][value=not_same]")
    page.wait_for_load_state()
    ui.check()
    twins.refresh_from_db()
    assert twins.status == PairStatus.NOT_SAME
    page.click("text=Sign out")

    officer = make_user(world, role="practitioner", agency="police")
    record = make_record(
        world, agency="police", actor=officer, given_names="C", family_name="Fletcher", date_of_birth=BORN, sex="U"
    )
    _pair(record, cameron), _pair(record, christine)
    ui.sign_in(officer.username)
    ui.goto(f"/linkage/records/{record.uuid}/matches/")
    for _ in range(2):
        card = page.locator("#match-1")
        if card.locator("textarea").count():
            card.locator("textarea").fill("Same birth date and address as our record.")
        card.locator("button[name=decision][value=same]").click()
        page.wait_for_load_state()
        ui.check()
    assert "not the same child, so they cannot be joined" in page.inner_text(".govuk-notification-banner")
    assert _child_of(cameron) != _child_of(christine)
    page.click("text=Sign out")

    ui.sign_in("screener")
    ui.goto(f"/children/{AgencyRecord.objects.get(pk=christine.pk).child.uuid}/")
    assert "Records decided not the same child" in page.inner_text("main")
