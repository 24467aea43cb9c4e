"""A review queue a team can clear: what matters first, why, a filter by reason, bulk decisions;
decisions only from someone who sees a record; a "not the same" that can be looked at again and reopened."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from joinedup.audit.models import AuditEvent
from joinedup.children.models import AgencyRecord
from joinedup.conftest import make_agreement, make_record, make_submitted_referral, same_child
from joinedup.linkage.decisions import NAMES_ONLY
from joinedup.linkage.models import CandidatePair, ChildJoin, PairStatus
from joinedup.linkage.services import SETTLED_WITH, pair_decide
from joinedup.pathways.definitions import shipped_definitions
from joinedup.pathways.services import case_open

pytestmark = pytest.mark.django_db


def _pair(a: Any, b: Any, probability: float = 0.6, conflict: str = "") -> CandidatePair:
    low, high = sorted((a, b), key=lambda r: r.pk)
    return CandidatePair.objects.create(
        record_a=low, record_b=high, probability=probability, match_weight=1, waterfall=[], conflict=conflict
    )


def _referral(world: Any, child: Any) -> Any:
    return make_submitted_referral(world, child)


def _row(page: str, pair: CandidatePair) -> str:
    at = page.index(f"/linkage/review/{pair.uuid}/")
    return page[page.rindex("<tr", 0, at) : page.index("</tr>", at)]


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _order(page: str, pairs: list[CandidatePair]) -> list[int]:
    """The pairs in the order the page lists them."""
    return sorted(range(len(pairs)), key=lambda i: page.index(str(pairs[i].uuid)))


def test_children_in_open_processes_come_first_then_across_the_boundary_then_probability(world: Any) -> None:
    # The school shares identity, so the screener may decide every pair (decidable ones lead the queue).
    make_agreement(world, parties=("city_csc", "city_school"), purposes=("screening",), categories=("identity",))
    plain = _pair(make_record(world), make_record(world, agency="police"), probability=0.95)
    across = _pair(make_record(world), make_record(world, agency="county_csc", postcode="S80 1AA"), probability=0.6)
    referred = make_record(world, agency="health")
    _referral(world, referred.child)
    in_referral = _pair(make_record(world), referred, probability=0.52)
    cased = make_record(world, agency="city_school")
    case_open(
        actor=world.users["screener"],
        child=cased.child,
        definition=shipped_definitions()["efh-city@1"],
        area=world.city,
        lead_agency=world.agencies["city_csc"],
    )
    in_case = _pair(cased, make_record(world, agency="police"), probability=0.55)
    assert AgencyRecord.objects.get(pk=across.record_b_id).area == world.county
    pairs = [plain, across, in_referral, in_case]
    page = _client(world.users["screener"]).get(reverse("linkage:queue")).content.decode()
    assert _order(page, pairs) == [3, 2, 1, 0]
    rows = page.split("<tbody")[1]
    assert "A child in an open pathway case" in rows and "A child in an open referral" in rows
    assert "Records in both areas" in rows and "By probability" in rows


def test_the_queue_filters_by_reason(world: Any) -> None:
    twins = _pair(make_record(world), make_record(world, agency="police"), conflict="Different dates of birth")
    names = _pair(make_record(world), make_record(world, agency="police"), conflict=NAMES_ONLY)
    between = _pair(make_record(world), make_record(world, agency="police"))
    client = _client(world.users["screener"])
    page = client.get(reverse("linkage:queue"), {"why": NAMES_ONLY}).content.decode()
    assert str(names.uuid) in page and str(twins.uuid) not in page and str(between.uuid) not in page
    page = client.get(reverse("linkage:queue"), {"why": "between"}).content.decode()
    assert str(between.uuid) in page and str(names.uuid) not in page
    # The choices are the reasons waiting, so a reason nobody has is not offered.
    assert "Different NHS numbers" not in client.get(reverse("linkage:queue")).content.decode()


def test_the_queue_has_select_all_on_the_page(world: Any) -> None:
    pairs = [_pair(make_record(world), make_record(world, agency="police")) for _ in range(3)]
    client = _client(world.users["screener"])
    page = client.get(reverse("linkage:queue")).content.decode()
    assert 'data-select-all="pairs"' in page and page.count(" checked") == 0
    page = client.get(reverse("linkage:queue"), {"select": "all"}).content.decode()
    assert all(f'value="{p.uuid}" checked' in page for p in pairs)


class TestBulkDecisions:
    def test_it_says_what_to_fix(self, world: Any) -> None:
        pair = _pair(make_record(world), make_record(world, agency="police"))
        client = _client(world.users["screener"])
        nothing = client.post(reverse("linkage:queue_decide"), {"decision": "not_same", "reason": "Twins"})
        body = nothing.content.decode()
        assert nothing.status_code == 200 and "govuk-error-summary" in body and "Select the pairs to decide" in body
        no_reason = client.post(reverse("linkage:queue_decide"), {"pairs": [str(pair.uuid)], "decision": "same"})
        body = no_reason.content.decode()
        assert "Say why the selected pairs are, or are not, the same child." in body
        assert f'value="{pair.uuid}" checked' in body  # what was ticked is not lost
        bad = client.post(
            reverse("linkage:queue_decide"), {"pairs": [str(pair.uuid)], "decision": "maybe", "reason": "x"}
        )
        assert "Choose same child or not the same child." in bad.content.decode()
        assert CandidatePair.objects.get(pk=pair.pk).status == PairStatus.PENDING

    def test_each_pair_is_decided_with_its_audit_row_and_blind_ones_are_refused_by_name(self, world: Any) -> None:
        seen = [_pair(make_record(world), make_record(world, agency="police")) for _ in range(2)]
        blind = _pair(make_record(world, agency="health"), make_record(world, agency="city_school"))
        screener = world.users["screener"]
        response = _client(screener).post(
            reverse("linkage:queue_decide"),
            {"pairs": [str(p.uuid) for p in [*seen, blind]], "decision": "not_same", "reason": "Twins, checked"},
            follow=True,
        )
        page = response.content.decode()
        assert "Recorded not the same child for 2 pairs." in page
        assert "you cannot see either record" in page and "Shire Health Trust and City Schools (0.600)" in page
        assert [CandidatePair.objects.get(pk=p.pk).status for p in [*seen, blind]] == [
            PairStatus.NOT_SAME,
            PairStatus.NOT_SAME,
            PairStatus.PENDING,
        ]
        events = AuditEvent.objects.filter(event="linkage_pair.decided", actor=screener)
        assert sorted(e.object_uuid for e in events) == sorted(p.uuid for p in seen)
        assert all(e.detail == {"reason": "Twins, checked"} for e in events)

    def test_same_child_joins_each_pair(self, world: Any) -> None:
        pairs = [_pair(make_record(world), make_record(world, agency="police")) for _ in range(2)]
        _client(world.users["screener"]).post(
            reverse("linkage:queue_decide"),
            {"pairs": [str(p.uuid) for p in pairs], "decision": "same", "reason": "Same NHS number"},
        )
        for pair in pairs:
            a, b = AgencyRecord.objects.get(pk=pair.record_a_id), AgencyRecord.objects.get(pk=pair.record_b_id)
            assert a.child_id == b.child_id
        assert ChildJoin.objects.filter(kind="merge").count() == 2

    def test_pairs_the_rules_hold_apart_are_never_joined_in_bulk(self, world: Any) -> None:
        """Bulk is for the clear cases: siblings must be opened and seen before they are joined."""
        clear = _pair(make_record(world), make_record(world, agency="police"))
        siblings = _pair(
            make_record(world),
            make_record(world, agency="police"),
            conflict="Different given names, same family name and postcode (siblings?)",
        )
        response = _client(world.users["screener"]).post(
            reverse("linkage:queue_decide"),
            {"pairs": [str(clear.uuid), str(siblings.uuid)], "decision": "same", "reason": "Same NHS number"},
            follow=True,
        )
        page = response.content.decode()
        assert "Recorded same child for 1 pair." in page and "Not joined, because the records disagree" in page
        assert CandidatePair.objects.get(pk=siblings.pk).status == PairStatus.PENDING
        a, b = AgencyRecord.objects.get(pk=siblings.record_a_id), AgencyRecord.objects.get(pk=siblings.record_b_id)
        assert a.child_id != b.child_id

    def test_a_pair_decided_meanwhile_is_left_alone_and_said_so(self, world: Any) -> None:
        pair = _pair(make_record(world), make_record(world, agency="police"))
        pair_decide(actor=world.users["dpo"], pair=pair, decision=PairStatus.NOT_SAME)
        response = _client(world.users["screener"]).post(
            reverse("linkage:queue_decide"),
            {"pairs": [str(pair.uuid)], "decision": "same", "reason": "Same NHS number"},
            follow=True,
        )
        assert "1 pair had been decided by someone else already." in response.content.decode()
        assert CandidatePair.objects.get(pk=pair.pk).status == PairStatus.NOT_SAME

    def test_a_role_that_does_not_review_is_refused_with_nothing_changed(self, world: Any) -> None:
        pair = _pair(make_record(world), make_record(world, agency="police"))
        response = _client(world.users["practitioner"]).post(
            reverse("linkage:queue_decide"), {"pairs": [str(pair.uuid)], "decision": "same", "reason": "x"}
        )
        assert response.status_code == 403
        assert CandidatePair.objects.get(pk=pair.pk).status == PairStatus.PENDING


class TestBlindDecisions:
    def test_a_reviewer_who_sees_neither_record_gets_no_decision_and_a_post_changes_nothing(self, world: Any) -> None:
        pair = _pair(make_record(world, agency="health"), make_record(world, agency="city_school"))
        client = _client(world.users["screener"])
        page = client.get(reverse("linkage:pair", args=[pair.uuid])).content.decode()
        assert 'id="know-of-only"' in page and "Shire Health Trust" in page and "City Schools" in page
        assert 'id="decide"' not in page and 'name="decision"' not in page
        before = AuditEvent.objects.count()
        response = client.post(reverse("linkage:pair", args=[pair.uuid]), {"decision": "same"})
        assert response.status_code == 403
        assert CandidatePair.objects.get(pk=pair.pk).status == PairStatus.PENDING
        assert not ChildJoin.objects.exists() and AuditEvent.objects.count() == before

    def test_a_reviewer_who_sees_one_record_decides(self, world: Any) -> None:
        pair = _pair(make_record(world), make_record(world, agency="health"))
        client = _client(world.users["screener"])
        assert 'id="decide"' in client.get(reverse("linkage:pair", args=[pair.uuid])).content.decode()
        assert client.post(reverse("linkage:pair", args=[pair.uuid]), {"decision": "not_same"}).status_code == 302
        assert CandidatePair.objects.get(pk=pair.pk).status == PairStatus.NOT_SAME

    def test_a_partner_record_shared_by_agreement_counts_as_seen(self, world: Any) -> None:
        # The police record's child is in City's work (a City record is on it) and identity is shared.
        make_agreement(world, parties=("city_csc", "police"), categories=("identity",))
        police = make_record(world, agency="police")
        same_child(make_record(world, given_names="Other"), police)
        pair = _pair(police, make_record(world, agency="health"))
        page = _client(world.users["screener"]).get(reverse("linkage:pair", args=[pair.uuid])).content.decode()
        assert 'id="decide"' in page


class TestReopen:
    def test_a_pair_decided_not_the_same_opens_and_can_be_reopened_and_decided_again(self, world: Any) -> None:
        pair = _pair(make_record(world), make_record(world, agency="police"))
        screener = world.users["screener"]
        client = _client(screener)
        url = reverse("linkage:pair", args=[pair.uuid])
        client.post(url, {"decision": "not_same"})
        again = client.get(url)  # the journey that gave 404: back to the pair just decided
        assert again.status_code == 200
        page = again.content.decode()
        assert "Not the same child, by" in page and "Reopen this pair" in page and 'id="decide"' not in page
        # A decision on a decided pair is refused: reopen first.
        client.post(url, {"decision": "same"})
        assert CandidatePair.objects.get(pk=pair.pk).status == PairStatus.NOT_SAME
        empty = client.post(reverse("linkage:pair_reopen", args=[pair.uuid]), {})
        assert empty.status_code == 200 and "Say why this pair should be decided again." in empty.content.decode()
        assert "govuk-error-summary" in empty.content.decode()
        done = client.post(reverse("linkage:pair_reopen", args=[pair.uuid]), {"reason": "School gave a new birth date"})
        assert done.status_code == 302
        assert CandidatePair.objects.get(pk=pair.pk).status == PairStatus.PENDING
        event = AuditEvent.objects.get(event="linkage_pair.reopened", object_uuid=pair.uuid)
        assert event.old["status"] == "not_same" and event.detail == {"reason": "School gave a new birth date"}
        client.post(url, {"decision": "same"})
        assert CandidatePair.objects.get(pk=pair.pk).status == PairStatus.SAME
        a, b = AgencyRecord.objects.get(pk=pair.record_a_id), AgencyRecord.objects.get(pk=pair.record_b_id)
        assert a.child_id == b.child_id

    def test_the_child_page_lists_records_kept_apart_with_a_way_back_to_the_pair(self, world: Any) -> None:
        own = make_record(world)
        pair = _pair(own, make_record(world, agency="police"))
        pair_decide(actor=world.users["screener"], pair=pair, decision=PairStatus.NOT_SAME)
        page = _client(world.users["screener"]).get(reverse("children:detail", args=[own.child.uuid])).content
        assert "Records decided not the same child" in page.decode()
        assert reverse("linkage:pair", args=[pair.uuid]) in page.decode()
        # Practitioners do not review matches: they are not offered it.
        practitioner_page = _client(world.users["practitioner"]).get(reverse("children:detail", args=[own.child.uuid]))
        assert "Records decided not the same child" not in practitioner_page.content.decode()

    def test_a_joined_pair_is_undone_by_a_split_not_a_reopen(self, world: Any) -> None:
        pair = _pair(make_record(world), make_record(world, agency="police"))
        client = _client(world.users["screener"])
        client.post(reverse("linkage:pair", args=[pair.uuid]), {"decision": "same"})
        page = client.get(reverse("linkage:pair", args=[pair.uuid])).content.decode()
        join = ChildJoin.objects.get(pair=pair)
        assert reverse("linkage:split", args=[join.uuid]) in page and "Reopen this pair" not in page
        response = client.post(reverse("linkage:pair_reopen", args=[pair.uuid]), {"reason": "Mistake"})
        assert "split the join" in response.content.decode()
        assert CandidatePair.objects.get(pk=pair.pk).status == PairStatus.SAME

    def test_another_partnerships_reviewer_gets_404(self, world: Any) -> None:
        from joinedup.partnership.models import Agency, Membership, Partnership

        other = Partnership.objects.create(name="Elsewhere")
        agency = Agency.objects.create(partnership=other, name="Elsewhere CSC", agency_type="childrens_social_care")
        from joinedup.core.models import User

        user = User.objects.create_user(username="elsewhere", password="x")
        Membership.objects.create(user=user, agency=agency, role="screener")
        pair = _pair(make_record(world), make_record(world, agency="police"))
        pair_decide(actor=world.users["screener"], pair=pair, decision=PairStatus.NOT_SAME)
        client = _client(user)
        assert client.get(reverse("linkage:pair", args=[pair.uuid])).status_code == 404
        assert client.post(reverse("linkage:pair_reopen", args=[pair.uuid]), {"reason": "x"}).status_code == 404
        assert CandidatePair.objects.get(pk=pair.pk).status == PairStatus.NOT_SAME


class TestOneQuestionPerTwoChildren:
    """A reviewer answers "are these two children one child?" once: the other pairs waiting
    between the same two children are settled with the one decided, and say so."""

    def _two_children(self, world: Any) -> tuple[Any, Any, Any]:
        x1, x2 = make_record(world), make_record(world, agency="police")
        same_child(x1, x2)
        y = make_record(world, agency="health")
        return x1, x2, y

    def test_not_the_same_settles_every_pair_between_them(self, world: Any) -> None:
        x1, x2, y = self._two_children(world)
        first, second = _pair(x1, y), _pair(x2, y, conflict="Different dates of birth")
        unrelated = _pair(make_record(world), make_record(world, agency="police"))
        screener = world.users["screener"]
        pair_decide(actor=screener, pair=first, decision=PairStatus.NOT_SAME, reason="Different mothers")
        second.refresh_from_db()
        assert second.status == PairStatus.NOT_SAME and second.decided_by == screener
        assert second.decision_note == f"{SETTLED_WITH}. Different mothers"
        event = AuditEvent.objects.get(event="linkage_pair.decided", object_uuid=second.uuid)
        assert event.detail == {"with_pair": str(first.uuid), "reason": "Different mothers"}
        assert CandidatePair.objects.get(pk=unrelated.pk).status == PairStatus.PENDING

    def test_reopening_one_reopens_every_pair_between_them_and_says_so(self, world: Any) -> None:
        # The journey that left a pair behind: "not the same" settles two pairs, a reviewer
        # reopens one and joins the children, and the other still said "not the same" of
        # records now one child.
        x1, x2, y = self._two_children(world)
        first, second = _pair(x1, y), _pair(x2, y)
        elsewhere = _pair(make_record(world), make_record(world, agency="police"))
        screener = world.users["screener"]
        pair_decide(actor=screener, pair=second, decision=PairStatus.NOT_SAME, reason="Different mothers")
        pair_decide(actor=screener, pair=elsewhere, decision=PairStatus.NOT_SAME)
        client = _client(screener)
        response = client.post(
            reverse("linkage:pair_reopen", args=[first.uuid]), {"reason": "Health sent the birth record"}, follow=True
        )
        page = re.sub(r"\s+", " ", response.content.decode())
        assert (
            "Reopened: the pair is waiting for a decision again. 1 more pair between the same two children, also "
            "decided not the same child, is waiting again too" in page
        )
        assert {p.status for p in CandidatePair.objects.filter(pk__in=[first.pk, second.pk])} == {PairStatus.PENDING}
        assert CandidatePair.objects.get(pk=elsewhere.pk).status == PairStatus.NOT_SAME
        event = AuditEvent.objects.get(event="linkage_pair.reopened", object_uuid=second.uuid)
        assert event.detail == {"reason": "Health sent the birth record", "with_pair": str(first.uuid)}
        # One decision settles both again, and the three records are one child.
        client.post(reverse("linkage:pair", args=[first.uuid]), {"decision": "same"})
        assert {p.status for p in CandidatePair.objects.filter(pk__in=[first.pk, second.pk])} == {PairStatus.SAME}
        assert len({r.child_id for r in AgencyRecord.objects.filter(pk__in=[x1.pk, x2.pk, y.pk])}) == 1

    def test_reopening_a_pair_alone_says_nothing_of_others(self, world: Any) -> None:
        x1, _, y = self._two_children(world)
        pair = _pair(x1, y)
        pair_decide(actor=world.users["screener"], pair=pair, decision=PairStatus.NOT_SAME)
        response = _client(world.users["screener"]).post(
            reverse("linkage:pair_reopen", args=[pair.uuid]), {"reason": "Check again"}, follow=True
        )
        page = response.content.decode()
        assert "Reopened: the pair is waiting for a decision again." in page and "more pair" not in page

    def test_same_child_settles_the_clear_pairs_and_leaves_a_disagreement_for_a_person(self, world: Any) -> None:
        x1, x2, y = self._two_children(world)
        county = make_record(world, agency="county_csc")
        same_child(x1, county)
        first, clear = _pair(x1, y), _pair(x2, y)
        twins = _pair(county, y, conflict="Different given names, same family name and date of birth (twins?)")
        pair_decide(actor=world.users["screener"], pair=first, decision=PairStatus.SAME)
        clear.refresh_from_db()
        twins.refresh_from_db()
        assert clear.status == PairStatus.SAME
        assert twins.status == PairStatus.PENDING  # a rule holds it apart: a person opens it
        records = AgencyRecord.objects.filter(pk__in=[x1.pk, x2.pk, y.pk])
        assert len({r.child_id for r in records}) == 1

    def test_a_bulk_decision_counts_the_pairs_settled_together(self, world: Any) -> None:
        x1, x2, y = self._two_children(world)
        pairs = [_pair(x1, y), _pair(x2, y)]
        response = _client(world.users["screener"]).post(
            reverse("linkage:queue_decide"),
            {"pairs": [str(p.uuid) for p in pairs], "decision": "not_same", "reason": "Checked"},
            follow=True,
        )
        page = response.content.decode()
        assert "Recorded not the same child for 2 pairs." in page
        assert "Not decided" not in page and "decided by someone else" not in page
        assert set(CandidatePair.objects.filter(pk__in=[p.pk for p in pairs]).values_list("status", flat=True)) == {
            PairStatus.NOT_SAME
        }

    def test_a_pair_settled_with_another_says_so_on_its_page_with_who_and_their_note(self, world: Any) -> None:
        x1, x2, y = self._two_children(world)
        first, second = _pair(x1, y), _pair(x2, y)
        pair_decide(actor=world.users["screener"], pair=first, decision=PairStatus.NOT_SAME, reason="Different mothers")
        client = _client(world.users["screener"])
        name = world.users["screener"].get_full_name() or world.users["screener"].username
        page = client.get(reverse("linkage:pair", args=[second.uuid])).content.decode()
        # The other pair is a link to it (test_pair_page_says_what_happens): the words read the same.
        words = re.sub(r"<[^>]+>", "", page)
        assert f"Not the same child: decided with another pair between the same two children, by {name}" in words
        assert '<q id="decision-note">Different mothers</q>' in page
        # The pair decided itself says only who decided it, with the note they wrote.
        page = client.get(reverse("linkage:pair", args=[first.uuid])).content.decode()
        assert "decided with another pair" not in page
        assert f"Not the same child, by {name}" in page and '<q id="decision-note">Different mothers</q>' in page

    def test_the_decided_list_and_the_child_page_mark_the_pair_decided_with_another(self, world: Any) -> None:
        x1, x2, y = self._two_children(world)
        # The one settled alongside holds the screener's own record, so their child page lists it.
        first, second = _pair(x2, y), _pair(x1, y)
        pair_decide(actor=world.users["screener"], pair=first, decision=PairStatus.NOT_SAME, reason="Checked")
        client = _client(world.users["screener"])
        decided = client.get(reverse("linkage:queue"), {"show": "decided"}).content.decode()
        with_other = "Not the same child, with another pair between the same children"
        assert with_other in _row(decided, second) and with_other not in _row(decided, first)
        child = client.get(reverse("children:detail", args=[x1.child.uuid])).content.decode()
        kept = child[child.index('id="kept-apart"') : child.index("</table>", child.index('id="kept-apart"'))]
        assert kept.count("With another pair between the same children") == 1

    def test_a_bulk_decision_counts_the_pairs_decided_with_those_ticked(self, world: Any) -> None:
        # One of two pairs between the same children is ticked, with a pair on its own: three
        # pairs leave the queue, and the message says so rather than "2 pairs".
        x1, x2, y = self._two_children(world)
        ticked, alongside = _pair(x1, y), _pair(x2, y)
        alone = _pair(make_record(world), make_record(world, agency="police"))
        response = _client(world.users["screener"]).post(
            reverse("linkage:queue_decide"),
            {"pairs": [str(ticked.uuid), str(alone.uuid)], "decision": "not_same", "reason": "Checked"},
            follow=True,
        )
        page = response.content.decode()
        assert (
            "Recorded not the same child for 2 pairs. 1 more pair between the same children was decided with them."
            in page
        )
        assert CandidatePair.objects.get(pk=alongside.pk).status == PairStatus.NOT_SAME

    def test_one_decision_says_how_many_pairs_were_decided_with_it(self, world: Any) -> None:
        x1, x2, y = self._two_children(world)
        x3 = make_record(world, agency="health")
        same_child(x1, x3)
        first, *_ = _pair(x1, y), _pair(x2, y), _pair(x3, y)
        response = _client(world.users["screener"]).post(
            reverse("linkage:pair", args=[first.uuid]), {"decision": "not_same"}, follow=True
        )
        assert "2 more pairs between the same children were decided with it." in response.content.decode()

    def test_a_pair_held_apart_on_records_now_one_child_cannot_be_decided_not_the_same(self, world: Any) -> None:
        # "Same child" on one pair joins the children; the twins pair between them stays for a
        # person, whose page says the records are one child and offers no "not the same child",
        # which would leave them joined under a decision saying otherwise.
        x1, x2, y = self._two_children(world)
        first = _pair(x2, y)
        twins = _pair(x1, y, conflict="Different given names, same family name and date of birth (twins?)")
        pair_decide(actor=world.users["screener"], pair=first, decision=PairStatus.SAME)
        client = _client(world.users["screener"])
        page = client.get(reverse("linkage:pair", args=[twins.uuid])).content.decode()
        assert "These records are already one child" in page
        assert 'value="not_same"' not in page and 'value="same"' in page and 'value="unsure"' in page
        response = client.post(reverse("linkage:pair", args=[twins.uuid]), {"decision": "not_same"}, follow=True)
        assert "split them from the child&#x27;s page" in response.content.decode()
        assert CandidatePair.objects.get(pk=twins.pk).status == PairStatus.PENDING


def test_home_counts_the_possible_matches_as_the_queue_does(world: Any) -> None:
    """A reviewer's home page said nothing of the pairs waiting: it now counts them as the
    queue's caption does, less the one they escalated, which it names apart."""
    screener = world.users["screener"]
    _pair(make_record(world), make_record(world, agency="police"))
    escalated = _pair(make_record(world), make_record(world, agency="police"))
    _pair(make_record(world, agency="health"), make_record(world, agency="county_csc"))  # another agency's
    pair_decide(actor=screener, pair=escalated, decision=PairStatus.UNSURE)
    client = _client(screener)
    queue = client.get(reverse("linkage:queue")).content.decode()
    assert "Waiting for a decision: 2 pairs, 1 you can decide" in queue
    home = client.get(reverse("home")).content.decode()
    assert "2 pairs of records waiting for a decision, 1 you can decide." in home
    assert "You escalated 1 pair as unsure" in home
    # Roles that do not review see no panel.
    assert 'id="possible-matches"' not in _client(world.users["practitioner"]).get(reverse("home")).content.decode()


