"""What a walk-through of the review pages found, each held by a test: the queue puts the pairs a
reviewer may decide first and marks the rest, an escalation leaves the escalating reviewer's queue,
and the pair page says true things in words (who holds what, sex, given names, the decision)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from joinedup.children.models import AgencyRecord
from joinedup.children.services import agency_record_erase, break_glass_open
from joinedup.conftest import make_agreement, make_record, same_child
from joinedup.linkage.access import candidate_pairs_for_review, pairs_decidable_by, with_decidable
from joinedup.linkage.models import CandidatePair, PairStatus
from joinedup.linkage.selectors import RecordShown
from joinedup.linkage.services import pair_decide
from joinedup.linkage.views import side_by_side

pytestmark = pytest.mark.django_db


def _pair(a: Any, b: Any, probability: float = 0.6) -> CandidatePair:
    low, high = sorted((a, b), key=lambda r: r.pk)
    return CandidatePair.objects.create(
        record_a=low, record_b=high, probability=probability, match_weight=1, waterfall=[]
    )


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _row_of(page: str, pair: CandidatePair) -> str:
    start = page.index(f'href="/linkage/review/{pair.uuid}/"')
    return page[page.rindex("<tr", 0, start) : page.index("</tr>", start)]


# --- 1. pairs another agency decides ----------------------------------------------------------


def test_pairs_the_reviewer_may_decide_come_first_and_the_rest_are_marked(world: Any) -> None:
    blind = _pair(make_record(world, agency="health"), make_record(world, agency="county_csc"), probability=0.99)
    mine = _pair(make_record(world), make_record(world, agency="police"), probability=0.55)
    page = _client(world.users["screener"]).get(reverse("linkage:queue")).content.decode()
    assert page.index(str(mine.uuid)) < page.index(str(blind.uuid))
    assert "Another agency decides" in _row_of(page, blind)
    assert "Another agency decides" not in _row_of(page, mine)
    # No tick box for a pair the reviewer may not decide: bulk would only refuse it.
    assert f'value="{blind.uuid}"' not in page and f'value="{mine.uuid}"' in page
    assert "2 pairs, 1 you can decide" in page


def test_decidable_in_the_query_is_pairs_decidable_by(world: Any) -> None:
    make_agreement(world, parties=("city_csc", "police"), purposes=("screening",), categories=("identity",))
    screener = world.users["screener"]
    shared_in_work = make_record(world, agency="police")
    same_child(make_record(world), shared_in_work)
    glass = make_record(world, agency="health")
    break_glass_open(actor=screener, child=glass.child, reason="immediate_risk", explanation="Missing overnight.")
    erased = make_record(world)
    pairs = [
        _pair(make_record(world), make_record(world, agency="health")),  # own record
        _pair(shared_in_work, make_record(world, agency="health")),  # shared, child in work
        _pair(make_record(world, agency="police"), make_record(world, agency="health")),  # shared, child not open
        _pair(glass, make_record(world, agency="county_csc")),  # broke glass
        _pair(make_record(world, agency="health"), make_record(world, agency="county_csc")),  # neither
        _pair(erased, make_record(world, agency="health")),  # own, but erased
        _pair(make_record(world), make_record(world, agency="health")),  # own, but they escalated it
    ]
    agency_record_erase(actor=screener, record=erased, reason="Entered in error")
    pair_decide(actor=screener, pair=pairs[-1], decision=PairStatus.UNSURE)
    listed = list(candidate_pairs_for_review(screener))
    in_query = {p.pk for p in with_decidable(user=screener, pairs=candidate_pairs_for_review(screener)) if p.decidable}
    assert in_query == pairs_decidable_by(user=screener, pairs=listed)
    assert in_query == {pairs[0].pk, pairs[1].pk, pairs[3].pk}


# --- 5. an escalation leaves the escalating reviewer's queue ---------------------------------


def test_an_escalated_pair_leaves_the_escalating_reviewers_queue_and_waits_for_another(world: Any) -> None:
    first = _pair(make_record(world), make_record(world, agency="police"), probability=0.69)
    second = _pair(make_record(world), make_record(world, agency="police"), probability=0.6)
    third = _pair(make_record(world), make_record(world, agency="police"), probability=0.55)
    screener = world.users["screener"]
    client = _client(screener)
    response = client.post(reverse("linkage:pair", args=[first.uuid]), {"decision": "unsure"})
    assert response.url == reverse("linkage:pair", args=[second.uuid])
    # Deciding the next pair must not bring the escalated one back as "next".
    response = client.post(reverse("linkage:pair", args=[second.uuid]), {"decision": "not_same"})
    assert response.url == reverse("linkage:pair", args=[third.uuid])
    queue = client.get(reverse("linkage:queue")).content.decode()
    assert str(first.uuid) not in queue.split("<tbody")[1]
    assert "You escalated 1 pair as unsure" in queue
    escalated = client.get(reverse("linkage:queue"), {"show": "escalated"}).content.decode()
    assert "You escalated this" in _row_of(escalated, first) and str(third.uuid) not in escalated
    # Another reviewer gets it in their queue, marked as waiting for a second opinion.
    other = world.user("screener")
    theirs = _client(other).get(reverse("linkage:queue")).content.decode()
    assert "Escalated by" in _row_of(theirs, first)
    assert (
        "waits for a second reviewer" in _client(other).get(reverse("linkage:pair", args=[first.uuid])).content.decode()
    )


def test_the_reviewer_who_escalated_a_pair_cannot_decide_it(world: Any) -> None:
    """An escalation asks for a second reviewer: the escalated list counted it as the escalating
    reviewer's to decide, and the page, a post and the queue's bulk decision all let them."""
    pair = _pair(make_record(world), make_record(world, agency="police"))
    screener = world.users["screener"]
    client = _client(screener)
    client.post(reverse("linkage:pair", args=[pair.uuid]), {"decision": "unsure"})
    escalated = client.get(reverse("linkage:queue"), {"show": "escalated"}).content.decode()
    assert "1 pair, 0 you can decide" in escalated
    assert "Another agency decides" not in _row_of(escalated, pair)
    page = client.get(reverse("linkage:pair", args=[pair.uuid])).content.decode()
    assert 'id="decide"' not in page and "another reviewer decides it, not you" in page
    assert client.post(reverse("linkage:pair", args=[pair.uuid]), {"decision": "same"}).status_code == 403
    response = client.post(
        reverse("linkage:queue_decide"), {"pairs": [str(pair.uuid)], "decision": "not_same", "reason": "r"}
    )
    said = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "because you escalated them as unsure" in said
    with pytest.raises(ValidationError, match="another reviewer decides it"):
        pair_decide(actor=screener, pair=CandidatePair.objects.get(pk=pair.pk), decision=PairStatus.SAME)
    assert CandidatePair.objects.get(pk=pair.pk).status == PairStatus.UNSURE
    # Anyone else who sees a record decides it.
    other = _client(world.user("screener"))
    assert "1 pair, 1 you can decide" in other.get(reverse("linkage:queue"), {"show": "escalated"}).content.decode()
    other.post(reverse("linkage:pair", args=[pair.uuid]), {"decision": "not_same"})
    assert CandidatePair.objects.get(pk=pair.pk).status == PairStatus.NOT_SAME


def test_the_escalating_reviewers_note_reaches_the_next_reviewer(world: Any) -> None:
    """A walk-through found the note typed when escalating kept only in the audit trail."""
    pair = _pair(make_record(world), make_record(world, agency="police"))
    first = _client(world.users["screener"])
    page = first.get(reverse("linkage:pair", args=[pair.uuid])).content.decode()
    assert 'name="reason"' in page  # a note box, whichever the page offers
    first.post(
        reverse("linkage:pair", args=[pair.uuid]), {"decision": "unsure", "reason": "Police DOB looks keyed <wrong>"}
    )
    pair.refresh_from_db()
    assert pair.status == PairStatus.UNSURE and pair.decision_note == "Police DOB looks keyed <wrong>"
    seen = _client(world.user("screener")).get(reverse("linkage:pair", args=[pair.uuid])).content.decode()
    assert '<q id="escalation-note">Police DOB looks keyed &lt;wrong&gt;</q>' in seen


def test_the_escalating_reviewer_reads_their_escalation_once_another_decides(world: Any) -> None:
    """The decision that settled an escalated pair replaced its note: the reviewer who was unsure
    found no trace on the pair's page that it had been theirs, nor what they had asked."""
    pair = _pair(make_record(world), make_record(world, agency="police"))
    first = _client(world.users["screener"])
    first.post(reverse("linkage:pair", args=[pair.uuid]), {"decision": "unsure", "reason": "DOB keyed <wrong>?"})
    second = world.user("screener")
    _client(second).post(reverse("linkage:pair", args=[pair.uuid]), {"decision": "not_same", "reason": "Twins"})
    seen = first.get(reverse("linkage:pair", args=[pair.uuid])).content.decode()
    name = second.get_full_name() or second.username
    assert f"Not the same child, by {name}" in seen and '<q id="decision-note">Twins</q>' in seen
    assert "Before that, you escalated it as unsure on " in seen
    assert "with the note: <q>DOB keyed &lt;wrong&gt;?</q>" in seen
    # The second reviewer reads who escalated it.
    first_name = world.users["screener"].get_full_name() or world.users["screener"].username
    other = _client(second).get(reverse("linkage:pair", args=[pair.uuid])).content.decode()
    assert f"Before that, {first_name} escalated it as unsure" in other


