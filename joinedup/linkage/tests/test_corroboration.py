"""Names alone never join a record to a child: every path (intake, runs) sends them to a person."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from joinedup.children.models import AgencyRecord
from joinedup.conftest import make_record
from joinedup.linkage import model as splink_model
from joinedup.linkage.decisions import NAMES_ONLY, keeps_apart, review_reason
from joinedup.linkage.models import CandidatePair, PairStatus
from joinedup.linkage.services import linkage_model_activate, linkage_model_save
from joinedup.linkage.tests.synthetic import row

D = dt.date


def _fill(world: Any) -> None:
    for i, (g, f) in enumerate([("Noah", "Hall"), ("Ruby", "Evans"), ("Leo", "Wright"), ("Ava", "Clarke")] * 4):
        make_record(world, given_names=g, family_name=f, date_of_birth=D(2008, 1 + i % 12, 1 + i), postcode="NG5 1AA")


def test_the_rule_sends_names_alone_to_review_without_keeping_them_apart(trained: dict[str, Any]) -> None:
    full = row("1", "Kieran", "Oduya", D(2010, 5, 6), nhs="9434765919", address="1 Elm Road")
    bare = row("2", "Kieran", "Oduya", None, sex="", postcode="")
    dated = row("3", "Kieran", "Oduya", D(2010, 5, 6), sex="", postcode="")
    pairs = splink_model.predict([full, bare, dated], trained, threshold=0.0)
    by = {frozenset((p["unique_id_l"], p["unique_id_r"])): p for p in pairs}
    names_only = by[frozenset(("1", "2"))]
    assert review_reason(names_only) == NAMES_ONLY and not keeps_apart(review_reason(names_only))
    assert review_reason(by[frozenset(("1", "3"))]) == ""  # the date of birth corroborates


def _activate(trained: dict[str, Any]) -> Any:
    model = linkage_model_save(actor=None, parameters=trained, summary={})
    return linkage_model_activate(actor=None, model=model, upper=0.0002, lower=0.0001)


@pytest.mark.django_db
def test_intake_never_joins_a_record_with_only_a_name(world: Any, trained: dict[str, Any]) -> None:
    _fill(world)
    known = make_record(
        world, given_names="Kieran", family_name="Oduya", date_of_birth=D(2010, 5, 6), nhs_number="9434765919"
    )
    # Thresholds low enough that the names' score alone clears the upper one, as common
    # names' term frequencies let it in a real population (0.999 in the demo).
    _activate(trained)
    bare = make_record(
        world, agency="police", given_names="Kieran", family_name="Oduya", date_of_birth=None, postcode="", sex="U"
    )
    assert bare.child_id != known.child_id
    pair = CandidatePair.objects.get()
    assert pair.status == PairStatus.PENDING and pair.conflict == NAMES_ONLY


@pytest.mark.django_db
def test_a_linkage_run_never_joins_a_record_with_only_a_name(world: Any, trained: dict[str, Any]) -> None:
    _fill(world)
    known = make_record(
        world, given_names="Kieran", family_name="Oduya", date_of_birth=D(2010, 5, 6), nhs_number="9434765919"
    )
    bare = make_record(
        world, agency="police", given_names="Kieran", family_name="Oduya", date_of_birth=None, postcode="", sex="U"
    )
    dated = make_record(
        world, agency="health", given_names="Kieran", family_name="Oduya", date_of_birth=D(2010, 5, 6), postcode=""
    )
    _activate(trained)
    call_command("linkage_run", stdout=StringIO())
    child_of = dict(AgencyRecord.objects.values_list("pk", "child_id"))
    assert child_of[dated.pk] == child_of[known.pk]  # corroborated by the date of birth: joined
    assert child_of[bare.pk] != child_of[known.pk]
    pending = CandidatePair.objects.filter(status=PairStatus.PENDING)
    assert pending.filter(conflict=NAMES_ONLY).exists()
