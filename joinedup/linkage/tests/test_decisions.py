"""What scored pairs decide: no runaway chains, a sibling's NHS number to review, same input same output."""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import Any

import pytest

from joinedup.linkage import model as splink_model
from joinedup.linkage.decisions import (
    IDENTIFIERS_WEIGHED,
    KEPT_APART,
    NHS_DIFFERENT_ALL_ELSE_AGREES,
    NHS_SLIP,
    SECOND_WEAK_LINK,
    TWINS,
    TWO_IDENTIFIERS,
    TWO_NHS_NUMBERS,
    Components,
    cluster,
    nhs_disagrees_all_else_agrees,
    numbers_weighed,
    one_slip,
)
from joinedup.linkage.features import lasting_identifier
from joinedup.linkage.intake import Scorer
from joinedup.linkage.tests.synthetic import row

D = dt.date


class TestComponents:
    def test_a_cluster_larger_than_the_cap_goes_to_a_person(self) -> None:
        components = Components({i: i for i in range(6)}, cap=4)
        for i in range(1, 4):
            assert components.refusal(0, i) == ""
            components.join(0, i)
        assert "more than 4 records" in components.refusal(0, 4)

    def test_a_component_holds_at_most_one_weak_link(self) -> None:
        components = Components({i: i for i in "abcd"})
        components.join("a", "b", weak=True)
        assert components.refusal("b", "c", weak=True) == SECOND_WEAK_LINK
        assert components.refusal("b", "c") == ""  # a strong link may still join it
        components.join("c", "d", weak=True)
        assert components.refusal("a", "d") == SECOND_WEAK_LINK  # two weak groups, one more link

    def test_no_chain_brings_two_nhs_numbers_into_one_child(self) -> None:
        """The heritage demo found twins whose own pair scored under 0.5 (two NHS numbers)
        joined through a third record that matched both."""
        components = Components({i: i for i in "abcd"}, numbers={"a": "9434765919", "b": "9434765870"})
        components.join("a", "c")
        assert components.refusal("c", "b") == TWO_NHS_NUMBERS
        assert components.refusal("d", "b") == ""  # a record with no number may join either
        components.join("c", "d")
        assert components.refusal("d", "b") == TWO_NHS_NUMBERS

    def test_a_child_a_person_gave_two_numbers_may_take_a_record_with_either(self) -> None:
        start = {"a": 1, "b": 1, "c": "c", "d": "d"}
        numbers = {"a": "9434765919", "b": "9434765870", "c": "9434765870", "d": "4010232137"}
        components = Components(start, numbers=numbers)
        assert components.refusal("a", "c") == ""
        assert components.refusal("a", "d") == TWO_NHS_NUMBERS

    def test_no_chain_brings_two_upns_into_one_child_through_records_that_do_not_compare_them(self) -> None:
        """Eric's and Erin's records (a brother and sister, each with their own identifier)
        chained through a record that holds none: refused. A pair that compares its own two
        beside the same birth date has weighed them (a UPN reissued); a temporary UPN is
        replaced by the permanent one, so it never counts."""
        identifiers = {"a": "H801200001001", "b": "K801200001002", "c": "H801200001007"}
        components = Components({i: i for i in "abcd"}, identifiers=identifiers)
        components.join("a", "d")
        assert components.refusal("d", "b") == TWO_IDENTIFIERS
        assert components.refusal("a", "c", weighed=IDENTIFIERS_WEIGHED) == ""
        assert components.refusal("a", "c", weighed=NHS_SLIP) == TWO_IDENTIFIERS
        assert lasting_identifier("h801 2000 0100A") is None
        assert lasting_identifier("h801 2000 01001") == "H801200001001"

    def test_an_identifier_keyed_with_one_slip_is_the_same_number_but_numbers_in_sequence_are_two(self) -> None:
        """A UPN copied by hand with one character mistyped, or two side by side swapped, is
        one child's number keyed twice: a chain may bring both into one child. Numbers that
        differ in their last two characters are never taken for a slip (twins enrolled on one
        day hold UPNs in sequence), nor are numbers two slips apart."""
        assert one_slip("H801200001001", "H801700001001")  # one mistyped
        assert one_slip("H801200001001", "H810200001001")  # two side by side swapped
        assert not one_slip("H801200001001", "H801200001002")  # in sequence: the last character
        assert not one_slip("H801200001001", "H801200001010")  # a swap within the last two
        assert not one_slip("H801200001001", "H801277001001")  # two mistyped
        assert not one_slip("H801200001001", "H80120000100")  # not the same length
        identifiers = {"a": "H801200001001", "b": "H801700001001", "c": "H801200001002", "e": "K801200001001"}
        components = Components({i: i for i in "abcde"}, identifiers=identifiers)
        components.join("a", "d")
        assert components.refusal("d", "b") == ""
        components.join("d", "b")
        # The child now holds the number and its slip: a twin's number in sequence is still refused,
        # and so is one a slip from only one of the two (each must be a slip of the other's).
        assert components.refusal("d", "c") == TWO_IDENTIFIERS
        assert components.refusal("b", "e") == TWO_IDENTIFIERS
        assert Components({"x": 1, "y": 1, "z": "z"}, identifiers={"x": "H801200001001", "y": "K801200001001",
                          "z": "H801200001009"}).refusal("x", "z") == TWO_IDENTIFIERS  # fmt: skip

    def test_numbers_weighed_read_the_pairs_own_levels(self, trained: dict[str, Any]) -> None:
        scorer = Scorer.from_parameters(trained)
        a = row("a", "Amelia", "Smith", D(2014, 5, 6), upn="H801200001001", nhs="9434765919")
        other = row("b", "Amelia", "Smith", D(2014, 5, 6), upn="K801200002002", nhs="9434765919")
        later = row("c", "Amelia", "Smith", D(2014, 6, 5), upn="K801200002002")
        none = row("d", "Amelia", "Smith", D(2014, 5, 6))
        assert numbers_weighed(scorer.score(a, other, lambda column, value: None)) == IDENTIFIERS_WEIGHED
        assert numbers_weighed(scorer.score(a, later, lambda column, value: None)) == 0
        assert numbers_weighed(scorer.score(a, none, lambda column, value: None)) == 0

    def test_records_kept_apart_are_never_chained_through_a_third(self) -> None:
        components = Components({i: i for i in "abc"})
        components.keep_apart("a", "c")
        components.join("a", "b")
        assert components.refusal("b", "c") == KEPT_APART


