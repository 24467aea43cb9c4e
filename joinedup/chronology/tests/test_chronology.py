"""The child seen whole: the summary that reconciles records, and the multi-agency chronology."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from joinedup.audit.models import AuditEvent
from joinedup.children.models import IntelligenceItem
from joinedup.chronology.models import EventKind, RecordCheckRequest, SignificantEvent
from joinedup.conftest import make_agreement, make_city_case, make_record, make_user, make_words, same_child
from joinedup.notifications.models import Notification


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _event(child: Any, agency: Any, user: Any, *, on: dt.date, summary: str, kind: str = "missing_episode") -> Any:
    from joinedup.chronology.sources import category_for

    return SignificantEvent.objects.create(
        child=child,
        agency=agency,
        category=category_for(agency),
        kind=kind,
        occurred_on=on,
        summary=summary,
        source="Return interview",
        recorded_by=user,
    )


@pytest.fixture
def shared_child(world: Any) -> Any:
    """One child known to City children's services and the police, who share identity and intelligence,
    and to the health trust, who share nothing with either."""
    city = make_record(
        world, agency="city_csc", given_names="Keith", family_name="Smith", date_of_birth=dt.date(2012, 6, 10)
    )
    police = make_record(
        world,
        agency="police",
        given_names="Keiht Abdul",
        family_name="Smith",
        date_of_birth=dt.date(2012, 10, 6),
        other_names="KJ",
    )
    health = make_record(world, agency="health", given_names="Keith", family_name="Smith", nhs_number="9434765919")
    child = same_child(city, police, health)
    make_agreement(
        world,
        parties=("city_csc", "police"),
        purposes=("direct_work", "screening"),
        categories=("identity", "contact", "police_intelligence"),
    )
    return child


class TestAtAGlance:
    def test_a_disagreement_is_shown_and_names_both_agencies(self, world: Any, shared_child: Any) -> None:
        page = _client(world.users["practitioner"]).get(reverse("children:detail", args=[shared_child.uuid]))
        content = page.content.decode()
        assert page.status_code == 200 and 'id="at-a-glance"' in content
        disagreement = content[content.index('id="disagree-date_of_birth"') :][:2000]
        assert "two dates of birth recorded" in disagreement.lower()
        assert "10 June 2012 by City Children&#x27;s Services" in disagreement
        assert "6 October 2012 by Shire Police" in disagreement
        assert 'id="identity-conflict"' in content
        # Known-as names are listed with who records them.
        assert "KJ" in content[content.index('id="glance-known_as"') :][:500]

    def test_nothing_the_policy_hides_is_hinted_at(self, world: Any, shared_child: Any) -> None:
        content = _client(world.users["practitioner"]).get(reverse("children:detail", args=[shared_child.uuid]))
        glance = content.content.decode()
        glance = glance[glance.index('id="at-a-glance"') : glance.index("</section>", glance.index('id="at-a-glance"'))]
        # The health trust shares nothing with City: its NHS number never appears, nor its name as a source.
        assert "9434765919" not in glance and "Shire Health Trust" not in glance

    def test_a_practitioner_asks_the_holding_agency_to_check(
        self, world: Any, shared_child: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        officer = make_user(world, role="practitioner", agency="police")
        lead = make_user(world, role="strategic_lead", agency="police")
        client = _client(world.users["practitioner"])
        url = reverse("chronology:check_ask", args=[shared_child.uuid])
        body = {
            "to_agency": str(world.agencies["police"].uuid),
            "field": "date_of_birth",
            "note": "Ours is from the birth certificate.",
        }
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, body)
        assert response.status_code == 302
        request = RecordCheckRequest.objects.get()
        assert request.to_agency == world.agencies["police"] and request.field == "date_of_birth"
        assert AuditEvent.objects.filter(event="record_check.requested", child_uuid=shared_child.uuid).exists()
        note = Notification.objects.get(user=officer, kind="record_check")
        # Only those who can correct the record are told: a strategic lead there could not open the child.
        assert not Notification.objects.filter(kind="record_check", user=lead).exists()
        assert "Keiht Abdul Smith" in note.title  # as the police's own record names the child
        # Asking again at once is refused with a reason, and nothing more is written.
        again = client.post(url, body, follow=True)
        assert "You asked Shire Police to check this" in again.content.decode()
        assert RecordCheckRequest.objects.count() == 1

    def test_the_holding_agency_sees_what_it_was_asked_and_no_one_else_does(
        self, world: Any, shared_child: Any
    ) -> None:
        officer = make_user(world, role="practitioner", agency="police")
        body = {
            "to_agency": str(world.agencies["police"].uuid),
            "field": "date_of_birth",
            "note": '"Birth certificate"',
        }
        _client(world.users["practitioner"]).post(reverse("chronology:check_ask", args=[shared_child.uuid]), body)
        url = reverse("children:detail", args=[shared_child.uuid])
        held = _client(officer).get(url).content.decode()
        asked = held[held.index('id="check-requests"') :][:800]
        assert "City Children&#x27;s Services asked" in asked and "date of birth" in asked
        assert "\u201cBirth certificate\u201d" in asked
        # The asker, and an agency that was not asked, see no such panel.
        assert 'id="check-requests"' not in _client(world.users["practitioner"]).get(url).content.decode()
        health = make_user(world, role="practitioner", agency="health")
        assert 'id="check-requests"' not in _client(health).get(url).content.decode()

    def test_asking_under_the_purpose_the_page_was_opened_for(self, world: Any) -> None:
        """Records shared only for strategy discussions disagree: asked from the page opened for one,
        the request is made under that purpose, and the page comes back under it."""
        city = make_record(world, agency="city_csc", date_of_birth=dt.date(2012, 6, 10))
        police = make_record(world, agency="police", date_of_birth=dt.date(2012, 10, 6))
        child = same_child(city, police)
        make_agreement(world, parties=("city_csc", "police"), purposes=("strategy_discussion",))
        client = _client(world.users["practitioner"])
        page = client.get(reverse("children:detail", args=[child.uuid]), {"purpose": "strategy_discussion"})
        assert 'id="disagree-date_of_birth"' in page.content.decode()
        body = {
            "to_agency": str(world.agencies["police"].uuid),
            "field": "date_of_birth",
            "purpose": "strategy_discussion",
        }
        response = client.post(reverse("chronology:check_ask", args=[child.uuid]), body, follow=True)
        assert response.redirect_chain[-1][0].endswith("?purpose=strategy_discussion")
        assert "Shire Police has been asked to check" in response.content.decode()
        assert RecordCheckRequest.objects.filter(to_agency=world.agencies["police"]).exists()

    def test_the_page_offers_a_note_with_the_ask_and_a_long_note_is_refused_in_words(
        self, world: Any, shared_child: Any
    ) -> None:
        client = _client(world.users["practitioner"])
        page = client.get(reverse("children:detail", args=[shared_child.uuid])).content.decode()
        police = world.agencies["police"]
        form = page[page.index(f'value="{police.uuid}"') :][:1500]
        assert "Note for Shire Police (optional)" in form and 'name="note"' in form and 'maxlength="1000"' in form
        body = {"to_agency": str(police.uuid), "field": "date_of_birth", "note": "x" * 1001}
        response = client.post(reverse("chronology:check_ask", args=[shared_child.uuid]), body, follow=True)
        assert "keep the note to 1,000 characters or fewer" in response.content.decode()
        assert not RecordCheckRequest.objects.exists()

    def test_the_holder_marks_it_checked_the_box_clears_and_the_asker_is_told(
        self, world: Any, shared_child: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        asker = world.users["practitioner"]
        officer = make_user(world, role="practitioner", agency="police")
        ask = reverse("chronology:check_ask", args=[shared_child.uuid])
        body = {"to_agency": str(world.agencies["police"].uuid), "field": "date_of_birth", "note": "Ours: certificate."}
        _client(asker).post(ask, body)
        request = RecordCheckRequest.objects.get()
        page = reverse("children:detail", args=[shared_child.uuid])
        held = _client(officer).get(page).content.decode()
        assert 'id="check-requests"' in held and "Mark as checked" in held
        answer = reverse("chronology:check_answer", args=[shared_child.uuid, request.uuid])
        with django_capture_on_commit_callbacks(execute=True):
            response = _client(officer).post(answer, {"note": "Corrected from the custody record."}, follow=True)
        text = response.content.decode()
        assert "Marked as checked: City Children&#x27;s Services has been told." in text
        assert 'id="check-requests"' not in text  # the box has cleared
        request.refresh_from_db()
        assert request.checked_by == officer and request.checked_note == "Corrected from the custody record."
        assert AuditEvent.objects.filter(event="record_check.answered", child_uuid=shared_child.uuid).exists()
        told = Notification.objects.get(user=asker, kind="record_check")
        assert "Shire Police checked the date of birth" in told.title and "custody record" in told.body
        # Answered, the request no longer stands: the asker may ask again (the records may still differ).
        again = _client(asker).post(ask, body, follow=True)
        assert "Shire Police has been asked to check" in again.content.decode()
        assert RecordCheckRequest.objects.count() == 2

    def test_only_the_agency_asked_may_mark_it_checked_and_only_who_may_correct_its_record(
        self, world: Any, shared_child: Any
    ) -> None:
        body = {"to_agency": str(world.agencies["police"].uuid), "field": "date_of_birth"}
        _client(world.users["practitioner"]).post(reverse("chronology:check_ask", args=[shared_child.uuid]), body)
        request = RecordCheckRequest.objects.get()
        answer = reverse("chronology:check_answer", args=[shared_child.uuid, request.uuid])
        # The asker's agency (not the one asked) is told no such request exists.
        assert _client(world.users["practitioner"]).post(answer).status_code == 404
        # At the police, a role that may read the record but not correct it (the DPO) sees the request
        # without the button, and is refused.
        dpo = _client(make_user(world, role="dpo", agency="police"))
        held = dpo.get(reverse("children:detail", args=[shared_child.uuid])).content.decode()
        assert 'id="check-requests"' in held and "Mark as checked" not in held
        assert dpo.post(answer).status_code == 403
        # Someone who may not open the child at all is told nothing exists.
        assert _client(make_user(world, role="practitioner", agency="county_csc")).post(answer).status_code == 404
        request.refresh_from_db()
        assert request.checked_at is None

    def test_an_agency_whose_record_is_hidden_cannot_be_asked(self, world: Any, shared_child: Any) -> None:
        body = {"to_agency": str(world.agencies["health"].uuid), "field": "nhs_number"}
        _client(world.users["practitioner"]).post(reverse("chronology:check_ask", args=[shared_child.uuid]), body)
        assert not RecordCheckRequest.objects.exists()


class TestAskingSaysNoMoreThanTheAgreementsAllow:
    """Asking for a check says the asker's agency works with the child: only those who may know
    that are told who asked; and only what the page offers can be asked, once answered."""

    def _ask(self, world: Any, child: Any, **body: str) -> Any:
        ask = reverse("chronology:check_ask", args=[child.uuid])
        data = {"to_agency": str(world.agencies["police"].uuid), "field": "date_of_birth", **body}
        return _client(world.users["practitioner"]).post(ask, data, follow=True)

    def test_a_reader_of_the_record_asked_about_is_not_told_which_agency_asked(
        self, world: Any, shared_child: Any
    ) -> None:
        # Health reads the police record (its own agreement) but has none with City.
        make_agreement(world, parties=("health", "police"), purposes=("direct_work",), categories=("identity",))
        self._ask(world, shared_child)
        nurse = make_user(world, role="practitioner", agency="health")
        page = _client(nurse).get(reverse("children:detail", args=[shared_child.uuid])).content.decode()
        asked = page[page.index('id="asked-date_of_birth-') :][:400]
        assert "was asked to check the date of birth by another agency" in asked
        assert "City Children" not in page and "Practitioner" not in asked
        # The agency asked, and the asker's colleagues, are told who asked.
        officer = make_user(world, role="practitioner", agency="police")
        held = _client(officer).get(reverse("children:detail", args=[shared_child.uuid])).content.decode()
        assert "City Children&#x27;s Services asked on" in held
        colleague = make_user(world, role="practitioner", agency="city_csc")
        theirs = _client(colleague).get(reverse("children:detail", args=[shared_child.uuid])).content.decode()
        assert "by Practitioner (City Children&#x27;s Services)" in theirs
        # Nor does a second ask, refused, name who asked first.
        second = _client(nurse).post(
            reverse("chronology:check_ask", args=[shared_child.uuid]),
            {"to_agency": str(world.agencies["police"].uuid), "field": "date_of_birth"},
            follow=True,
        )
        assert "Another agency asked Shire Police to check this on" in second.content.decode()
        assert RecordCheckRequest.objects.count() == 1

    def test_only_an_agency_whose_record_disagrees_can_be_asked_and_never_ones_own(
        self, world: Any, shared_child: Any
    ) -> None:
        own = self._ask(world, shared_child, to_agency=str(world.agencies["city_csc"].uuid))
        assert "only an agency whose record disagrees with the others" in own.content.decode()
        same = self._ask(world, shared_child, field="sex")  # both record M
        assert "only an agency whose record disagrees with the others" in same.content.decode()
        assert not RecordCheckRequest.objects.exists()
        assert not Notification.objects.filter(kind="record_check").exists()

    def test_asking_is_audited_as_asking_not_as_another_view_of_the_child(self, world: Any, shared_child: Any) -> None:
        before = AuditEvent.objects.filter(event="child.viewed").count()
        ask = reverse("chronology:check_ask", args=[shared_child.uuid])
        body = {"to_agency": str(world.agencies["police"].uuid), "field": "date_of_birth"}
        _client(world.users["practitioner"]).post(ask, body)
        assert AuditEvent.objects.filter(event="child.viewed").count() == before
        assert AuditEvent.objects.filter(event="record_check.requested").count() == 1

    def test_a_note_with_a_null_character_is_refused_for_what_it_is(self, world: Any, shared_child: Any) -> None:
        response = self._ask(world, shared_child, note="bad\x00note")
        assert "Nobody was asked: null characters are not allowed." in response.content.decode()
        assert not RecordCheckRequest.objects.exists()

    def test_marking_it_checked_a_second_time_says_it_was_done_and_saves_nothing(
        self, world: Any, shared_child: Any
    ) -> None:
        self._ask(world, shared_child)
        request = RecordCheckRequest.objects.get()
        answer = reverse("chronology:check_answer", args=[shared_child.uuid, request.uuid])
        first = make_user(world, role="practitioner", agency="police")
        _client(first).post(answer, {"note": "Corrected."})
        again = _client(make_user(world, role="practitioner", agency="police")).post(
            answer, {"note": "Also corrected."}, follow=True
        )
        text = again.content.decode()
        assert "Nothing more was saved: Practitioner marked this as checked on" in text
        assert "has been told" not in text
        request.refresh_from_db()
        assert request.checked_by == first and request.checked_note == "Corrected."
        assert AuditEvent.objects.filter(event="record_check.answered").count() == 1


class TestChronology:
    def test_a_past_dated_event_sorts_by_when_it_happened(self, world: Any, shared_child: Any) -> None:
        user = world.users["practitioner"]
        _event(shared_child, world.agencies["city_csc"], user, on=dt.date(2020, 1, 5), summary="Long ago")
        _event(shared_child, world.agencies["city_csc"], user, on=timezone.localdate(), summary="Today")
        _event(shared_child, world.agencies["city_csc"], user, on=dt.date(2023, 7, 1), summary="Middle")
        content = _client(user).get(reverse("chronology:chronology", args=[shared_child.uuid])).content.decode()
        assert content.index("Today") < content.index("Middle") < content.index("Long ago")
        oldest = _client(user).get(reverse("chronology:chronology", args=[shared_child.uuid]), {"order": "oldest"})
        text = oldest.content.decode()
        assert text.index("Long ago") < text.index("Middle") < text.index("Today")

    def test_filters_by_agency_kind_and_period(self, world: Any, shared_child: Any) -> None:
        user = world.users["practitioner"]
        _event(shared_child, world.agencies["city_csc"], user, on=dt.date(2024, 3, 1), summary="In March")
        _event(shared_child, world.agencies["city_csc"], user, on=dt.date(2024, 9, 1), summary="In September")
        url = reverse("chronology:chronology", args=[shared_child.uuid])
        client = _client(user)
        period = client.get(
            url, {"start_day": "1", "start_month": "8", "start_year": "2024", "kind": "event"}
        ).content.decode()
        assert "In September" in period and "In March" not in period and "record opened" not in period
        police = client.get(url, {"agency": "Shire Police"}).content.decode()
        entries = police[police.index('id="chronology-entries"') :]
        assert "In March" not in entries and "Shire Police" in entries
        bad = client.get(
            url,
            {
                "start_day": "1",
                "start_month": "9",
                "start_year": "2024",
                "end_day": "1",
                "end_month": "3",
                "end_year": "2024",
            },
        )
        assert "must be the same as or after" in bad.content.decode()

    @pytest.mark.parametrize(
        ("agency", "sees_police_event", "sees_city_event"),
        [("city_csc", True, True), ("police", True, False), ("health", False, False), ("county_csc", None, None)],
    )
    def test_each_agency_sees_exactly_what_the_policy_allows(
        self, world: Any, shared_child: Any, agency: str, sees_police_event: Any, sees_city_event: Any
    ) -> None:
        """City and police share identity, contact and intelligence, not social care: City sees the police's
        events (intelligence), the police do not see City's (social care). Health holds its own record but
        shares nothing, so sees only its own; County holds nothing and cannot open the child."""
        police_record = shared_child.records.get(agency=world.agencies["police"])
        IntelligenceItem.objects.create(
            record=police_record,
            summary="Seen with older males at the station.",
            source_grade="2",
            information_grade="B",
            handling_code="P",
            recorded_at=timezone.now(),
        )
        _event(
            shared_child,
            world.agencies["police"],
            world.users["practitioner"],
            on=dt.date(2025, 1, 2),
            summary="Police event",
            kind="arrest",
        )
        _event(
            shared_child,
            world.agencies["city_csc"],
            world.users["practitioner"],
            on=dt.date(2025, 1, 3),
            summary="City event",
        )
        user = make_user(world, role="practitioner", agency=agency)
        response = _client(user).get(reverse("chronology:chronology", args=[shared_child.uuid]))
        if sees_police_event is None:
            assert response.status_code == 404
            return
        content = response.content.decode()
        assert ("Police event" in content) is sees_police_event
        assert ("City event" in content) is sees_city_event
        assert ("Seen with older males" in content) is (agency in {"city_csc", "police"})

    def test_query_count_does_not_grow_with_events(
        self, world: Any, shared_child: Any, django_assert_max_num_queries: Any
    ) -> None:
        user = world.users["practitioner"]
        client = _client(user)
        url = reverse("chronology:chronology", args=[shared_child.uuid])
        client.get(url)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as few:
            client.get(url)
        for i in range(60):
            _event(
                shared_child,
                world.agencies["city_csc"],
                user,
                on=dt.date(2020, 1, 1) + dt.timedelta(days=i),
                summary=f"E{i}",
            )
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(url)
        assert "E59" in response.content.decode()

    def test_the_pdf_is_audited_and_reads_as_a_chronology(self, world: Any, shared_child: Any) -> None:
        user = world.users["practitioner"]
        _event(shared_child, world.agencies["city_csc"], user, on=dt.date(2024, 5, 4), summary="Went missing overnight")
        response = _client(user).get(reverse("chronology:chronology_pdf", args=[shared_child.uuid]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        event = AuditEvent.objects.filter(event="chronology.exported", child_uuid=shared_child.uuid).get()
        assert event.detail["entries"] >= 1

    def test_viewing_is_audited_with_disclosures(self, world: Any, shared_child: Any) -> None:
        from joinedup.children.models import Disclosure

        _client(world.users["practitioner"]).get(reverse("chronology:chronology", args=[shared_child.uuid]))
        assert AuditEvent.objects.filter(event="chronology.viewed", child_uuid=shared_child.uuid).exists()
        assert Disclosure.objects.filter(child=shared_child, recipient_agency=world.agencies["city_csc"]).exists()


class TestAddingAnEvent:
    def test_a_practitioner_adds_a_past_event(self, world: Any, shared_child: Any) -> None:
        url = reverse("chronology:event_add", args=[shared_child.uuid])
        body = {
            "kind": EventKind.SCHOOL_EXCLUSION,
            "occurred_on_day": "14",
            "occurred_on_month": "2",
            "occurred_on_year": "2024",
            "summary": "Excluded for five days after a fight.",
            "source": "School's letter",
        }
        response = _client(world.users["practitioner"]).post(url, body)
        assert response.status_code == 302
        event = SignificantEvent.objects.get()
        assert event.occurred_on == dt.date(2024, 2, 14) and event.agency == world.agencies["city_csc"]
        assert AuditEvent.objects.filter(event="significant_event.recorded").exists()

    def test_every_mistake_is_explained_and_what_was_typed_kept(self, world: Any, shared_child: Any) -> None:
        url = reverse("chronology:event_add", args=[shared_child.uuid])
        future = timezone.localdate() + dt.timedelta(days=3)
        body = {
            "occurred_on_day": str(future.day),
            "occurred_on_month": str(future.month),
            "occurred_on_year": str(future.year),
            "summary": "Kept text",
        }
        response = _client(world.users["practitioner"]).post(url, body)
        content = response.content.decode()
        assert response.status_code == 200 and "govuk-error-summary" in content
        assert (
            "Choose what happened" in content
            and "must be today or in the past" in content
            and "Enter source" in content
        )
        assert "Kept text" in content
        assert not SignificantEvent.objects.exists()

    def test_roles_that_cannot_edit_records_cannot_add(self, world: Any, shared_child: Any) -> None:
        response = _client(world.users["analyst"]).get(reverse("chronology:event_add", args=[shared_child.uuid]))
        assert response.status_code == 403


class TestTheChildsOwnWords:
    def test_words_show_as_participation_allows(self, world: Any, shared_child: Any) -> None:
        make_words(world, shared_child)
        url = reverse("chronology:chronology", args=[shared_child.uuid])
        own = _client(world.users["practitioner"]).get(url, {"kind": "words"}).content.decode()
        assert "I want to stay at my school." in own and "In their own words" in own
        # The police share no social care data with City: City's words about the child's plan stay with City.
        police = make_user(world, role="practitioner", agency="police")
        assert "I want to stay at my school." not in _client(police).get(url).content.decode()


@pytest.mark.django_db
def test_a_split_reads_as_a_split_in_the_chronology(world: Any) -> None:
    """A walk-through found every split titled "Records joined as one child"."""
    from types import SimpleNamespace

    from joinedup.chronology.sources import joins_source
    from joinedup.linkage.services import child_merge, child_unmerge

    a = make_record(world, given_names="Ava", family_name="Hughes")
    b = make_record(world, agency="police", given_names="Ava", family_name="Hughes")
    join = child_merge(actor=world.users["screener"], children=[a.child, b.child], reason="Same child.")
    assert join is not None
    split = child_unmerge(actor=world.users["screener"], join=join, reason="Not the same child after all.")
    titles = {
        e.title
        for child in {join.target, split.target}
        for e in joins_source(world.users["screener"], SimpleNamespace(child=child, reads={}))
    }
    assert titles == {"Records joined as one child", "Records split apart"}


def test_the_child_page_reads_the_childs_cases_words_and_joins_once(world: Any) -> None:
    """The processes, the young person's words, the history of joins and the chronology all show
    the same rows of the opened child: the page reads each table once for all of them, and every
    section still shows what it showed."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from joinedup.linkage.services import child_merge

    own = make_record(world, given_names="Ava", family_name="Hughes", date_of_birth=dt.date(2011, 3, 4))
    other = make_record(world, given_names="Ava", family_name="Hughes", date_of_birth=dt.date(2011, 3, 4))
    join = child_merge(actor=world.users["screener"], children=[own.child, other.child], reason="Same child.")
    assert join is not None
    child = join.target
    make_city_case(world, child)
    make_words(world, child)
    client = _client(world.users["practitioner"])
    url = reverse("children:detail", args=[child.uuid])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    # Reads of the child's own rows of each table (prefetches of related rows are not counted).
    for table, column in (
        ("pathways_case", "child_id"),
        ("participation_contribution", "child_id"),
        ("linkage_childjoin", "target_id"),
    ):
        reads = [sql for sql in selects if re.search(rf' FROM "{table}" .* WHERE .*"{table}"."{column}" = ', sql)]
        assert len(reads) == 1, (table, reads)
    # ... and each section shows them: the process, the words (twice: voices and chronology), the join.
    assert "Open processes" in page or "open processes" in page.lower()
    assert page.count("I want to stay at my school.") >= 2
    assert "Records joined as one child" in page
