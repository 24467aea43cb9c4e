"""Intake matching: the Python scorer gives Splink's scores, and new records are placed as they are created."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from joinedup.audit.models import AuditEvent
from joinedup.children.models import AgencyRecord
from joinedup.conftest import make_record
from joinedup.linkage import model as splink_model
from joinedup.linkage.intake import Scorer
from joinedup.linkage.models import CandidatePair, PairStatus
from joinedup.linkage.services import linkage_model_activate, linkage_model_save
from joinedup.linkage.tests.synthetic import row

D = dt.date

PEOPLE = [
    row("1", "Robert", "Smith", D(2010, 3, 4), nhs="9434765919", address="12 Elm Road, Radford"),
    row("2", "Bob", "Smith", D(2010, 3, 4), address="12, Elm Road"),
    row("3", "Robbie", "Smith-Jones", D(2010, 4, 3)),
    row("4", "Rob", "Smyth", D(2010, 3, 5), postcode="NG7 1AD"),
    row("5", "Smith", "Robert", D(2010, 3, 4)),
    row("6", "Amelia", "Smith", D(2010, 3, 4), address="14 Elm Road"),  # Robert's twin
    row("7", "R", "Smith", D(2010, 3, 4), sex="F"),
    row("8", "Olivia", "Walker", D(2012, 1, 1), other="Smith"),
    row("9", "Olivia", "Smith", D(2012, 1, 1), postcode="NG2 3AB"),
    row("10", "Oliva", "Walker", None, postcode=""),
    row("11", "Robert", "Smith", D(2010, 3, 4), nhs="9434765870"),
    row("12", "Robert", "Smith", D(2010, 3, 4), nhs="9434765919", postcode="NG9 9ZZ"),
    row("13", "Zara", "Green", D(2009, 12, 31), sex=""),
    row("14", "Zara", "Green-Hall", D(2009, 12, 13)),
    row("15", "Zuzu", "Green", D(2009, 12, 31), other="Zra"),  # known as Zara, with a slip
    row("16", "Ellen Mary", "Green", D(2009, 1, 1), postcode="NG2 3"),  # placeholder date, a sector only
    row("17", "Mary", "Green", D(2009, 6, 2), postcode="NG2"),  # her middle name as first, a district only
    row("18", "Baby of Green", "Green", D(2009, 6, 2), postcode="4122"),  # a placeholder name, a foreign code
    row("19", "Zara", "Green", D(2009, 12, 31), other="Bobby", postcode="4122"),  # known as a nickname
    row("20", "Ava", "Green", D(2009, 12, 31), upn="H801200001001"),  # Zara's twin, with UPNs
    row("21", "Zara", "Green", D(2009, 12, 31), upn="H801200001002"),
    row("22", "Zed", "Green", D(2009, 12, 31), upn="H801200001002"),
]


def test_intake_scores_equal_splinks_own(trained: dict[str, Any]) -> None:
    """Every pair Splink scores, the intake scorer scores the same: levels, weights, probability."""
    every_pair = {**trained, "blocking_rules_to_generate_predictions": [{"blocking_rule": "1=1"}]}
    splink_rows = splink_model.predict(PEOPLE, every_pair, threshold=0.0)
    assert len(splink_rows) == len(PEOPLE) * (len(PEOPLE) - 1) // 2
    scorer = Scorer.from_parameters(trained)
    counts = {col: Counter(p[col] for p in PEOPLE if p[col] is not None) for col in ("given", "family")}

    def tf(column: str, value: str) -> float | None:
        total = sum(counts[column].values())
        return counts[column][value] / total if counts[column][value] else None

    by_id = {p["unique_id"]: p for p in PEOPLE}
    for expected in splink_rows:
        got = scorer.score(by_id[expected["unique_id_l"]], by_id[expected["unique_id_r"]], tf)
        pair = (expected["unique_id_l"], expected["unique_id_r"])
        for name in ("given", "family", "dob", "sex", "postcode", "nhs_number", "identifier"):
            assert got[f"gamma_{name}"] == expected[f"gamma_{name}"], (pair, name)
        assert got["match_weight"] == pytest.approx(expected["match_weight"], abs=1e-6), pair
        assert got["match_probability"] == pytest.approx(expected["match_probability"], abs=1e-9), pair


def records_to_rows_for(record: Any) -> list[dict[str, Any]]:
    from joinedup.linkage.features import records_to_rows
    from joinedup.linkage.intake import FIELDS

    return records_to_rows([{f: getattr(record, f) for f in FIELDS}])


def test_a_row_built_from_its_partial_features_is_the_row_itself() -> None:
    from joinedup.linkage.features import partial_features, records_to_rows, row_from_partial

    for values in [
        {"id": 7, "given_names": "Zoë Mary", "family_name": "O'Brien-Smith", "other_names": "Bobby, Ann",
         "date_of_birth": D(2012, 1, 1), "sex": "F", "postcode": "ng7 1ab", "nhs_number": "9434765919",
         "address": "Flat 3, 12 Elm Rd., Radford", "upn": "H801200001001"},
        {"id": 8, "given_names": "Baby of Green", "family_name": "Green", "other_names": None,
         "date_of_birth": D(1900, 1, 1), "sex": "", "postcode": "NFA", "nhs_number": "", "address": None, "upn": ""},
        {"id": 9, "given_names": "", "family_name": "", "other_names": "", "date_of_birth": None, "sex": "X",
         "postcode": "4122", "nhs_number": None, "address": "", "upn": None},
    ]:  # fmt: skip
        assert row_from_partial(values, partial_features(values)) == records_to_rows([values])[0]


def test_folding_ascii_and_accented_text_alike() -> None:
    from joinedup.core.text import fold

    assert fold("  Zoë\t O'Brien ") == "zoe o'brien" == fold("  ZOE\n O'BRIEN ")
    assert fold("Straße") == "strasse" and fold("") == "" == fold(None)  # type: ignore[arg-type]


def test_one_records_memoised_scores_equal_its_scores_pair_by_pair(trained: dict[str, Any]) -> None:
    """Intake scores a record's candidates with each comparison's level memoised on what the
    comparison reads; every score is the one the pair gets alone, in any order, with the memo
    warm or cold, given the candidate's raw names or only its name columns."""
    import random

    from joinedup.linkage.features import NAME_COLUMNS, _names

    assert set(NAME_COLUMNS) == set(_names("Ann", "Lee", "").keys())
    scorer = Scorer.from_parameters(trained)
    assert {c.name for c in scorer.comparisons if c.reads_names} == {"given", "family"}
    raw = [
        ("Robert", "Smith", ""), ("Bob", "Smith", ""), ("Smith", "Robert", ""), ("Amelia", "Smith", ""),
        ("Olivia", "Walker", "Smith"), ("Zara", "Green", "Bobby"), ("Mary Ellen", "Green", ""),
        ("Ellen", "Green", ""), ("Baby of Green", "Green", ""), ("Robbie", "Smith-Jones", ""),
    ]  # fmt: skip
    people = [
        (names, row(f"{i}-{d}", *names[:2], dob, other=names[2], postcode=pc))
        for i, names in enumerate(raw)
        for d, (dob, pc) in enumerate([(D(2010, 3, 4), "NG7 1AB"), (D(2010, 4, 3), "NG7 1AD"), (None, "")])
    ]

    def tf(column: str, value: str) -> float | None:
        return 0.01 if value != "green" else None

    order = random.Random(3)
    for _, left in people:
        scoring = scorer.for_left(left, tf)
        for names_given in (True, False, True):
            order.shuffle(people)
            for names, right in people:
                alone = scorer.score(left, right, tf)
                assert scoring.score(right, names if names_given else None) == alone, (left, right)
                assert scoring.other_weight(right) == pytest.approx(scorer.other_weight(left, right))