# --- 4. the decision in words ----------------------------------------------------------------


def test_an_escalation_is_recorded_in_plain_words(world: Any) -> None:
    pair = _pair(make_record(world), make_record(world, agency="police"))
    response = _client(world.users["screener"]).post(
        reverse("linkage:pair", args=[pair.uuid]), {"decision": "unsure"}, follow=True
    )
    said = [str(m) for m in get_messages(response.wsgi_request)] or [response.content.decode()]
    text = " ".join(said) + response.content.decode()
    assert "unsure: escalated" not in text.lower()
    assert "this pair now waits for another reviewer" in text
    assert CandidatePair.objects.get(pk=pair.pk).status == PairStatus.UNSURE


# --- 2. the hint beside the reason is true ---------------------------------------------------


def test_the_hint_says_the_reviewers_agency_holds_neither_record_when_it_holds_neither(world: Any) -> None:
    screener = world.users["screener"]
    police = make_record(world, agency="police")
    # A record of their making (pair_decide asks a reviewer for a reason only then, and so the hint).
    AgencyRecord.objects.filter(pk=police.pk).update(created_by=screener)
    break_glass_open(actor=screener, child=police.child, reason="immediate_risk", explanation="Missing overnight.")
    pair = _pair(police, make_record(world, agency="health"))
    page = _client(screener).get(reverse("linkage:pair", args=[pair.uuid])).content.decode()
    hint = page[page.index('id="reason-hint"') :].split("</div>")[0]
    assert "Your agency holds neither record" in hint and "holds one of these" not in hint
    assert "the child of the Shire Health Trust record is outside your agency's work" in hint


