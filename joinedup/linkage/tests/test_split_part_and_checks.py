"""A split can send back only some records, and it stands; a join whose records disagree on date of
birth or sex is flagged once, shown to reviewers, and cleared by a confirmation (asking the holder to
check) or a split."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from joinedup.audit.models import AuditEvent
from joinedup.children.models import AgencyRecord, Child
from joinedup.chronology.models import RecordCheckRequest
from joinedup.conftest import make_agreement, make_record, make_submitted_referral
from joinedup.linkage.models import CandidatePair, CheckStatus, ChildJoin, JoinCheck, PairStatus
from joinedup.linkage.services import (
    child_merge,
    children_merge_many,
    linkage_apply,
    linkage_model_activate,
    linkage_model_save,
    records_split_off,
)
from joinedup.referrals.models import Referral

pytestmark = pytest.mark.django_db

D = dt.date
EMPTY_MODEL = {"comparisons": [], "probability_two_random_records_match": 0.001}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _referral(world: Any, child: Any) -> Any:
    return make_submitted_referral(world, child)


def _children() -> dict[int, int]:
    return dict(AgencyRecord.objects.values_list("pk", "child_id"))


class TestSplitSome:
    def _joined(self, world: Any) -> tuple[list[Any], ChildJoin, Referral, Referral]:
        records = [make_record(world, agency=a) for a in ("city_csc", "police", "health", "city_school")]
        kept_referral = _referral(world, records[0].child)
        going_referral = _referral(world, records[2].child)
        join = child_merge(actor=None, children=[r.child for r in records], reason="Matched")
        assert join is not None
        return records, join, kept_referral, going_referral

    def test_the_chosen_records_become_a_child_with_what_came_with_them_and_a_run_keeps_them_apart(
        self, world: Any
    ) -> None:
        records, join, kept_referral, going_referral = self._joined(world)
        client = _client(world.users["screener"])
        url = reverse("linkage:split_part", args=[join.uuid])
        page = client.get(url).content.decode()
        assert page.count('name="records"') == 4 and "Shire Health Trust" in page
        # The records the join brought (all but the target child's own) come first, marked.
        assert page.count("(came with this join)") == 3
        moved = {m["record"] for m in join.moves}
        target_own = next(r for r in records if r.pk not in moved)
        assert page.index(str(target_own.uuid)) > max(page.index(str(r.uuid)) for r in records if r.pk in moved)
        response = client.post(
            url,
            {"records": [str(records[2].uuid), str(records[3].uuid)], "reason": "Her sister", "confirm": "on"},
        )
        assert response.status_code == 302
        now = _children()
        assert now[records[0].pk] == now[records[1].pk] == join.target_id
        assert now[records[2].pk] == now[records[3].pk] != join.target_id
        going_referral.refresh_from_db()
        kept_referral.refresh_from_db()
        assert going_referral.child_id == now[records[2].pk] and kept_referral.child_id == join.target_id
        split = ChildJoin.objects.get(kind="unmerge")
        assert split.part_of == join and split.reason == "Her sister"
        event = AuditEvent.objects.get(event="child.split_part")
        assert event.detail["records"] == 2 and event.detail["pairs_kept_apart"] == 4
        # The split is a person's "not the same" between the records split off and those that stayed.
        assert CandidatePair.objects.filter(status=PairStatus.NOT_SAME).count() == 4
        # A run whose model would join every pair leaves the split as it is.
        model = linkage_model_activate(
            actor=None, model=linkage_model_save(actor=None, parameters=EMPTY_MODEL, summary={})
        )
        ids = sorted(r.pk for r in records)
        rows = [
            {"unique_id_l": str(a), "unique_id_r": str(b), "match_probability": 0.99, "match_weight": 9}
            for i, a in enumerate(ids)
            for b in ids[i + 1 :]
        ]
        run = linkage_apply(actor=None, model=model, rows=rows)
        assert _children() == now and run.figures["kept_apart"] == 4
        # The child page's history says where the records went.
        history = client.get(reverse("children:detail", args=[join.target.uuid])).content.decode()
        assert "Split (some records)" in history
        # ... and the new child's page says where its records came from, with a way back.
        new_child = Child.objects.get(pk=now[records[2].pk])
        assert list(split.sent_to.all()) == [new_child]
        other = client.get(reverse("children:detail", args=[new_child.uuid])).content.decode()
        row = other[other.index('id="join-history"') :].split("</table>")[0]
        assert "Split (some records): 2 records came here from" in row
        assert reverse("children:detail", args=[join.target.uuid]) in row
        # The join the records were split from cannot be split whole now, but more can be split off.
        kept = history[history.index('id="join-history"') :].split("</table>")[0]
        assert reverse("linkage:split_part", args=[join.uuid]) in kept and "Split more records off" in kept
        assert reverse("linkage:split", args=[join.uuid]) + '"' not in kept

    def test_a_child_split_off_the_reviewer_cannot_open_is_said_not_left_to_a_404(self, world: Any) -> None:
        from joinedup.children.access import children_visible_to

        records, join, _, _ = self._joined(world)
        screener = world.users["screener"]
        client = _client(screener)
        response = client.post(
            reverse("linkage:split_part", args=[join.uuid]),
            {"records": [str(records[1].uuid)], "reason": "A cousin", "confirm": "on"},
            follow=True,
        )
        new_child = AgencyRecord.objects.get(pk=records[1].pk).child
        assert not children_visible_to(screener).filter(pk=new_child.pk).exists()
        assert response.redirect_chain[-1][0] == reverse("children:detail", args=[join.target.uuid])
        page = response.content.decode()
        assert "You cannot open the child the records went to: none of its records is in your agency" in page
        # A split whose new child the reviewer may open says nothing of the kind.
        second = client.post(
            reverse("linkage:split_part", args=[join.uuid]),
            {"records": [str(records[2].uuid)], "reason": "Her sister", "confirm": "on"},
            follow=True,
        )
        opened = children_visible_to(screener).filter(pk=AgencyRecord.objects.get(pk=records[2].pk).child_id)
        assert opened.exists() == ("You cannot open" not in second.content.decode())

    def test_it_says_what_to_fix(self, world: Any) -> None:
        records, join, _, _ = self._joined(world)
        client = _client(world.users["screener"])
        url = reverse("linkage:split_part", args=[join.uuid])
        before = _children()
        empty = client.post(url, {}).content.decode()
        assert "govuk-error-summary" in empty and "Select the records that are a different child." in empty
        every = client.post(url, {"records": [str(r.uuid) for r in records], "reason": "x", "confirm": "on"})
        assert "Leave at least one record with this child." in every.content.decode()
        unconfirmed = client.post(url, {"records": [str(records[1].uuid)], "reason": "x"})
        assert "Confirm that you have checked" in unconfirmed.content.decode()
        assert _children() == before and not ChildJoin.objects.filter(kind="unmerge").exists()

    def test_the_service_refuses_records_not_on_the_child(self, world: Any) -> None:
        records, join, _, _ = self._joined(world)
        stranger = make_record(world, agency="police")
        with pytest.raises(Exception, match="no longer with this child"):
            records_split_off(actor=None, join=join, records=[stranger], reason="x")

    def test_someone_who_may_not_review_cannot_split_part(self, world: Any) -> None:
        records, join, _, _ = self._joined(world)
        before = _children()
        response = _client(world.users["practitioner"]).post(
            reverse("linkage:split_part", args=[join.uuid]),
            {"records": [str(records[1].uuid)], "reason": "x", "confirm": "on"},
        )
        assert response.status_code == 403 and _children() == before


class TestDisagreeingJoins:
    def test_a_join_of_different_dates_of_birth_is_flagged_once(self, world: Any) -> None:
        a = make_record(world, date_of_birth=D(2012, 6, 10))
        b = make_record(world, agency="city_school", date_of_birth=D(2012, 10, 6))
        join = child_merge(actor=world.users["screener"], children=[a.child, b.child], reason="Same boy")
        check = JoinCheck.objects.get(join=join)
        assert check.fields == ["date_of_birth"] and check.status == CheckStatus.OPEN
        assert AuditEvent.objects.filter(event="child_join.flagged", object_uuid=check.uuid).count() == 1
        # A third record agreeing with one of them adds no new disagreement: no second flag.
        c = make_record(world, agency="police", date_of_birth=D(2012, 6, 10))
        child_merge(actor=None, children=[join.target, c.child], reason="Matched")
        assert JoinCheck.objects.count() == 1

    def test_sex_disagreement_is_flagged_and_agreement_or_not_known_is_not(self, world: Any) -> None:
        a, b = make_record(world, sex="M"), make_record(world, agency="police", sex="F")
        assert JoinCheck.objects.get(join=child_merge(actor=None, children=[a.child, b.child], reason="m")).fields == [
            "sex"
        ]
        c, d = make_record(world, sex="M"), make_record(world, agency="police", sex="U", date_of_birth=None)
        child_merge(actor=None, children=[c.child, d.child], reason="m")
        assert JoinCheck.objects.count() == 1

    def test_a_linkage_run_flags_its_joins_in_bulk(self, world: Any) -> None:
        groups = []
        for n in range(101):  # over a hundred joins: the run's path that writes rows, not instances
            born = D(2012, 6, 10) if n else D(2013, 1, 2)
            a = make_record(world, date_of_birth=D(2012, 6, 10))
            b = make_record(world, agency="police", date_of_birth=born)
            groups.append({a.child_id, b.child_id})
        children_merge_many(actor=None, groups=groups, reason="Linkage run")
        assert JoinCheck.objects.count() == 1
        assert AuditEvent.objects.filter(event="child_join.flagged").count() == 1

    def _flagged(self, world: Any) -> tuple[Any, Any, JoinCheck]:
        own = make_record(world, date_of_birth=D(2012, 6, 10))
        school = make_record(world, agency="city_school", date_of_birth=D(2012, 10, 6))
        join = child_merge(actor=None, children=[own.child, school.child], reason="Same boy")
        return own, school, JoinCheck.objects.get(join=join)

    def test_reviewers_see_the_disagreement_as_far_as_they_may(self, world: Any) -> None:
        _, _, check = self._flagged(world)
        screener = world.users["screener"]
        page = _client(screener).get(reverse("linkage:checks")).content.decode()
        assert "10 June 2012 by City Children&#x27;s Services" in page
        assert "6 October 2012" not in page  # no agreement shares the school's record
        assert "also recorded by City Schools (you cannot see its value)" in page
        assert reverse("linkage:check", args=[check.uuid]) in page
        assert AuditEvent.objects.filter(event="join_checks.viewed", actor=screener).exists()
        # With an agreement sharing identity, both values and both agencies are named.
        make_agreement(world, parties=("city_csc", "city_school"), categories=("identity",))
        page = _client(screener).get(reverse("linkage:checks")).content.decode()
        assert "10 June 2012 by City Children&#x27;s Services" in page and "6 October 2012 by City Schools" in page

    def test_the_check_page_shows_the_records_where_a_later_join_took_them(self, world: Any) -> None:
        """A later join moves the flagged child's records, and its check, to an older child: the
        check page read the first join's (now empty) child and showed no record at all."""
        older = make_record(world, agency="police", date_of_birth=D(2012, 6, 10))
        own, school, check = self._flagged(world)
        child_merge(actor=None, children=[older.child, own.child], reason="Matched later")
        check.refresh_from_db()
        assert check.child_id == older.child_id != check.join.target_id
        page = _client(world.users["screener"]).get(reverse("linkage:check", args=[check.uuid])).content.decode()
        assert "10 June 2012" in page  # the council's own record, on the child it is now part of
        assert page.count('<td class="govuk-table__cell">City Schools</td>') == 1
        assert f'value="{world.agencies["city_csc"].uuid}:date_of_birth"' in page
        event = AuditEvent.objects.filter(event="child_join.check_viewed").latest("id")
        assert event.child_uuid == older.child.uuid

    def test_confirming_asks_the_holder_to_check_and_clears_the_flag(self, world: Any) -> None:
        make_agreement(world, parties=("city_csc", "city_school"), categories=("identity",))
        _, _, check = self._flagged(world)
        client = _client(world.users["screener"])
        url = reverse("linkage:check", args=[check.uuid])
        page = client.get(url).content.decode()
        assert "City Schools: date of birth" in page
        empty = client.post(url, {}).content.decode()
        assert "Choose the agency whose record should be checked." in empty and "govuk-error-summary" in empty
        key = f"{world.agencies['city_school'].uuid}:date_of_birth"
        done = client.post(url, {"asks": [key], "note": "Same NHS number; the school typed day and month swapped"})
        assert done.status_code == 302
        check.refresh_from_db()
        assert check.status == CheckStatus.CONFIRMED and check.resolved_by == world.users["screener"]
        asked = RecordCheckRequest.objects.get()
        assert asked.to_agency == world.agencies["city_school"] and asked.field == "date_of_birth"
        assert AuditEvent.objects.filter(event="child_join.check_confirmed", object_uuid=check.uuid).exists()
        assert reverse("linkage:check", args=[check.uuid]) not in client.get(reverse("linkage:checks")).content.decode()
        assert client.get(url).status_code == 404  # checked: no longer on the list to act on

    def test_a_split_clears_the_flag(self, world: Any) -> None:
        _, _, check = self._flagged(world)
        _client(world.users["screener"]).post(
            reverse("linkage:split", args=[check.join.uuid]), {"reason": "Two boys", "confirm": "on"}
        )
        check.refresh_from_db()
        assert check.status == CheckStatus.SPLIT
        assert AuditEvent.objects.filter(event="child_join.check_cleared", object_uuid=check.uuid).exists()

    def test_a_reviewer_who_sees_no_record_is_not_given_the_check(self, world: Any) -> None:
        police = make_record(world, agency="police", date_of_birth=D(2012, 6, 10))
        health = make_record(world, agency="health", date_of_birth=D(2012, 10, 6))
        join = child_merge(actor=None, children=[police.child, health.child], reason="m")
        check = JoinCheck.objects.get(join=join)
        client = _client(world.users["screener"])
        url = reverse("linkage:check", args=[check.uuid])
        assert url not in client.get(reverse("linkage:checks")).content.decode()
        assert "brought together records" not in client.get(reverse("linkage:queue")).content.decode()
        assert client.get(url).status_code == 404
        key = f"{world.agencies['police'].uuid}:date_of_birth"
        assert client.post(url, {"asks": [key], "note": "x"}).status_code == 404
        check.refresh_from_db()
        assert check.status == CheckStatus.OPEN and not RecordCheckRequest.objects.exists()
        # Nor does the child's page point them to it, where they may open the child at all.
        assert url not in client.get(reverse("children:detail", args=[police.child.uuid])).content.decode()

    def test_other_roles_are_refused(self, world: Any) -> None:
        _, _, check = self._flagged(world)
        client = _client(world.users["practitioner"])
        assert client.get(reverse("linkage:checks")).status_code == 403
        assert client.post(reverse("linkage:check", args=[check.uuid]), {"note": "x"}).status_code == 403
        check.refresh_from_db()
        assert check.status == CheckStatus.OPEN

    def test_the_child_page_points_reviewers_to_the_check(self, world: Any) -> None:
        own, _, check = self._flagged(world)
        page = _client(world.users["screener"]).get(reverse("children:detail", args=[own.child.uuid]))
        assert reverse("linkage:check", args=[check.uuid]) in page.content.decode()
