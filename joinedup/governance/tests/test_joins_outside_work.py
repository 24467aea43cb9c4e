"""The DPO's list of matches that would open a child outside someone's work: what the pages
beside such a match promise ("the data protection officer is told") is a page the DPO reads."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from joinedup.audit.models import AuditEvent
from joinedup.conftest import make_record
from joinedup.linkage.models import CandidatePair, PairStatus
from joinedup.linkage.services import pair_decide

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_match_confirmed_with_a_reason_is_on_the_dpos_list(world: Any) -> None:
    maker = world.user("practitioner", agency="police")
    made = make_record(world, agency="police", actor=maker, given_names="Kieran", family_name="Oduya")
    known = make_record(world, given_names="Kieran", family_name="Oduya")
    x, y = sorted((made.pk, known.pk))
    pair = CandidatePair.objects.create(record_a_id=x, record_b_id=y, probability=0.8, match_weight=2, waterfall=[])
    pair_decide(actor=maker, pair=pair, decision=PairStatus.SAME, reason="Same boy: <his> mother confirmed")

    dpo = _client(world.users["dpo"])
    index = dpo.get(reverse("governance:index")).content.decode()
    assert reverse("governance:joins_outside_work") in index and "<strong>1</strong> record" in index
    page = dpo.get(reverse("governance:joins_outside_work")).content.decode()
    table = page[page.index('id="outside-work"') :].split("</table>")[0]
    assert maker.get_full_name() in table or maker.username in table
    assert "Confirmed the match themselves, with the reason: <q>Same boy: &lt;his&gt; mother confirmed</q>" in table
    assert "Kieran Oduya" in table
    assert reverse("linkage:pair", args=[pair.uuid]) in table
    # Reading the list is audited, with the children it named.
    read = AuditEvent.objects.get(event="joins_outside_work.viewed")
    made.refresh_from_db()
    assert read.detail["children_named"] == [str(made.child.uuid)]


def test_the_list_says_so_when_there_is_nothing_on_it(world: Any) -> None:
    page = _client(world.users["dpo"]).get(reverse("governance:joins_outside_work")).content.decode()
    assert "None yet: no one has added a record or confirmed a match" in page


def test_only_those_who_read_the_audit_trail_see_it(world: Any) -> None:
    for role in ("practitioner", "screener", "partnership_admin"):
        assert _client(world.user(role)).get(reverse("governance:joins_outside_work")).status_code == 403