@pytest.mark.parametrize("born", [D(2012, 12, 26), D(2016, 2, 29), D(2010, 3, 4), D(2019, 1, 1)])
def test_the_district_block_keeps_every_date_of_birth_that_could_agree(born: dt.date) -> None:
    """The family name and district block is narrowed to dates of birth that meet `born` at
    some level of the model's date comparison: it drops only dates at its "Different" level
    (and keeps some of those: the years either side whole)."""
    from joinedup.linkage.comparisons import COMPARISONS
    from joinedup.linkage.intake import _could_agree

    (dob,) = [c for c in COMPARISONS if c.name == "dob"]
    sql, params = _could_agree(born, "postgresql")
    if (born.month, born.day) == (1, 1):
        assert sql == ""  # a placeholder date agrees, weakly, with every date
        return
    assert _could_agree(born, "sqlite")[1] == params and "strftime('%%m-%%d'" in _could_agree(born, "sqlite")[0]
    start, end, month_day = params

    def kept(other: dt.date) -> bool:
        return start <= other <= end or other.strftime("%m-%d") in {month_day, "01-01"}

    left = row("l", "Amina", "Khan", born)
    day, dropped = D(born.year - 30, 1, 1), 0
    while day <= D(born.year + 30, 12, 31):
        right = row("r", "Amina", "Khan", day)
        level = next(lv for lv in dob.levels if lv.test is None or lv.test(left, right))
        if not kept(day):
            assert level.label == "Different", (born, day, level.label)
            dropped += 1
        day += dt.timedelta(days=1)
    assert dropped > 0.9 * 61 * 365
    assert _could_agree(born, None) == ("", [])  # no database named: not narrowed


