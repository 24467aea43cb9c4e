"""What a walk of the review pages (walk3) found the pair page saying untruly, each held by a test.

- The hint beside the reason told a reviewer that joining "outside your agency's work" needs their
  reason and that the data protection officer is told, for pairs of records they had not made:
  pair_decide asks neither of a reviewer then, so the decision went through without a reason and
  the DPO's list of joins outside work stayed empty. The page now asks exactly when pair_decide does.
- A pair settled "same child" with another pair told the reviewer to split the join "from the
  child's page", which the DPO (who may see neither record) cannot open, and did not say which
  pair it was decided with. It now links that pair, and the split of the join its decision made.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from joinedup.audit.models import AuditEvent
from joinedup.children.models import AgencyRecord
from joinedup.children.selectors import JOINED_OUTSIDE_WORK_EVENT
from joinedup.children.services import break_glass_open
from joinedup.conftest import make_record, same_child
from joinedup.linkage.models import CandidatePair, PairStatus
from joinedup.linkage.services import pair_decide

pytestmark = pytest.mark.django_db


def _pair(a: Any, b: Any) -> CandidatePair:
    low, high = sorted((a, b), key=lambda r: r.pk)
    return CandidatePair.objects.create(record_a=low, record_b=high, probability=0.6, match_weight=1, waterfall=[])


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _hint(page: str) -> str:
    return page[page.index('id="reason-hint"') :].split("</div>")[0]


def _opening_pair(world: Any, *, made_by: Any = None) -> CandidatePair:
    """A pair whose join opens to the screener a child outside their work: their agency's record
    (made by `made_by`), and a health record of a child they may not open."""
    own = make_record(world)
    if made_by is not None:
        AgencyRecord.objects.filter(pk=own.pk).update(created_by=made_by)
    return _pair(own, make_record(world, agency="health"))


def test_a_reviewer_deciding_records_they_did_not_make_is_not_told_the_dpo_is_told(world: Any) -> None:
    screener = world.users["screener"]
    pair = _opening_pair(world)
    page = _client(screener).get(reverse("linkage:pair", args=[pair.uuid])).content.decode()
    assert "data protection officer is told" not in page
    assert "Note (optional)" in page
    # And indeed: the decision needs no reason, and nothing is recorded for the DPO.
    pair_decide(actor=screener, pair=pair, decision=PairStatus.SAME)
    assert not AuditEvent.objects.filter(event=JOINED_OUTSIDE_WORK_EVENT).exists()


def test_a_reviewer_deciding_a_record_of_their_own_making_is_asked_why_and_the_dpo_is_told(world: Any) -> None:
    screener = world.users["screener"]
    pair = _opening_pair(world, made_by=screener)
    page = _client(screener).get(reverse("linkage:pair", args=[pair.uuid])).content.decode()
    hint = _hint(page)
    assert "so the data protection officer is told, with your reason" in hint
    assert "the child of the Shire Health Trust record is outside your agency's work" in hint
    # What the page says is what pair_decide does.
    with pytest.raises(ValidationError):
        pair_decide(actor=screener, pair=pair, decision=PairStatus.SAME)
    pair_decide(actor=screener, pair=pair, decision=PairStatus.SAME, reason="Same school, same address")
    assert AuditEvent.objects.filter(event=JOINED_OUTSIDE_WORK_EVENT, object_uuid=pair.uuid).exists()


def test_the_hint_for_records_the_reviewer_broke_glass_for_follows_pair_decide_too(world: Any) -> None:
    screener = world.users["screener"]
    police = make_record(world, agency="police")
    break_glass_open(actor=screener, child=police.child, reason="immediate_risk", explanation="Missing overnight.")
    pair = _pair(police, make_record(world, agency="health"))
    page = _client(screener).get(reverse("linkage:pair", args=[pair.uuid])).content.decode()
    assert "data protection officer is told" not in page


def _settled_same(world: Any) -> tuple[CandidatePair, CandidatePair]:
    x1, x2 = make_record(world), make_record(world, agency="police")
    same_child(x1, x2)
    y = make_record(world, agency="police")
    first, second = _pair(x1, y), _pair(x2, y)
    pair_decide(actor=world.users["screener"], pair=first, decision=PairStatus.SAME, reason="Checked")
    second.refresh_from_db()
    assert second.status == PairStatus.SAME
    return first, second


def test_a_pair_settled_same_links_the_pair_it_was_decided_with_and_the_split(world: Any) -> None:
    first, second = _settled_same(world)
    join = first.joins.get()
    for role in ("screener", "dpo"):
        page = _client(world.users[role]).get(reverse("linkage:pair", args=[second.uuid])).content.decode()
        assert f'href="{reverse("linkage:pair", args=[first.uuid])}" id="settled-with">another pair' in page
        assert f'href="{reverse("linkage:split", args=[join.uuid])}">split the join</a>' in page, role
        assert "split the join from the child's page" not in page


def test_a_pair_settled_not_the_same_links_the_pair_it_was_decided_with(world: Any) -> None:
    x1, x2 = make_record(world), make_record(world, agency="police")
    same_child(x1, x2)
    y = make_record(world, agency="health")
    first, second = _pair(x1, y), _pair(x2, y)
    pair_decide(actor=world.users["screener"], pair=first, decision=PairStatus.NOT_SAME, reason="Different mothers")
    page = _client(world.users["screener"]).get(reverse("linkage:pair", args=[second.uuid])).content.decode()
    assert f'href="{reverse("linkage:pair", args=[first.uuid])}" id="settled-with">' in page
    # The pair decided on its own links no other.
    page = _client(world.users["screener"]).get(reverse("linkage:pair", args=[first.uuid])).content.decode()
    assert 'id="settled-with"' not in page
