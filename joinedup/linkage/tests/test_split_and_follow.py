"""A join carries everything about a child and a split brings it back; a split is a lasting decision."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from joinedup.audit.models import AuditEvent
from joinedup.children.models import AgencyRecord, Child
from joinedup.conftest import make_record, make_submitted_referral
from joinedup.linkage.models import CandidatePair, ChildJoin, PairStatus
from joinedup.linkage.services import (
    child_merge,
    child_unmerge,
    linkage_apply,
    linkage_model_activate,
    linkage_model_save,
    records_split_off,
)
from joinedup.participation.models import Contribution
from joinedup.pathways.definitions import shipped_definitions
from joinedup.pathways.services import case_open
from joinedup.referrals.models import Referral

D = dt.date
EMPTY_MODEL = {"comparisons": [], "probability_two_random_records_match": 0.001}


def _referral(world: Any, child: Any) -> Any:
    return make_submitted_referral(world, child)


def _city_case(world: Any, child: Child, referral: Referral | None = None) -> Any:
    return case_open(
        actor=world.users["screener"],
        child=child,
        definition=shipped_definitions()["efh-city@1"],
        area=world.city,
        lead_agency=world.agencies["city_csc"],
        referral=referral,
    )


def _everything_about(world: Any, child: Child) -> tuple[Any, Referral, Contribution]:
    case = _city_case(world, child)
    words = Contribution.objects.create(
        child=child, kind="idea", words="More buses at night", heard_by=world.users["practitioner"],
        heard_on=timezone.localdate(), about_own_plan=True,
    )  # fmt: skip
    return case, _referral(world, child), words


@pytest.mark.django_db
class TestEverythingFollows:
    def test_a_join_moves_cases_referrals_and_words_and_a_split_brings_exactly_those_back(self, world: Any) -> None:
        kept = make_record(world, agency="health")
        moving = make_record(world, agency="city_csc")
        target, source = kept.child, moving.child
        own_case, own_referral, _ = _everything_about(world, target)
        case, referral, words = _everything_about(world, source)
        join = child_merge(actor=world.users["screener"], children=[target, source], reason="same child")
        assert join is not None and join.target == target
        for row in (case, referral, words):
            row.refresh_from_db()
            assert row.child_id == target.pk
        # Parallel processes see both cases on the joined child.
        assert target.cases.count() == 2
        later = _referral(world, target)  # made after the join: stays with the child it was made for
        child_unmerge(actor=world.users["screener"], join=join, reason="Different dates of birth, confirmed")
        for row, child in ((case, source), (referral, source), (words, source), (own_case, target),
                           (own_referral, target), (later, target)):  # fmt: skip
            row.refresh_from_db()
            assert row.child_id == child.pk

    def test_a_case_opened_after_the_join_from_a_referral_goes_with_the_referral(self, world: Any) -> None:
        """Walking a split: the youth project's referral went back to the child split off, but the
        case screening opened from it after the join stayed behind, so the split-off child's page
        said 'Screened' and 'No open process'. The case goes where its referral goes."""
        kept = make_record(world, agency="health")
        moving = make_record(world, agency="police")
        target, source = kept.child, moving.child
        referral = _referral(world, source)
        join = child_merge(actor=world.users["screener"], children=[target, source], reason="same child")
        assert join is not None
        referral.refresh_from_db()
        assert referral.child_id == target.pk
        case, unrelated = _city_case(world, target, referral=referral), _city_case(world, target)
        child_unmerge(actor=world.users["screener"], join=join, reason="Different dates of birth, confirmed")
        for row, child in ((referral, source), (case, source), (unrelated, target)):
            row.refresh_from_db()
            assert row.child_id == child.pk
        event = AuditEvent.objects.get(event="child.unmerged")
        assert event.detail["followed_their_referral"] == {"pathways.Case": 1}

    def test_a_split_that_empties_the_child_still_sends_the_case_with_its_referral(self, world: Any) -> None:
        """What is left on a child a split empties goes with most of its records; a case opened
        from a referral goes with the referral first."""
        own = make_record(world, agency="health")
        many = make_record(world, agency="police")
        AgencyRecord.objects.filter(pk=make_record(world, agency="city_school").pk).update(child=many.child)
        few = make_record(world, agency="city_csc")
        referral = _referral(world, few.child)
        join = child_merge(
            actor=world.users["screener"], children=[own.child, many.child, few.child], reason="same child"
        )
        assert join is not None and join.target_id == own.child_id
        case = _city_case(world, own.child, referral=Referral.objects.get(pk=referral.pk))
        AgencyRecord.objects.filter(pk=own.pk).update(erased_at=timezone.now())  # past retention: the split empties it
        child_unmerge(actor=world.users["screener"], join=join, reason="Not the same child")
        referral.refresh_from_db()
        case.refresh_from_db()
        assert referral.child_id == few.child_id and case.child_id == few.child_id

    def test_splitting_some_records_off_sends_the_case_with_its_referral(self, world: Any) -> None:
        kept = make_record(world, agency="health")
        going = make_record(world, agency="police")
        referral = _referral(world, going.child)
        join = child_merge(actor=world.users["screener"], children=[kept.child, going.child], reason="same child")
        assert join is not None
        child_merge(actor=world.users["screener"], children=[kept.child, make_record(world).child], reason="same child")
        case = _city_case(world, kept.child, referral=Referral.objects.get(pk=referral.pk))
        going.refresh_from_db()
        split = records_split_off(actor=world.users["screener"], join=join, records=[going], reason="Different child")
        new = split.sent_to.get()
        referral.refresh_from_db()
        case.refresh_from_db()
        assert referral.child_id == new.pk and case.child_id == new.pk

    def test_a_linkage_run_carries_them_too(self, world: Any) -> None:
        a, b = make_record(world), make_record(world, agency="police")
        case, referral, words = _everything_about(world, b.child)
        model = linkage_model_activate(
            actor=None, model=linkage_model_save(actor=None, parameters=EMPTY_MODEL, summary={})
        )
        low, high = sorted((a.pk, b.pk))
        linkage_apply(
            actor=None,
            model=model,
            rows=[{"unique_id_l": str(low), "unique_id_r": str(high), "match_probability": 0.99, "match_weight": 9}],
        )
        a.refresh_from_db()
        for row in (case, referral, words):
            row.refresh_from_db()
            assert row.child_id == a.child_id


@pytest.mark.django_db
class TestSplitStands:
    def test_a_split_is_never_undone_by_a_linkage_run(self, world: Any) -> None:
        a, b, c = make_record(world), make_record(world, agency="police"), make_record(world, agency="health")
        model = linkage_model_activate(
            actor=None, model=linkage_model_save(actor=None, parameters=EMPTY_MODEL, summary={})
        )
        ids = sorted((a.pk, b.pk, c.pk))
        rows = [
            {"unique_id_l": str(x), "unique_id_r": str(y), "match_probability": p, "match_weight": 9}
            for (x, y), p in (((ids[0], ids[1]), 0.99), ((ids[1], ids[2]), 0.98))
        ]
        linkage_apply(actor=None, model=model, rows=rows)
        assert len({r.child_id for r in AgencyRecord.objects.all()}) == 1
        join = ChildJoin.objects.get(kind="merge")
        assert join.pair is None  # a run's join names no single pair
        child_unmerge(actor=world.users["screener"], join=join, reason="Three different children")
        before = dict(AgencyRecord.objects.values_list("pk", "child_id"))
        assert len(set(before.values())) == 3
        again = linkage_apply(actor=None, model=model, rows=rows)
        assert again.figures["children_joined"] == 0 and again.figures["kept_apart"] == 2
        assert dict(AgencyRecord.objects.values_list("pk", "child_id")) == before
        assert CandidatePair.objects.filter(status=PairStatus.NOT_SAME).count() == 3

    def test_a_split_needs_a_reason_and_a_confirmation(self, world: Any) -> None:
        a, b = make_record(world), make_record(world, agency="police")
        join = child_merge(actor=None, children=[a.child, b.child], reason="matched")
        client = Client()
        client.force_login(world.users["screener"])
        url = reverse("linkage:split", args=[join.uuid])
        page = client.get(url).content.decode()
        assert "Why are these records not the same child?" in page and "Shire Police" in page
        refused = client.post(url, {"reason": "", "confirm": ""})
        assert refused.status_code == 200
        body = refused.content.decode()
        assert "Say why these records are not the same child." in body and "govuk-error-summary" in body
        assert "Confirm that you have checked" in body
        assert not ChildJoin.objects.filter(kind="unmerge").exists()
        done = client.post(url, {"reason": "Different people", "confirm": "on"})
        assert done.status_code == 302 and done["Location"] == reverse("children:detail", args=[join.target.uuid])
        b.refresh_from_db()
        assert b.child_id != join.target_id
        assert ChildJoin.objects.get(kind="unmerge").reason == "Different people"

    def test_a_split_that_takes_away_the_reviewers_way_in_lands_on_a_child_they_may_open(self, world: Any) -> None:
        # The police record is older, so the join keeps the police child; the split sends the
        # council's record (the screener's only way in) back, and the police child's page is a
        # 404 to them: the split used to land them there.
        police, own = make_record(world, agency="police"), make_record(world)
        join = child_merge(actor=None, children=[police.child, own.child], reason="matched")
        assert join is not None and join.target_id == police.child_id
        client = Client()
        client.force_login(world.users["screener"])
        done = client.post(reverse("linkage:split", args=[join.uuid]), {"reason": "Different people", "confirm": "on"})
        own.refresh_from_db()
        assert done.status_code == 302 and done["Location"] == reverse("children:detail", args=[own.child.uuid])
        assert client.get(done["Location"]).status_code == 200

    def test_splitting_off_the_reviewers_own_records_lands_on_the_new_child(self, world: Any) -> None:
        police, own = make_record(world, agency="police"), make_record(world)
        join = child_merge(actor=None, children=[police.child, own.child], reason="matched")
        client = Client()
        client.force_login(world.users["screener"])
        done = client.post(
            reverse("linkage:split_part", args=[join.uuid]),
            {"records": [str(own.uuid)], "reason": "Different people", "confirm": "on"},
        )
        own.refresh_from_db()
        assert own.child_id != police.child_id
        assert done.status_code == 302 and done["Location"] == reverse("children:detail", args=[own.child.uuid])

    def test_a_split_pair_the_model_joined_is_listed_as_split_not_as_scored_between(self, world: Any) -> None:
        # The decided list said "Score between the thresholds" of a pair that scored 0.99 and
        # was joined automatically, and its page gave no reason for "not the same child".
        a, b = make_record(world), make_record(world, agency="police")
        low, high = sorted((a, b), key=lambda r: r.pk)
        pair = CandidatePair.objects.create(
            record_a=low, record_b=high, probability=0.99, match_weight=9, waterfall=[], status=PairStatus.AUTO_JOINED
        )
        join = child_merge(actor=None, children=[a.child, b.child], reason="Linkage run", pair=pair)
        assert join is not None
        child_unmerge(actor=world.users["screener"], join=join, reason="Different people")
        client = Client()
        client.force_login(world.users["screener"])
        page = client.get(reverse("linkage:queue"), {"show": "decided"}).content.decode()
        at = page.index(f"/linkage/review/{pair.uuid}/")
        row = page[page.rindex("<tr", 0, at) : page.index("</tr>", at)]
        assert "Joined, then split by a person" in row and "Score between the thresholds" not in row
        shown = client.get(reverse("linkage:pair", args=[pair.uuid])).content.decode()
        assert "Split by a person: not the same child" in shown

    def test_someone_who_may_not_review_cannot_split(self, world: Any) -> None:
        a, b = make_record(world), make_record(world, agency="police")
        join = child_merge(actor=None, children=[a.child, b.child], reason="matched")
        client = Client()
        client.force_login(world.users["practitioner"])
        url = reverse("linkage:split", args=[join.uuid])
        assert client.post(url, {"reason": "x", "confirm": "on"}).status_code == 403
        b.refresh_from_db()
        assert b.child_id == join.target_id and not ChildJoin.objects.filter(kind="unmerge").exists()


@pytest.mark.django_db
class TestOldAddress:
    def test_an_emptied_child_says_where_its_records_went(self, world: Any) -> None:
        kept = make_record(world, given_names="Kieran", family_name="Oduya")
        moving = make_record(world, given_names="Kieran", family_name="Oduya")
        old = moving.child
        target = child_merge(actor=None, children=[kept.child, old], reason="matched").target
        third = make_record(world, agency="health")
        # A later join moves them on again: the old address follows to where they are now.
        newest = child_merge(actor=None, children=[third.child, target], reason="matched").target
        client = Client()
        client.force_login(world.users["practitioner"])
        response = client.get(reverse("children:detail", args=[old.uuid]))
        assert response.status_code == 200
        page = response.content.decode()
        assert "records have moved" in page and "Kieran Oduya" in page
        assert reverse("children:detail", args=[newest.uuid]) in page
        assert AuditEvent.objects.filter(event="child.moved_viewed", child_uuid=old.uuid).exists()

    def test_nobody_learns_where_records_went_unless_they_may_open_that_child(self, world: Any) -> None:
        kept, moving = make_record(world, agency="police"), make_record(world, agency="police")
        old = moving.child
        child_merge(actor=None, children=[kept.child, old], reason="matched")
        client = Client()
        client.force_login(world.user("practitioner", agency="health"))
        assert client.get(reverse("children:detail", args=[old.uuid])).status_code == 404

    def test_after_a_split_the_old_address_is_the_child_again(self, world: Any) -> None:
        kept, moving = make_record(world), make_record(world, agency="city_csc", given_names="Amara")
        old = moving.child
        join = child_merge(actor=None, children=[kept.child, old], reason="matched")
        child_unmerge(actor=world.users["screener"], join=join, reason="Twins")
        old.refresh_from_db()
        assert old.joined_into_id is None
        client = Client()
        client.force_login(world.users["practitioner"])
        page = client.get(reverse("children:detail", args=[old.uuid])).content.decode()
        assert "Amara" in page and "records have moved" not in page


def test_linkage_run_command_keeps_a_split(world: Any, trained: dict[str, Any]) -> None:
    """The command itself, with the trained model: split, run, still apart."""
    make_record(world, given_names="Robert", family_name="Smith", date_of_birth=D(2010, 3, 4))
    make_record(world, agency="police", given_names="Bob", family_name="Smith", date_of_birth=D(2010, 3, 4))
    linkage_model_activate(actor=None, model=linkage_model_save(actor=None, parameters=trained, summary={}))
    call_command("linkage_run", stdout=StringIO())
    join = ChildJoin.objects.get(kind="merge")
    child_unmerge(actor=world.users["screener"], join=join, reason="Not the same boy")
    call_command("linkage_run", stdout=StringIO())
    assert AgencyRecord.objects.values("child_id").distinct().count() == 2


@pytest.mark.django_db
def test_the_history_links_to_where_a_split_sent_records_for_those_who_may_open_them(world: Any) -> None:
    kept, moving = make_record(world), make_record(world, agency="city_csc", given_names="Amara")
    secret = make_record(world, agency="health", given_names="Zed")
    join = child_merge(actor=None, children=[kept.child, moving.child, secret.child], reason="matched")
    child_unmerge(actor=world.users["screener"], join=join, reason="Three children")
    client = Client()
    client.force_login(world.users["practitioner"])
    history = client.get(reverse("children:detail", args=[kept.child.uuid])).content.decode().split("join-history")[1]
    assert reverse("children:detail", args=[moving.child.uuid]) in history
    assert reverse("children:detail", args=[secret.child.uuid]) not in history  # health's child is not theirs
    # The child the records went back to tells the split from its side, with the way back.
    theirs = client.get(reverse("children:detail", args=[moving.child.uuid])).content.decode()
    row = theirs[theirs.index('id="join-history"') :].split("</table>")[0]
    assert "Split: 1 record came here from" in row and "Three children" in row
    assert reverse("children:detail", args=[kept.child.uuid]) in row
    assert secret.child.pk in set(ChildJoin.objects.get(kind="unmerge").sent_to.values_list("pk", flat=True))


@pytest.mark.django_db
def test_a_split_made_before_sent_to_is_told_from_its_other_side_after_the_migration(world: Any) -> None:
    """The migration fills sent_to for splits made before it, from their moves."""
    import importlib

    from django.apps import apps

    kept, moving = make_record(world), make_record(world, given_names="Amara")
    join = child_merge(actor=None, children=[kept.child, moving.child], reason="matched")
    split = child_unmerge(actor=world.users["screener"], join=join, reason="Two children")
    split.sent_to.clear()
    importlib.import_module("joinedup.linkage.migrations.0009_split_sent_to").fill_sent_to(apps, None)
    assert list(split.sent_to.all()) == [Child.objects.get(pk=moving.child_id)]


def test_a_split_that_empties_a_child_says_where_everything_went(world: Any) -> None:
    """A child left with no live record by a split (its own record erased since the join) must not
    become a 404: its address names where the records went, and what was added to it after the join
    (a significant event, the child's words) goes with them."""
    from joinedup.chronology.models import SignificantEvent

    first = make_record(world, given_names="Freddie", family_name="Williams", date_of_birth=D(2012, 5, 1))
    second = make_record(world, given_names="Freddie", family_name="Williams", date_of_birth=D(2012, 9, 3))
    join = child_merge(actor=world.users["screener"], children=[first.child, second.child], reason="Same boy")
    assert join is not None
    joined = join.target
    came_from = second.child_id if second.child_id != joined.pk else first.child_id
    event = SignificantEvent.objects.create(
        child=joined,
        agency=world.agencies["city_csc"],
        category="social_care",
        kind="missing_episode",
        occurred_on=D(2026, 11, 14),
        summary="Missing overnight",
        source="Police",
        recorded_by=world.users["practitioner"],
    )
    words = Contribution.objects.create(
        child=joined, kind="idea", words="I want to stay at my school", heard_by=world.users["practitioner"],
        heard_on=timezone.localdate(), about_own_plan=True,
    )  # fmt: skip
    # The joined child's own record is erased under retention; only the joined-in record is left.
    AgencyRecord.objects.filter(child=joined).exclude(pk__in=[m["record"] for m in join.moves]).update(
        erased_at=timezone.now()
    )
    child_unmerge(actor=world.users["screener"], join=join, reason="Two different boys")
    event.refresh_from_db()
    words.refresh_from_db()
    assert event.child_id == came_from and words.child_id == came_from
    client = Client()
    client.force_login(world.users["practitioner"])
    page = client.get(reverse("children:detail", args=[joined.uuid]))
    assert page.status_code == 200
    content = page.content.decode()
    assert "split back to the children they came from" in content
    assert reverse("children:detail", args=[Child.objects.get(pk=came_from).uuid]) in content