def test_the_district_block_takes_any_year_a_date_can_hold() -> None:
    from joinedup.linkage.intake import _could_agree

    assert _could_agree(D(9999, 6, 15), "sqlite")[1][:2] == [D(9998, 1, 1), D(9999, 12, 31)]
    assert _could_agree(D(1, 6, 15), "postgresql")[1][:2] == [D(1, 1, 1), D(2, 12, 31)]


@pytest.mark.django_db
def test_the_district_block_runs_in_this_database(world: Any, active: Any) -> None:
    """The narrowed district block is real SQL here: a record found only by it is found when its
    date could agree (the year mistyped) and not when it is quite different."""
    from joinedup.linkage.intake import candidates

    mistyped = make_record(world, given_names="Anwar", family_name="Qadri", date_of_birth=D(2021, 12, 26),
                           postcode="NG2 7XX")  # fmt: skip
    make_record(world, given_names="Anwar", family_name="Qadri", date_of_birth=D(2016, 6, 30), postcode="NG2 7XY")
    probe = AgencyRecord(agency=world.agencies["police"], given_names="Aniwar", family_name="Qadri",
                         date_of_birth=D(2012, 12, 26), postcode="NG2 1BE")  # fmt: skip
    (left,) = records_to_rows_for(probe)
    assert [c["id"] for c in candidates(probe, left)] == [mistyped.pk]


def test_a_model_with_levels_the_scorer_does_not_know_is_refused(trained: dict[str, Any]) -> None:
    import copy

    changed = copy.deepcopy(trained)
    changed["comparisons"][0]["comparison_levels"][2]["label_for_charts"] = "Something new"
    with pytest.raises(ValueError, match="not one this version knows how to score"):
        Scorer.from_parameters(changed)


@pytest.fixture
def active(world: Any, trained: dict[str, Any]) -> Any:
    model = linkage_model_save(actor=None, parameters=trained, summary={})
    return linkage_model_activate(actor=None, model=model)


def fill(world: Any) -> None:
    """Other children, so the names in the tests are not the only ones (term frequencies)."""
    for i, (g, f) in enumerate(
        [("Noah", "Hall"), ("Ruby", "Evans"), ("Leo", "Wright"), ("Ava", "Clarke"), ("Mia", "Green")] * 4
    ):
        make_record(world, given_names=g, family_name=f, date_of_birth=D(2008, 1 + i % 12, 2 + i), postcode="NG5 1AA")