def _population(seed: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """A population the test model never saw: 400 children sharing two very common names,
    born within one year in one postcode district, each with two or three records that
    carry the slips agencies make (a day off, a year out, a moved postcode). Chance
    neighbours a day or a year apart abound: chained, they make clusters of dozens."""
    rng = random.Random(seed)
    names = [("Mohammed", "Hussain"), ("Muhammad", "Khan")]
    rows: list[dict[str, Any]] = []
    truth: dict[str, int] = {}
    for child in range(400):
        given, family = names[child % len(names)]
        born = D(2010, 1, 2) + dt.timedelta(days=rng.randint(0, 365))
        home = f"NG7 {rng.randint(1, 9)}{rng.choice('ABD')}{rng.choice('HJL')}"
        for n in range(rng.choice([2, 3])):
            dob = born
            slip = rng.random()
            if slip < 0.15:
                dob = born + dt.timedelta(days=1)
            elif slip < 0.25:
                dob = born.replace(year=born.year + 1)
            postcode = home if rng.random() < 0.6 else f"NG7 {rng.randint(1, 9)}AA"
            uid = f"{child}-{n}"
            rows.append(row(uid, given, family, dob, postcode=postcode, address=f"{rng.randint(1, 40)} High Street"))
            truth[uid] = child
    return rows, truth


def test_a_model_trained_on_one_population_never_chains_another_into_giant_clusters(trained: dict[str, Any]) -> None:
    """Without the chain rules this population makes clusters of 27 records (children of two
    or three records each); children born the same day with the same name stay joinable."""
    rows, truth = _population(seed=11)
    pairs = splink_model.predict(rows, trained, threshold=0.5)
    components, review = cluster(truth, pairs, threshold=0.7)
    sizes = [len(members) for members in components.members.values()]
    assert max(sizes) <= 6, f"a cluster of {max(sizes)} records from children of two or three records each"
    assert any(reason == SECOND_WEAK_LINK for _, _, _, reason in review)


def test_the_same_pairs_in_any_order_give_the_same_clusters(trained: dict[str, Any]) -> None:
    rows, truth = _population(seed=12)
    pairs = splink_model.predict(rows, trained, threshold=0.5)
    first, review = cluster(truth, pairs, threshold=0.7)
    random.Random(1).shuffle(pairs)
    second, review_again = cluster(truth, pairs, threshold=0.7)
    assert first.component == second.component and review == review_again


def test_a_siblings_nhs_number_on_one_record_goes_to_a_person_not_silently_apart(trained: dict[str, Any]) -> None:
    """Same names, date of birth and address; one record carries another child's NHS number.
    The different numbers pull the score under the thresholds, but a person must see it."""
    rows = [
        row("a", "Kieran", "Oduya", D(2010, 5, 6), nhs="9434765919", address="3 Ash Grove"),
        row("b", "Kieran", "Oduya", D(2010, 5, 6), nhs="9434765870", address="3 Ash Grove", postcode="NG9 9ZZ"),
        row("c", "Amara", "Oduya", D(2012, 2, 9), nhs="9434765870", address="3 Ash Grove"),
    ]
    streamed = list(splink_model.predict_pairs(rows, trained, threshold=0.999999))
    (pair,) = [p for p in streamed if {p["unique_id_l"], p["unique_id_r"]} == {"a", "b"}]
    assert nhs_disagrees_all_else_agrees(pair)
    _, review = cluster(["a", "b", "c"], streamed, threshold=0.999999, review_from=0.999999)
    assert ("a", "b", float(pair["match_probability"]), NHS_DIFFERENT_ALL_ELSE_AGREES) in review


def test_training_twice_on_the_same_rows_gives_the_same_model_byte_for_byte() -> None:
    import json

    from joinedup.linkage.tests.synthetic import synthetic_model

    first, second = synthetic_model(), synthetic_model()
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


@pytest.mark.django_db
def test_twins_held_apart_by_rule_are_recorded_not_queued_and_a_person_may_reopen(
    world: Any, trained: dict[str, Any]
) -> None:
    """A queue full of twins hides the pairs that need a person: they are kept apart by the rule,
    out of the queue, and a reviewer can still open the pair and look again."""
    from django.core.management import call_command

    from joinedup.conftest import make_record
    from joinedup.linkage.access import candidate_pairs_for_review
    from joinedup.linkage.models import CandidatePair, PairStatus
    from joinedup.linkage.services import linkage_model_activate, linkage_model_save, pair_reopen

    born = D(2010, 5, 6)
    kieran = make_record(world, given_names="Kieran", family_name="Oduya", date_of_birth=born, address="3 Ash Grove")
    make_record(world, agency="police", given_names="Amara", family_name="Oduya", date_of_birth=born,
                address="3 Ash Grove")  # fmt: skip
    linkage_model_activate(actor=None, model=linkage_model_save(actor=None, parameters=trained, summary={}))
    call_command("linkage_run", stdout=io.StringIO())
    pair = CandidatePair.objects.get()
    assert pair.status == PairStatus.KEPT_APART and pair.conflict == TWINS
    assert not candidate_pairs_for_review(world.users["screener"]).filter(pk=pair.pk).exists()
    assert kieran.child.records.count() == 1
    pair_reopen(actor=world.users["screener"], pair=pair, reason="Check: one child renamed?")
    pair.refresh_from_db()
    assert pair.status == PairStatus.PENDING
    call_command("linkage_run", stdout=io.StringIO())  # a person is looking: the run leaves it alone
    pair.refresh_from_db()
    assert pair.status == PairStatus.PENDING