class TestOneRowPerTwoChildren:
    """The queue asks "are these two children one child?" once: one row per two children, the
    others behind it counted, and the row shown the one the reviewer most needs to see."""

    def _between(self, world: Any) -> tuple[Any, Any, Any, Any]:
        own, police = make_record(world), make_record(world, agency="police")
        same_child(own, police)
        health, county = make_record(world, agency="health"), make_record(world, agency="county_csc")
        same_child(health, county)
        return own, police, health, county

    def test_one_row_for_two_children_with_the_others_counted_on_queue_and_home(self, world: Any) -> None:
        own, police, health, county = self._between(world)
        strong = _pair(own, health, probability=0.9)
        weak = _pair(police, county, probability=0.6)
        alone = _pair(make_record(world), make_record(world, agency="police"), probability=0.7)
        client = _client(world.users["screener"])
        queue = client.get(reverse("linkage:queue")).content.decode()
        assert str(strong.uuid) in queue and str(alone.uuid) in queue and str(weak.uuid) not in queue
        caption = re.sub(r"\s+", " ", queue[queue.index("<caption") : queue.index("</caption>")])
        assert "Waiting for a decision: 2 pairs, 2 you can decide (3 pairs of records in all" in caption
        assert "and 1 more pair of records between the same two children, decided with this one" in _row(queue, strong)
        assert "more pair" not in _row(queue, alone)
        home = re.sub(r"\s+", " ", client.get(reverse("home")).content.decode())
        assert "2 possible matches (3 pairs of records) waiting for a decision, 2 you can" in home
        # The pair page says so too.
        pair_page = re.sub(r"\s+", " ", client.get(reverse("linkage:pair", args=[strong.uuid])).content.decode())
        assert "1 more pair of records between the same two children waits with this one: your decision" in pair_page
        alone_page = client.get(reverse("linkage:pair", args=[alone.uuid])).content.decode()
        assert 'id="alike-waiting"' not in alone_page
        # Deciding the row decides the pair behind it, and the next pair opened is the other child's.
        response = client.post(reverse("linkage:pair", args=[strong.uuid]), {"decision": "not_same"})
        assert response.url == reverse("linkage:pair", args=[alone.uuid])
        assert CandidatePair.objects.get(pk=weak.pk).status == PairStatus.NOT_SAME
        queue = client.get(reverse("linkage:queue")).content.decode()
        assert "Waiting for a decision: 1 pair, 1 you can decide</caption>" in re.sub(r"\s+", " ", queue)

    def test_the_row_shown_is_one_the_reviewer_may_decide_then_one_a_rule_holds_apart(self, world: Any) -> None:
        own, police, health, county = self._between(world)
        # The screener sees neither police's nor county's record: that pair, the strongest, is not theirs.
        theirs = _pair(own, health, probability=0.55)
        not_theirs = _pair(police, county, probability=0.95)
        queue = _client(world.users["screener"]).get(reverse("linkage:queue")).content.decode()
        assert str(theirs.uuid) in queue and str(not_theirs.uuid) not in queue
        # Among pairs they may decide, the warning shows: twins before a stronger plain pair.
        other = make_record(world, agency="city_school")
        same_child(own, other)
        twins = _pair(other, health, probability=0.6, conflict="Different given names, same family name and "
                      "date of birth (twins?)")  # fmt: skip
        make_agreement(world, parties=("city_csc", "city_school"), purposes=("screening",), categories=("identity",))
        queue = _client(world.users["screener"]).get(reverse("linkage:queue")).content.decode()
        assert str(twins.uuid) in queue and str(theirs.uuid) not in queue
        assert "and 2 more pairs of records between the same two children" in _row(queue, twins)

    def test_records_already_one_child_are_each_their_own_row(self, world: Any) -> None:
        a, b, c = make_record(world), make_record(world, agency="police"), make_record(world, agency="health")
        same_child(a, b, c)
        first = _pair(a, b, conflict="Different dates of birth")
        second = _pair(a, c, conflict="Different dates of birth")
        queue = _client(world.users["screener"]).get(reverse("linkage:queue")).content.decode()
        assert str(first.uuid) in queue and str(second.uuid) in queue and "more pair" not in queue

    def test_an_escalation_is_the_row_shown_and_unsure_escalates_the_pairs_behind_it(self, world: Any) -> None:
        from joinedup.conftest import make_user

        own, police, health, county = self._between(world)
        first, second = _pair(own, health, probability=0.9), _pair(police, county, probability=0.6)
        screener = world.users["screener"]
        client = _client(screener)
        # "Unsure" asks a second reviewer about the two children: the pair behind it goes with it.
        response = client.post(reverse("linkage:pair", args=[first.uuid]), {"decision": "unsure", "reason": "Ask"})
        assert response.status_code == 302
        second.refresh_from_db()
        assert second.status == PairStatus.UNSURE and second.decided_by == screener
        queue = client.get(reverse("linkage:queue")).content.decode()
        assert str(first.uuid) not in queue and str(second.uuid) not in queue
        # ... so the escalating reviewer cannot answer it through the other pair either.
        client.post(reverse("linkage:pair", args=[second.uuid]), {"decision": "not_same"})
        assert CandidatePair.objects.get(pk=second.pk).status == PairStatus.UNSURE
        # A pair a later run finds between them is not theirs to decide while it waits.
        later = _pair(own, county, probability=0.95)
        response = client.post(reverse("linkage:pair", args=[later.uuid]), {"decision": "not_same"}, follow=True)
        assert "You escalated another pair between these two children as unsure" in response.content.decode()
        assert CandidatePair.objects.get(pk=later.pk).status == PairStatus.PENDING
        # A second reviewer sees the escalation as the row, with who escalated it, not the later pair.
        other = make_user(world, role="screener")
        queue = _client(other).get(reverse("linkage:queue")).content.decode()
        assert str(first.uuid) in queue and str(later.uuid) not in queue
        assert "Escalated by" in _row(queue, first) and "and 2 more pairs of records" in _row(queue, first)
        escalated = _client(other).get(reverse("linkage:queue"), {"show": "escalated"}).content.decode()
        assert str(first.uuid) in escalated and str(second.uuid) not in escalated
        # Their answer settles every pair between the two children, the escalations included.
        _client(other).post(reverse("linkage:pair", args=[first.uuid]), {"decision": "not_same"})
        statuses = CandidatePair.objects.filter(pk__in=[first.pk, second.pk, later.pk]).values_list("status", flat=True)
        assert set(statuses) == {PairStatus.NOT_SAME}

    def test_a_filter_by_reason_shows_the_pair_with_that_reason_and_counts_the_rest(self, world: Any) -> None:
        own, police, health, county = self._between(world)
        plain = _pair(own, health, probability=0.6)
        dates = _pair(police, county, probability=0.7, conflict="Different dates of birth")
        make_agreement(world, parties=("city_csc", "police"), purposes=("screening",), categories=("identity",))
        client = _client(world.users["screener"])
        by_dates = client.get(reverse("linkage:queue"), {"why": "Different dates of birth"}).content.decode()
        assert str(dates.uuid) in by_dates and str(plain.uuid) not in by_dates
        assert "and 1 more pair of records" in _row(by_dates, dates)
        assert "Waiting for a decision: 1 pair, 1 you can decide</caption>" in re.sub(r"\s+", " ", by_dates)
        between = client.get(reverse("linkage:queue"), {"why": "between"}).content.decode()
        assert str(plain.uuid) in between and str(dates.uuid) not in between
        assert "and 1 more pair of records" in _row(between, plain)

    def test_reopening_leaves_pairs_decided_on_their_own(self, world: Any) -> None:
        from joinedup.conftest import make_user
        from joinedup.linkage.services import pair_reopen, records_kept_apart

        own, police, health, county = self._between(world)
        decided, settled = _pair(own, health), _pair(police, county)
        screener, other = world.users["screener"], make_user(world, role="screener")
        pair_decide(actor=screener, pair=decided, decision=PairStatus.NOT_SAME, reason="Different mothers")
        # A pair a split wrote, and one another reviewer decided on their own, between the same two children.
        records_kept_apart(actor=other, groups=[{own.pk}, {county.pk}])
        split_pair = CandidatePair.objects.get(record_a_id=min(own.pk, county.pk), record_b_id=max(own.pk, county.pk))
        alone = _pair(police, health)
        pair_decide(actor=other, pair=alone, decision=PairStatus.NOT_SAME)
        # Reopening the pair settled with the decision reopens that decision's pairs, and only those.
        reopened = pair_reopen(actor=screener, pair=settled, reason="New birth record")
        assert [p.pk for p in reopened] == [settled.pk, decided.pk]
        assert CandidatePair.objects.get(pk=split_pair.pk).status == PairStatus.NOT_SAME
        assert CandidatePair.objects.get(pk=alone.pk).status == PairStatus.NOT_SAME

    def test_a_run_does_not_ask_again_about_two_children_a_person_said_are_not_one(self, world: Any) -> None:
        from joinedup.linkage.decisions import DECIDED_NOT_SAME
        from joinedup.linkage.services import linkage_apply, linkage_model_activate, linkage_model_save, pair_reopen

        own, police, health, county = self._between(world)
        decided = _pair(own, health)
        pair_decide(actor=world.users["screener"], pair=decided, decision=PairStatus.NOT_SAME, reason="Checked")
        model = linkage_model_activate(
            actor=None,
            model=linkage_model_save(
                actor=None, parameters={"comparisons": [], "probability_two_random_records_match": 0.001}, summary={}
            ),
        )
        rows = [
            {"unique_id_l": str(min(a.pk, b.pk)), "unique_id_r": str(max(a.pk, b.pk)), "match_probability": p,
             "match_weight": 5}
            for a, b, p in ((police, county, 0.99), (own, county, 0.6))
        ]  # fmt: skip
        run = linkage_apply(actor=None, model=model, rows=rows)
        found = CandidatePair.objects.exclude(pk=decided.pk)
        assert {(p.status, p.conflict) for p in found} == {(PairStatus.KEPT_APART, DECIDED_NOT_SAME)}
        assert run.figures["to_review"] == 0 and run.figures["kept_apart_by_rule"] == 2
        assert "Nothing to review." in _client(world.users["screener"]).get(reverse("linkage:queue")).content.decode()
        # Reopened, the question is open again: the next run puts new pairs to a person.
        pair_reopen(actor=world.users["screener"], pair=decided, reason="Health sent the birth record")
        CandidatePair.objects.exclude(pk=decided.pk).delete()
        linkage_apply(actor=None, model=model, rows=rows)
        assert PairStatus.KEPT_APART not in set(CandidatePair.objects.values_list("status", flat=True))