@pytest.mark.django_db
class TestIntake:
    def test_the_same_child_at_another_agency_joins_the_known_child(self, world: Any, active: Any) -> None:
        fill(world)
        known = make_record(
            world, given_names="Kieran", family_name="Oduya", date_of_birth=D(2010, 5, 6), nhs_number="9434765919"
        )
        again = make_record(
            world,
            agency="police",
            given_names="Kieran",
            family_name="Oduya",
            date_of_birth=D(2010, 5, 6),
            nhs_number="9434765919",
        )
        assert again.child_id == known.child_id
        pair = CandidatePair.objects.get()
        assert pair.status == PairStatus.AUTO_JOINED and pair.probability >= active.upper_threshold
        assert pair.waterfall[0]["comparison"].startswith("Prior")
        assert AuditEvent.objects.filter(event="agency_record.intake_matched", detail__joined=True).exists()

    def test_twins_are_offered_not_joined(self, world: Any, active: Any) -> None:
        fill(world)
        robert = make_record(world, given_names="Kieran", family_name="Oduya", date_of_birth=D(2010, 5, 6))
        twin = make_record(
            world, agency="police", given_names="Amara", family_name="Oduya", date_of_birth=D(2010, 5, 6)
        )
        assert twin.child_id != robert.child_id
        pairs = CandidatePair.objects.all()
        assert all(p.status == PairStatus.PENDING for p in pairs)

    def test_a_possible_match_is_shown_to_the_creator_who_may_confirm(self, world: Any, active: Any) -> None:
        fill(world)
        make_record(world, given_names="Kieran", family_name="Oduya", date_of_birth=D(2010, 5, 6))
        # The band is wide here so the nickname-and-one-digit-off record falls in it.
        active.upper_threshold = 0.99999999
        active.lower_threshold = 0.01
        active.save()
        creator = world.user("practitioner", agency="police")
        client = Client()
        client.force_login(creator)
        response = client.post(
            reverse("children:record_create"),
            {
                "local_id": "POL-77",
                "given_names": "Kieran",
                "family_name": "Oduya",
                "date_of_birth_day": "6",
                "date_of_birth_month": "5",
                "date_of_birth_year": "2011",
                "sex": "M",
                "postcode": "NG7 1AA",
            },
        )
        record = AgencyRecord.objects.get(local_id="POL-77")
        assert response.status_code == 302
        assert response["Location"] == reverse("linkage:record_matches", kwargs={"record_uuid": record.uuid})
        page = client.get(response["Location"]).content.decode()
        assert "Possible matches" in page and escape(world.agencies["city_csc"].name) in page
        # No agreement with police lets a police practitioner see the council's fields: know-of only.
        assert "2010" not in page
        pair = CandidatePair.objects.get(status=PairStatus.PENDING)
        # The council's child is outside the police's work: confirming it needs a reason, for the DPO.
        assert "say why" in page
        refused = client.post(response["Location"], {"pair": str(pair.uuid), "decision": "same"}, follow=True)
        assert "Say why you are sure" in refused.content.decode()
        record.refresh_from_db()
        known = AgencyRecord.objects.get(given_names="Kieran", local_id__startswith="REF-")
        assert record.child_id != known.child_id
        response = client.post(
            response["Location"],
            {"pair": str(pair.uuid), "decision": "same", "reason": "Same school, confirmed with the school"},
        )
        assert response.status_code == 302
        record.refresh_from_db()
        assert record.child_id == known.child_id
        flagged = AuditEvent.objects.get(event="linkage.joined_outside_work")
        assert flagged.actor == creator and flagged.detail["reason"] == "Same school, confirmed with the school"

    def test_the_api_reports_possible_matches_and_takes_a_decision(self, world: Any, active: Any) -> None:
        from joinedup.shell.services import api_token_create

        fill(world)
        known = make_record(world, given_names="Kieran", family_name="Oduya", date_of_birth=D(2010, 5, 6))
        active.upper_threshold, active.lower_threshold = 0.99999999, 0.01
        active.save()
        creator = world.user("practitioner", agency="police")
        _, secret = api_token_create(actor=creator, name="test", expires_in_days=1)
        auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
        client = Client()
        body = {
            "local_id": "POL-78",
            "given_names": "Kieran",
            "family_name": "Oduya",
            "date_of_birth": "2011-05-06",
            "sex": "M",
            "postcode": "NG7 1AA",
        }
        created = client.post("/api/v1/records", body, content_type="application/json", **auth)
        assert created.status_code == 201, created.content
        assert created.json()["possible_matches"] == 1
        url = f"/api/v1/records/{created.json()['uuid']}/matches"
        listed = client.get(url, **auth).json()
        (match,) = listed["possible_matches"]
        assert match["held_by"] == world.agencies["city_csc"].name and "given_names" not in match
        bad = client.post(f"{url}/{match['pair']}", {"decision": "maybe"}, content_type="application/json", **auth)
        assert bad.status_code == 422
        no_reason = client.post(f"{url}/{match['pair']}", {"decision": "same"}, content_type="application/json", **auth)
        assert no_reason.status_code == 422 and "reason" in no_reason.json()["error"]["fields"]
        decided = client.post(
            f"{url}/{match['pair']}",
            {"decision": "same", "reason": "Confirmed with the council"},
            content_type="application/json",
            **auth,
        )
        assert decided.status_code == 200 and decided.json()["possible_matches"] == []
        assert decided.json()["child"] == str(known.child.uuid)

    def test_someone_else_cannot_see_a_records_possible_matches(self, world: Any, active: Any) -> None:
        record = make_record(world, agency="police")
        client = Client()
        client.force_login(world.user("practitioner", agency="health"))
        url = reverse("linkage:record_matches", kwargs={"record_uuid": record.uuid})
        assert client.get(url).status_code == 404

    def test_an_unrelated_record_is_a_new_child(self, world: Any, active: Any) -> None:
        fill(world)
        a = make_record(world, given_names="Kieran", family_name="Oduya", date_of_birth=D(2010, 5, 6))
        b = make_record(world, given_names="Priya", family_name="Lakhani", date_of_birth=D(2013, 9, 1))
        assert a.child_id != b.child_id and not CandidatePair.objects.exists()

    def test_without_an_active_model_nothing_is_matched(self, world: Any) -> None:
        a = make_record(world, nhs_number="9434765919")
        b = make_record(world, agency="police", nhs_number="9434765919")
        assert a.child_id != b.child_id and not CandidatePair.objects.exists()


