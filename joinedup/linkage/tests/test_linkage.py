from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from joinedup.audit.models import AuditEvent
from joinedup.children.models import AgencyRecord
from joinedup.conftest import make_record
from joinedup.linkage import model as splink_model
from joinedup.linkage.decisions import (
    SHARED_NUMBER_DIFFERENT_NAMES,
    conflict_reason,
    joins_last,
    keeps_apart,
    rules_for,
)
from joinedup.linkage.models import CandidatePair, PairStatus
from joinedup.linkage.services import (
    child_merge,
    child_unmerge,
    linkage_apply,
    linkage_model_activate,
    linkage_model_save,
    pair_decide,
)
from joinedup.linkage.tests.synthetic import row

D = dt.date
# A model with no comparisons: every pair scores the prior, so the tests choose the scores.
EMPTY_MODEL = {"comparisons": [], "probability_two_random_records_match": 0.001}


KNOWN_AS = "Nickname, variant or known as, any form"


def level(model: dict[str, Any], pair: dict[str, Any], name: str) -> str:
    """The label of the level a scored pair reached in one comparison (Splink numbers them)."""
    (comparison,) = [c for c in model["comparisons"] if c["output_column_name"] == name]
    labels = [lv["label_for_charts"] for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
    gamma = pair[f"gamma_{name}"]
    return "Missing" if gamma == -1 else str(labels[len(labels) - 1 - gamma])


def score(model: dict[str, Any], a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    pairs = splink_model.predict([a, b], model, threshold=0.0)
    assert len(pairs) == 1, "the blocking rules should bring these two together"
    return pairs[0]


def test_the_conflict_rules_read_the_levels_they_name(trained: dict[str, Any]) -> None:
    """The rules read the trained model's levels by label, as Splink numbers them."""

    def gamma(name: str, label: str) -> int:
        (comparison,) = [c for c in trained["comparisons"] if c["output_column_name"] == name]
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        labels = [lv["label_for_charts"] for lv in levels]
        return len(labels) - 1 - labels.index(label)

    rules = rules_for(trained)
    assert rules.given_not_the_same_name == {
        gamma("given", label)
        for label in ("Close spelling", "Sounds alike", "Initial", "Mistyped nickname or its initial")
    }
    assert rules.given_different == {
        gamma("given", "Different, same family and birth date"),
        gamma("given", "Different"),
    }
    assert rules.family_exact == {gamma("family", "Exact")}
    assert rules.dob_exact == {gamma("dob", "Exact")} and rules.dob_different == {gamma("dob", "Different")}
    assert rules.sex_different == {gamma("sex", "Different")}
    assert rules.postcode_same == {gamma("postcode", "Same address"), gamma("postcode", "Same postcode")}
    assert rules.nhs_exact == {gamma("nhs_number", "Exact")}
    assert rules.nhs_different == {gamma("nhs_number", "Different")}


class TestComparisons:
    def test_nicknames_count_as_the_same_given_name(self, trained: dict[str, Any]) -> None:
        base = row("a", "Robert", "Okafor", D(2011, 3, 27))
        nick = score(trained, base, row("b", "Bobby", "Okafor", D(2011, 3, 27)))
        other = score(trained, base, row("c", "Kwame", "Okafor", D(2011, 3, 27)))
        assert level(trained, nick, "given") == KNOWN_AS and nick["match_weight"] > other["match_weight"]

    def test_a_name_given_as_known_as_counts_as_the_same_given_name(self, trained: dict[str, Any]) -> None:
        """Zuzu, known as Zuzanna (not in the nickname table), and a slip in the other name."""
        zuzu = row("a", "Zuzu", "Singh", D(2023, 3, 14), sex="F", other="Zuzanna")
        known = score(trained, zuzu, row("b", "Zuzanna", "Singh", D(2023, 3, 14), sex="F"))
        slip = score(trained, zuzu, row("c", "Zuzana", "Singh", D(2023, 3, 14), sex="F"))
        assert level(trained, known, "given") == level(trained, slip, "given") == KNOWN_AS
        assert not conflict_reason(known) and not conflict_reason(slip)
        twin = score(trained, zuzu, row("d", "Priya", "Singh", D(2023, 3, 14), sex="F"))
        assert "twins" in conflict_reason(twin)

    def test_names_that_sound_alike_have_their_own_level(self, trained: dict[str, Any]) -> None:
        base = row("a", "Phoebe", "Okafor", D(2011, 3, 27))
        alike = score(trained, base, row("b", "Feebee", "Okafor", D(2011, 3, 27), postcode="NG2 1AB"))
        assert level(trained, alike, "given") == "Sounds alike"  # Metaphone FB for both; Jaro-Winkler only 0.67

    def test_a_mistyped_full_name_or_initial_against_a_nickname_is_not_twins(self, trained: dict[str, Any]) -> None:
        olly = row("a", "Olly", "Hughes", D(2013, 5, 1))
        typo = score(trained, olly, row("b", "Olivre", "Hughes", D(2013, 5, 1)))
        initial = score(trained, row("c", "Livvy", "Hughes", D(2013, 5, 1)), row("d", "O", "Hughes", D(2013, 5, 1)))
        assert level(trained, typo, "given") == level(trained, initial, "given") == "Mistyped nickname or its initial"
        assert not conflict_reason(typo) and not conflict_reason(initial)

    def test_twins_with_similar_names_are_not_joined_automatically(self, trained: dict[str, Any]) -> None:
        pair = score(
            trained,
            row("a", "Oliver", "Ward", D(2022, 8, 25), sex="M"),
            row("b", "Olivia", "Ward", D(2022, 8, 25), sex="F"),
        )
        assert "twins" in conflict_reason(pair)

    def test_a_wholly_different_date_of_birth_is_for_a_person(self, trained: dict[str, Any]) -> None:
        pair = score(trained, row("a", "Amber", "Little", D(2016, 10, 19)), row("b", "Amber", "Little", D(2009, 9, 8)))
        assert conflict_reason(pair) == "Different dates of birth"

    def test_one_nhs_number_beside_two_forenames_goes_to_a_person_unless_all_else_agrees(
        self, trained: dict[str, Any]
    ) -> None:
        """One NHS number beside two given names: one child, or a twin's number keyed on the
        other's record (docs/decisions/0006). A person decides, unless the birth date and family
        name agree too: then the pair joins last, if no other child is in the running."""
        pair = score(
            trained,
            row("a", "Oliver", "Hughes", D(2013, 5, 1), nhs="9434765919"),
            row("b", "Ziggy", "Hughes", D(2013, 8, 1), nhs="9434765919"),
        )
        assert conflict_reason(pair) == SHARED_NUMBER_DIFFERENT_NAMES
        same_day = score(
            trained,
            row("a", "Oliver", "Hughes", D(2013, 5, 1), nhs="9434765919"),
            row("b", "Ziggy", "Hughes", D(2013, 5, 1), nhs="9434765919"),
        )
        assert conflict_reason(same_day) == "" and joins_last(same_day)
        slip = score(
            trained,
            row("a", "Oliver", "Hughes", D(2013, 5, 1), nhs="9434765919"),
            row("b", "Oliver", "Hughes", D(2013, 1, 5), nhs="9434765919"),
        )
        assert conflict_reason(slip) == ""

    def test_swapped_day_and_month_is_its_own_level(self, trained: dict[str, Any]) -> None:
        pair = score(trained, row("a", "Ava", "Lee", D(2012, 3, 7)), row("b", "Ava", "Lee", D(2012, 7, 3)))
        assert level(trained, pair, "dob") == "Day and month swapped"

    def test_the_same_address_is_one_level_above_the_same_postcode(self, trained: dict[str, Any]) -> None:
        home = row("a", "Ava", "Lee", D(2012, 3, 7), address="12 Elm Road, Radford")
        same = score(trained, home, row("b", "Ava", "Lee", D(2012, 3, 7), address="12, Elm Rd."))
        next_door = score(trained, home, row("c", "Ava", "Lee", D(2012, 3, 7), address="14 Elm Road"))
        assert level(trained, same, "postcode") == "Same address"
        assert level(trained, next_door, "postcode") == "Same postcode"

    def test_a_birth_year_out_by_one_is_its_own_level(self, trained: dict[str, Any]) -> None:
        pair = score(trained, row("a", "Ava", "Lee", D(2009, 3, 7)), row("b", "Ava", "Lee", D(2010, 3, 7)))
        assert level(trained, pair, "dob") == "Year out by one" and not conflict_reason(pair)

    def test_hyphenated_surnames_share_a_part(self, trained: dict[str, Any]) -> None:
        pair = score(trained, row("a", "Mia", "Hale-Jones", D(2010, 1, 5)), row("b", "Mia", "Jones", D(2010, 1, 5)))
        assert level(trained, pair, "family") == "Shares a part (hyphenated)"

    def test_given_and_family_swapped(self, trained: dict[str, Any]) -> None:
        pair = score(trained, row("a", "Thomas", "Grace", D(2010, 1, 5)), row("b", "Grace", "Thomas", D(2010, 1, 5)))
        assert level(trained, pair, "family") == "Given and family swapped"

    def test_twins_are_not_joined_automatically(self, trained: dict[str, Any]) -> None:
        pair = score(
            trained,
            row("a", "Oliver", "Hughes", D(2013, 5, 1), sex="M"),
            row("b", "Noah", "Hughes", D(2013, 5, 1), sex="M"),
        )
        assert "twins" in conflict_reason(pair)

    def test_siblings_at_one_address_are_not_joined_automatically(self, trained: dict[str, Any]) -> None:
        pair = score(
            trained,
            row("a", "Olivia", "Jordan", D(2009, 6, 30), sex="F", postcode="NG17 3YE"),
            row("b", "Orla", "Jordan", D(2009, 7, 6), sex="F", postcode="NG17 3YE"),
        )
        assert "siblings" in conflict_reason(pair)

    def test_different_valid_nhs_numbers_are_never_joined_automatically(self, trained: dict[str, Any]) -> None:
        pair = score(
            trained,
            row("a", "Ava", "Lee", D(2012, 3, 7), nhs="9990000018"),
            row("b", "Ava", "Lee", D(2012, 3, 7), nhs="9990001234"),
        )
        # Everything else agrees, so the reason says what a person should check.
        assert conflict_reason(pair).startswith("Different NHS numbers") and keeps_apart(conflict_reason(pair))


def test_a_saved_model_reloads_with_identical_scores(trained: dict[str, Any]) -> None:
    pair_rows = [
        row("a", "Jack", "Smith", D(2012, 1, 2), nhs="9990000018"),
        row("b", "Jak", "Smith", D(2012, 1, 2), nhs="9990000018"),
    ]
    before = splink_model.predict(pair_rows, trained, threshold=0.0)
    reloaded = json.loads(json.dumps(trained))
    after = splink_model.predict(pair_rows, reloaded, threshold=0.0)
    assert [round(p["match_weight"], 9) for p in before] == [round(p["match_weight"], 9) for p in after]
    nhs_levels = {
        lvl.get("label_for_charts"): lvl
        for c in reloaded["comparisons"]
        if c["output_column_name"] == "nhs_number"
        for lvl in c["comparison_levels"]
    }
    assert nhs_levels["Exact"]["u_probability"] > 0  # pinned: never observed among random pairs


class TestJoins:
    def test_merge_then_unmerge_restores_every_record_exactly(self, world: Any) -> None:
        oldest = make_record(world, agency="health")
        a, b, c = (make_record(world, agency=x) for x in ("city_csc", "police", "city_school"))
        records = [oldest, a, b, c]
        before = {r.pk: r.child_id for r in records}
        first = child_merge(actor=world.users["screener"], children=[a.child, b.child], reason="r1")
        child_merge(actor=world.users["screener"], children=[c.child], reason="nothing to join")
        second = child_merge(actor=world.users["screener"], children=[a.child, oldest.child, c.child], reason="r2")
        assert len({AgencyRecord.objects.get(pk=r.pk).child_id for r in records}) == 1
        # The second join moved the first join's records on again: it must be undone first.
        with pytest.raises(ValidationError, match="undo the later join first"):
            child_unmerge(actor=world.users["screener"], join=first, reason="wrong")
        child_unmerge(actor=world.users["screener"], join=second, reason="wrong")
        child_unmerge(actor=world.users["screener"], join=first, reason="wrong")
        assert {r.pk: AgencyRecord.objects.get(pk=r.pk).child_id for r in records} == before
        assert AuditEvent.objects.filter(event="child.unmerged").count() == 2
        with pytest.raises(ValidationError, match="already been undone"):
            child_unmerge(actor=world.users["screener"], join=first, reason="again")

    def test_a_reviewed_not_same_is_never_overridden(self, world: Any) -> None:
        a, b = make_record(world), make_record(world, agency="police")
        low, high = sorted((a, b), key=lambda r: r.pk)
        pair = CandidatePair.objects.create(record_a=low, record_b=high, probability=0.7, match_weight=2, waterfall=[])
        pair_decide(actor=world.users["screener"], pair=pair, decision=PairStatus.NOT_SAME)
        model = linkage_model_activate(
            actor=None, model=linkage_model_save(actor=None, parameters=EMPTY_MODEL, summary={})
        )
        scored = [
            {"unique_id_l": str(low.pk), "unique_id_r": str(high.pk), "match_probability": 0.9999, "match_weight": 20}
        ]
        run = linkage_apply(actor=None, model=model, rows=scored)
        assert run.figures["kept_apart"] == 1 and run.figures["children_joined"] == 0
        assert AgencyRecord.objects.get(pk=a.pk).child_id != AgencyRecord.objects.get(pk=b.pk).child_id

    def test_a_run_joins_above_the_upper_threshold_and_queues_the_band(self, world: Any) -> None:
        a, b, c, d = (make_record(world, agency=x) for x in ("city_csc", "police", "health", "city_school"))
        model = linkage_model_activate(
            actor=None, model=linkage_model_save(actor=None, parameters=EMPTY_MODEL, summary={})
        )
        scored = [
            {"unique_id_l": str(a.pk), "unique_id_r": str(b.pk), "match_probability": 0.99, "match_weight": 10},
            {"unique_id_l": str(c.pk), "unique_id_r": str(d.pk), "match_probability": 0.6, "match_weight": 2},
        ]
        run = linkage_apply(actor=None, model=model, rows=scored)
        assert run.figures["children_joined"] == 1 and run.figures["to_review"] == 1
        assert AgencyRecord.objects.get(pk=a.pk).child_id == AgencyRecord.objects.get(pk=b.pk).child_id
        assert CandidatePair.objects.get(status=PairStatus.PENDING).probability == 0.6
        # Repeating the run changes nothing.
        again = linkage_apply(actor=None, model=model, rows=scored)
        assert again.figures["children_joined"] == 0

    def test_a_run_stores_the_pairs_that_decided_something_and_a_repeat_rewrites_nothing(self, world: Any) -> None:
        a, b, c = (make_record(world, agency=x) for x in ("city_csc", "police", "health"))
        model = linkage_model_activate(
            actor=None, model=linkage_model_save(actor=None, parameters=EMPTY_MODEL, summary={})
        )
        scored = [
            {"unique_id_l": str(x.pk), "unique_id_r": str(y.pk), "match_probability": p, "match_weight": 9}
            for x, y, p in ((a, b, 0.99), (b, c, 0.98), (a, c, 0.97))
        ]
        run = linkage_apply(actor=None, model=model, rows=scored)
        assert run.figures["auto_joined"] == 2 and run.figures["already_joined"] == 1
        assert CandidatePair.objects.count() == 2  # a~c joined nothing: a and c were one child already
        assert len({r.child_id for r in AgencyRecord.objects.filter(pk__in=[a.pk, b.pk, c.pk])}) == 1
        written = dict(CandidatePair.objects.values_list("pk", "updated_at"))
        again = linkage_apply(actor=None, model=model, rows=scored)
        assert again.figures["children_joined"] == 0
        assert dict(CandidatePair.objects.values_list("pk", "updated_at")) == written

    def test_a_runs_pairs_keep_each_comparisons_level_and_weight(self, world: Any, trained: dict[str, Any]) -> None:
        from django.core.management import call_command

        from joinedup.linkage.access import agency_records_for_linkage
        from joinedup.linkage.explain import waterfall
        from joinedup.linkage.features import records_to_table
        from joinedup.linkage.management.commands.linkage_train import FIELDS

        make_record(world, given_names="Robert", family_name="Smith", date_of_birth=D(2010, 3, 4))
        make_record(world, agency="police", given_names="Bob", family_name="Smith", date_of_birth=D(2010, 3, 4))
        linkage_model_activate(actor=None, model=linkage_model_save(actor=None, parameters=trained, summary={}))
        output = StringIO()
        call_command("linkage_run", stdout=output)
        assert "1 pairs scored; deciding and writing" in output.getvalue()  # progress, as it goes
        pair = CandidatePair.objects.get()
        rows = records_to_table(agency_records_for_linkage().values(*FIELDS).iterator())
        (scored,) = splink_model.predict(rows, trained, threshold=0.0)
        assert pair.waterfall == waterfall(scored, trained)
        assert [step["level"] for step in pair.waterfall[1:3]] == [KNOWN_AS, "Exact"]
        assert sum(step["weight"] for step in pair.waterfall) == pytest.approx(pair.match_weight, abs=0.05)

    def test_reviewing_a_pair_as_same_joins_and_shows_history_with_a_split(self, world: Any) -> None:
        a, b = make_record(world), make_record(world, agency="police")
        low, high = sorted((a, b), key=lambda r: r.pk)
        pair = CandidatePair.objects.create(
            record_a=low,
            record_b=high,
            probability=0.7,
            match_weight=2,
            waterfall=[
                {"comparison": "given", "gamma": 6, "weight": 4.2},
                {"comparison": "dob", "gamma": 0, "weight": -3.1},
            ],
        )
        client = Client()
        client.force_login(world.users["screener"])
        page = client.get(reverse("linkage:pair", args=[pair.uuid])).content.decode()
        assert "4.2" in page and "-3.1" in page  # the waterfall
        assert "Shire Police" in page and "Where no agreement lets you see a record" in page  # know-of only
        client.post(reverse("linkage:pair", args=[pair.uuid]), {"decision": "same"})
        a.refresh_from_db()
        b.refresh_from_db()
        assert a.child_id == b.child_id
        child_page = client.get(reverse("children:detail", args=[a.child.uuid])).content.decode()
        assert "records were joined" in child_page and "Split<span" in child_page
        assert "Split again" not in child_page  # a join never split is split, not split again


class TestNamesDatesAndAddressesAsAgenciesWriteThem:
    """Issue 15: what lost recall on extracts the model had never seen."""

    def test_a_middle_name_used_as_the_first_name_has_its_own_level(self, trained: dict[str, Any]) -> None:
        school = row("a", "Mary Ellen", "Okafor", D(2011, 3, 27), sex="F")
        gp = score(trained, school, row("b", "Ellen", "Okafor", D(2011, 3, 27), sex="F"))
        twin = score(trained, school, row("c", "Grace", "Okafor", D(2011, 3, 27), sex="F"))
        assert level(trained, gp, "given") == "Another of their given names"
        assert not conflict_reason(gp) and "twins" in conflict_reason(twin)
        assert gp["match_weight"] > twin["match_weight"]

    def test_a_known_as_name_meets_its_full_form(self, trained: dict[str, Any]) -> None:
        bobby = row("a", "Kwame", "Okafor", D(2011, 3, 27), other="Bobby")
        full = score(trained, bobby, row("b", "Robert", "Okafor", D(2011, 3, 27)))
        assert level(trained, full, "given") == KNOWN_AS

    @pytest.mark.parametrize(
        "placeholder", ["Baby", "Baby of Okafor", "Twin 1", "Unborn", "Unknown", "NK", "BABY OKAFOR"]
    )
    def test_a_placeholder_given_name_is_a_missing_name(self, trained: dict[str, Any], placeholder: str) -> None:
        assert row("a", placeholder, "Okafor", D(2024, 3, 27))["given"] is None
        twin2 = score(
            trained, row("a", "Twin 2", "Okafor", D(2024, 3, 27)), row("b", placeholder, "Okafor", D(2024, 3, 27))
        )
        assert level(trained, twin2, "given") == "Missing"

    def test_a_real_name_that_only_looks_like_a_placeholder_word_is_kept(self) -> None:
        assert row("a", "Boy George", "Okafor", D(2024, 3, 27))["given"] == "boy"  # no marker: a name
        assert row("a", "Baby Aisha", "Okafor", D(2024, 3, 27))["given"] == "aisha"

    def test_a_placeholder_date_of_birth_is_weaker_evidence_not_a_disagreement(self, trained: dict[str, Any]) -> None:
        real = row("a", "Kwame", "Okafor", D(2011, 3, 27))
        january = score(trained, real, row("b", "Kwame", "Okafor", D(2011, 1, 1)))
        exact = score(trained, real, row("c", "Kwame", "Okafor", D(2011, 3, 27)))
        different = score(trained, real, row("d", "Kwame", "Okafor", D(2014, 8, 2)))
        assert level(trained, january, "dob") == "Placeholder date, same year"
        assert conflict_reason(january) == "" and conflict_reason(different) == "Different dates of birth"
        assert exact["match_weight"] > january["match_weight"] > different["match_weight"]
        assert row("e", "Kwame", "Okafor", D(1900, 1, 1))["dob"] is None  # a system's "no date"

    def test_partial_postcodes_meet_their_sector_or_district(self, trained: dict[str, Any]) -> None:
        full = row("a", "Kwame", "Okafor", D(2011, 3, 27), postcode="NG10 4AB")
        sector = score(trained, full, row("b", "Kwame", "Okafor", D(2011, 3, 27), postcode="NG10 4"))
        district = score(trained, full, row("c", "Kwame", "Okafor", D(2011, 3, 27), postcode="NG10"))
        assert level(trained, sector, "postcode") == "Same sector"
        assert level(trained, district, "postcode") == "Same district"
        assert row("d", "K", "O", None, postcode="S81")["postcode_district"] == "S81"

    def test_a_postcode_from_outside_the_uk_is_compared_whole(self, trained: dict[str, Any]) -> None:
        a = row("a", "Kwame", "Okafor", D(2011, 3, 27), postcode="4122")
        same = score(trained, a, row("b", "Kwame", "Okafor", D(2011, 3, 27), postcode="4122"))
        other = score(trained, a, row("c", "Kwame", "Okafor", D(2011, 3, 27), postcode="2600"))
        assert level(trained, same, "postcode") == "Same postcode"
        assert level(trained, other, "postcode") == "Different"