def test_the_hint_says_the_reviewers_agency_holds_one_when_it_does(world: Any) -> None:
    creator = world.users["screener"]
    own = make_record(world, actor=creator)
    pair = _pair(own, make_record(world, agency="health"))
    page = _client(creator).get(reverse("linkage:pair", args=[pair.uuid])).content.decode()
    hint = page[page.index('id="reason-hint"') :].split("</div>")[0]
    assert "Your agency holds one of these records" in hint
    assert "the child of the Shire Health Trust record is outside your agency's work" in hint


# --- 3. and 9. the side-by-side in words -----------------------------------------------------


def test_sex_is_shown_in_words(world: Any) -> None:
    pair = _pair(make_record(world, sex="F"), make_record(world, sex="U"))
    page = _client(world.users["screener"]).get(reverse("linkage:pair", args=[pair.uuid])).content.decode()
    row = page[page.index('id="row-sex"') :].split("</tr>")[0]
    assert "Female" in row and "Not known" in row
    assert ">F<" not in row and ">U<" not in row


def _shown(world: Any, **fields: Any) -> RecordShown:
    return RecordShown(record=make_record(world), fields=fields, categories=["identity"], grant=None)


def test_an_extract_sex_code_is_shown_in_words(world: Any) -> None:
    rows = {r["name"]: r for r in side_by_side(_shown(world, sex="2"), _shown(world, sex="F"))}
    assert rows["sex"]["a"] == "Female" and rows["sex"]["state"] == "agree"