@pytest.mark.django_db
class TestModelPage:
    def test_the_model_page_shows_splinks_chart_spec_and_the_parameters(self, world: Any, active: Any) -> None:
        client = Client()
        client.force_login(world.users["screener"])
        page = client.get(reverse("linkage:model", kwargs={"model_uuid": active.uuid})).content.decode()
        assert 'id="match-weights-spec"' in page and "vega-lite" in page
        assert "Nickname, variant or known as" in page and "Use this model" not in page

    def test_an_admin_activates_with_thresholds_and_bad_thresholds_are_explained(
        self, world: Any, trained: dict[str, Any]
    ) -> None:
        newer = linkage_model_save(actor=None, parameters=trained, summary={"records": 10})
        client = Client()
        client.force_login(world.users["partnership_admin"])
        url = reverse("linkage:model_activate", kwargs={"model_uuid": newer.uuid})
        bad = client.post(url, {"upper_threshold": "0.5", "lower_threshold": "0.9"})
        assert bad.status_code == 200
        assert "must be below the upper one" in bad.content.decode()
        assert 'value="0.9"' in bad.content.decode()  # what was typed is kept
        newer.refresh_from_db()
        assert not newer.is_active
        response = client.post(url, {"upper_threshold": "0.97", "lower_threshold": "0.6"})
        assert response.status_code == 302
        newer.refresh_from_db()
        assert newer.is_active and newer.upper_threshold == 0.97 and newer.lower_threshold == 0.6
        assert AuditEvent.objects.filter(event="linkage_model.activated").exists()

    def test_every_bad_threshold_is_explained_at_once_in_words(self, world: Any, trained: dict[str, Any]) -> None:
        # A blank upper threshold used to hide a lower one of 1.5 (the range was checked only by
        # the service, after the form), and said "Enter join automatically at or above."
        newer = linkage_model_save(actor=None, parameters=trained, summary={"records": 10})
        client = Client()
        client.force_login(world.users["partnership_admin"])
        url = reverse("linkage:model_activate", kwargs={"model_uuid": newer.uuid})
        page = client.post(url, {"upper_threshold": "", "lower_threshold": "1.5"}).content.decode()
        assert "Enter the upper threshold, such as 0.7." in page
        assert "Enter the lower threshold as a probability between 0 and 1, such as 0.5." in page
        assert "Enter join automatically" not in page and 'value="1.5"' in page
        newer.refresh_from_db()
        assert not newer.is_active

    def test_a_screener_may_not_activate(self, world: Any, active: Any) -> None:
        client = Client()
        client.force_login(world.users["screener"])
        url = reverse("linkage:model_activate", kwargs={"model_uuid": active.uuid})
        assert client.post(url, {"upper_threshold": "0.9", "lower_threshold": "0.5"}).status_code == 403


@pytest.mark.django_db
def test_ruling_out_candidates_early_never_loses_a_match(world: Any, active: Any) -> None:
    """The ceiling on name weights is an upper bound: pruning drops only hopeless candidates."""
    from joinedup.linkage.features import records_to_rows
    from joinedup.linkage.intake import FIELDS, candidates, match_record, scorer_for, term_frequency

    fill(world)
    for given, family, born, postcode in [
        ("Kieran", "Oduya", D(2010, 5, 6), "NG7 1AA"),
        ("Kieran", "Oduya", D(2011, 5, 6), "NG7 2AB"),
        ("Kiran", "Oduya", D(2010, 6, 5), "S80 1AA"),
        ("Kieran", "Hall", D(2010, 5, 6), "NG7 1AA"),
        ("Kwame", "Oduya", D(2010, 5, 6), "NG7 1AA"),
    ]:
        make_record(world, given_names=given, family_name=family, date_of_birth=born, postcode=postcode)
    active.lower_threshold = 0.001
    probe = AgencyRecord(
        agency=world.agencies["police"], given_names="Kieran", family_name="Oduya", date_of_birth=D(2010, 5, 6)
    )
    (left,) = records_to_rows([{f: getattr(probe, f) for f in FIELDS}])
    found = candidates(probe, left)
    scorer, tf = scorer_for(active), term_frequency()
    everything = sorted(
        c["id"]
        for c, right in zip(found, records_to_rows(found), strict=True)
        if scorer.score(left, right, tf)["match_probability"] >= active.lower_threshold
    )
    assert len(found) > len(everything) >= 3
    assert sorted(m.record_id for m in match_record(probe, model=active).matches) == everything