@pytest.mark.parametrize(
    ("left", "right", "state", "note"),
    [
        ("Jordan Lee", "Jordan", "agree", "First name agrees: a middle name is only on one record"),
        ("jordan", "Jordan", "agree", ""),
        ("Jordan Lee", "Jordan Kai", "partly", "First name agrees: the middle names differ"),
        ("Jordan", "Morgan", "disagree", ""),
        ("Lee Jordan", "Jordan", "disagree", ""),
    ],
)
def test_given_names_compare_on_the_first_name(world: Any, left: str, right: str, state: str, note: str) -> None:
    rows = {r["name"]: r for r in side_by_side(_shown(world, given_names=left), _shown(world, given_names=right))}
    assert (rows["given_names"]["state"], rows["given_names"]["note"]) == (state, note)


def test_a_middle_name_on_one_record_is_not_shown_as_a_disagreement(world: Any) -> None:
    pair = _pair(make_record(world, given_names="Jordan Lee"), make_record(world, given_names="Jordan"))
    page = _client(world.users["screener"]).get(reverse("linkage:pair", args=[pair.uuid])).content.decode()
    row = page[page.rindex("<tr", 0, page.index('id="row-given_names"')) :].split("</tr>")[0]
    assert "app-agree" in row and "app-disagree" not in row
    assert "a middle name is only on one record" in page


def test_a_data_protection_officer_is_not_told_the_data_protection_officer_is_told(world: Any) -> None:
    """The hint and the refusal said "the data protection officer is told" to the DPO, who reads
    that list: they say where the join goes instead. A screener still reads that the DPO is told."""
    from joinedup.children.access import children_visible_to

    dpo = world.user("dpo")
    screener = world.users["screener"]
    for user in (dpo, screener):
        own = make_record(world, actor=user)
        other = make_record(world, agency="health")
        visible = set(children_visible_to(user).values_list("pk", flat=True))
        assert own.child_id in visible and other.child_id not in visible
        pair = _pair(own, other)
        page = _client(user).get(reverse("linkage:pair", args=[pair.uuid])).content.decode()
        hint = page[page.index('id="reason-hint"') :].split("</div>")[0]
        response = _client(user).post(reverse("linkage:pair", args=[pair.uuid]), {"decision": "same"}, follow=True)
        refused = " ".join(str(m) for m in get_messages(response.wsgi_request)) + response.content.decode()
        assert CandidatePair.objects.get(pk=pair.pk).status == PairStatus.PENDING
        if user is dpo:
            assert "data protection officer is told" not in hint + refused
            assert "the list of joins outside work that data protection officers review" in hint
            assert "the list of joins outside work that data protection officers review" in refused
        else:
            assert "the data protection officer is told" in hint and "the data protection officer is told" in refused
