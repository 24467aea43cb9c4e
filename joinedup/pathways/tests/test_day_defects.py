"""Defects found walking the product as its users (issue 16): each test failed before its fix."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from joinedup.audit.models import AuditEvent
from joinedup.children.models import Disclosure
from joinedup.conftest import make_agreement, make_record, make_user
from joinedup.partnership.roles import Role
from joinedup.pathways import services
from joinedup.pathways.definitions import shipped_definitions
from joinedup.pathways.models import Case, Meeting
from joinedup.referrals import services as referral_services

LONDON = ZoneInfo("Europe/London")


def _referral(world: Any, *, referrer: Any, home: Any, **child: Any) -> Any:
    draft = referral_services.referral_draft_save(
        actor=referrer,
        referral=None,
        data={
            "child_details": {"given_names": "Kai", "family_name": "Thornton", **child},
            "harm_types": ["county_lines", "criminal_exploitation"],
            "indicators": "Found in Worksop with cash and a second phone.",
            "child_says": "I only carry things for my mate.",
            "consent": "not_sought_risk",
            "family_informed": True,
            "home_area": home,
            "referrer_contact": "Duty line",
        },
    )
    return referral_services.referral_submit(actor=referrer, referral=draft)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


class TestCountyScreener:
    """16.2: "See what is known about the child in both areas" opened for every referral in the queue."""

    def test_it_opens_the_child_of_a_referral_from_another_agency(self, world: Any) -> None:
        nurse = make_user(world, role=Role.PRACTITIONER, agency="health")
        referral = _referral(world, referrer=nurse, home=world.county)
        screener = make_user(world, role=Role.SCREENER, agency="county_csc")
        client = _client(screener)
        page = client.get(reverse("pathways:screen", args=[referral.uuid])).content.decode()
        link = reverse("children:detail", args=[referral.child.uuid])
        assert link in page
        assert client.get(link, {"purpose": "screening"}).status_code == 200

    def test_it_stays_closed_to_the_screeners_colleagues_and_to_the_other_area(self, world: Any) -> None:
        nurse = make_user(world, role=Role.PRACTITIONER, agency="health")
        referral = _referral(world, referrer=nurse, home=world.county)
        link = reverse("children:detail", args=[referral.child.uuid])
        colleague = make_user(world, role=Role.PRACTITIONER, agency="county_csc")
        assert _client(colleague).get(link).status_code == 404
        city = make_user(world, role=Role.SCREENER, agency="city_csc")
        assert _client(city).get(link, {"purpose": "screening"}).status_code == 404


def _mace_case(world: Any, *, area: str = "county") -> Case:
    """A case led by the area's children's social care at the MACE stage, child known only to them."""
    agency = f"{area}_csc"
    definition = shipped_definitions()["efh-county@1" if area == "county" else "efh-city@1"]
    record = make_record(world, agency=agency, given_names="Leah", family_name=f"Mace-{area}")
    case = services.case_open(
        actor=world.users["screener"],
        child=record.child,
        definition=definition,
        area=getattr(world, area),
        lead_agency=world.agencies[agency],
    )
    Case.objects.filter(pk=case.pk).update(stage_id="mace")
    case.refresh_from_db()
    return case


@pytest.fixture
def coordinator(world: Any) -> Any:
    make_agreement(
        world,
        parties=("city_csc", "county_csc", "police"),
        purposes=("direct_work", "mace_panel", "screening"),
        categories=("identity", "contact", "social_care"),
    )
    return make_user(world, role=Role.EXPLOITATION_COORDINATOR, agency="police")


class TestMaceCoordinator:
    """16.5: the coordinator opens every case at the MACE panel, in both areas, from a list of them."""

    def test_the_coordinator_opens_cases_at_the_panel_in_both_areas(self, world: Any, coordinator: Any) -> None:
        client = _client(coordinator)
        for case in (_mace_case(world, area="county"), _mace_case(world, area="city")):
            assert client.get(reverse("pathways:case", args=[case.uuid])).status_code == 200
            assert client.get(reverse("children:detail", args=[case.child.uuid])).status_code == 200

    def test_a_case_not_at_the_panel_stays_closed_and_so_do_colleagues(self, world: Any, coordinator: Any) -> None:
        case = _mace_case(world)
        Case.objects.filter(pk=case.pk).update(stage_id="assessment")
        assert _client(coordinator).get(reverse("pathways:case", args=[case.uuid])).status_code == 404
        Case.objects.filter(pk=case.pk).update(stage_id="mace")
        officer = make_user(world, role=Role.PRACTITIONER, agency="police")
        assert _client(officer).get(reverse("pathways:case", args=[case.uuid])).status_code == 404

    def test_the_mace_list_names_each_child_with_area_and_clocks(self, world: Any, coordinator: Any) -> None:
        county, city = _mace_case(world, area="county"), _mace_case(world, area="city")
        elsewhere = _mace_case(world)
        Case.objects.filter(pk=elsewhere.pk).update(stage_id="plan")
        response = _client(coordinator).get(reverse("pathways:mace"))
        assert response.status_code == 200
        table = response.content.decode().split('id="mace-cases"')[1].split("</table>")[0]
        assert "Leah Mace-county" in table and "Leah Mace-city" in table
        assert "Test County" in table and "Test City" in table
        assert reverse("pathways:case", args=[county.uuid]) in table
        assert reverse("pathways:case", args=[city.uuid]) in table
        assert reverse("pathways:case", args=[elsewhere.uuid]) not in table
        event = AuditEvent.objects.get(event="mace.listed")
        assert set(event.detail["children"]) == {str(county.child.uuid), str(city.child.uuid)}
        # The names came from the areas' social care records: each crossing is a disclosure.
        assert Disclosure.objects.filter(user=coordinator, categories=["identity"]).count() == 2

    def test_other_roles_may_not_see_the_mace_list(self, world: Any) -> None:
        assert _client(world.users["practitioner"]).get(reverse("pathways:mace")).status_code == 403

    def test_the_coordinator_records_todays_panel_on_a_partner_led_case(self, world: Any, coordinator: Any) -> None:
        case = _mace_case(world)
        client = _client(coordinator)
        today = dt.date.today()
        response = client.post(
            reverse("pathways:case_meeting", args=[case.uuid]),
            {
                "kind": "mace_panel",
                "held_on_day": today.day,
                "held_on_month": today.month,
                "held_on_year": today.year,
                "attendees": "Police DI (chair); County CSC; health",
            },
        )
        assert response.status_code == 302
        assert Meeting.objects.filter(case=case, kind="mace_panel").exists()


class TestMeetingToday:
    """16.4: a meeting dated today saved before noon London time; a form that fails says why."""

    # 09:15 in London on a summer morning (08:15 UTC): noon London is still to come.
    MORNING = dt.datetime(2026, 6, 16, 9, 15, tzinfo=LONDON)

    def _post(self, world: Any, case: Case, day: dt.date, **extra: Any) -> Any:
        return _client(world.users["screener"]).post(
            reverse("pathways:case_meeting", args=[case.uuid]),
            {
                "kind": "strategy_discussion",
                "held_on_day": day.day,
                "held_on_month": day.month,
                "held_on_year": day.year,
                "attendees": "Social care; police; school",
                **extra,
            },
        )

    def test_a_meeting_dated_today_is_saved_before_noon(self, world: Any) -> None:
        with mock.patch("django.utils.timezone.now", return_value=self.MORNING):
            case = _mace_case(world, area="city")
            Case.objects.filter(pk=case.pk).update(stage_id="strategy")
            response = self._post(world, case, self.MORNING.date())
            assert response.status_code == 302
            meeting = Meeting.objects.get(case=case)
            assert meeting.held_at <= self.MORNING
            assert meeting.held_at.astimezone(LONDON).date() == self.MORNING.date()

    def test_a_meeting_in_the_future_says_why_it_was_not_saved(self, world: Any) -> None:
        with mock.patch("django.utils.timezone.now", return_value=self.MORNING):
            case = _mace_case(world, area="city")
            response = self._post(world, case, self.MORNING.date() + dt.timedelta(days=1))
        content = response.content.decode()
        assert response.status_code == 200 and "govuk-error-summary" in content
        assert "must be today or in the past" in content
        assert not Meeting.objects.exists()

    def test_a_meeting_without_attendees_says_why(self, world: Any) -> None:
        case = _mace_case(world, area="city")
        content = self._post(world, case, dt.date.today(), attendees="").content.decode()
        assert "govuk-error-summary" in content and "Enter attendees" in content
        assert not Meeting.objects.exists()


class TestReadsAreAudited:
    """12.6: the screening page (the child's words), referral detail and the case page leave a trace."""

    def test_the_screening_page_writes_an_event_and_a_disclosure(self, world: Any) -> None:
        nurse = make_user(world, role=Role.PRACTITIONER, agency="health")
        referral = _referral(world, referrer=nurse, home=world.county)
        screener = make_user(world, role=Role.SCREENER, agency="county_csc")
        page = _client(screener).get(reverse("pathways:screen", args=[referral.uuid])).content.decode()
        assert "I only carry things for my mate." in page
        event = AuditEvent.objects.get(event="referral.screening_viewed")
        assert event.child_uuid == referral.child.uuid and event.purpose == "screening"
        disclosure = Disclosure.objects.get(user=screener)
        assert disclosure.holder_agency == world.agencies["health"] and disclosure.child == referral.child
        assert set(disclosure.categories) == {"identity", "social_care"}

    def test_referral_detail_is_audited(self, world: Any) -> None:
        nurse = make_user(world, role=Role.PRACTITIONER, agency="health")
        referral = _referral(world, referrer=nurse, home=world.county)
        assert _client(nurse).get(reverse("referrals:detail", args=[referral.uuid])).status_code == 200
        event = AuditEvent.objects.get(event="referral.viewed")
        assert event.object_uuid == referral.uuid and event.child_uuid == referral.child.uuid
        assert not Disclosure.objects.exists()  # the referrer's own data

    def test_a_partner_opening_the_case_is_a_disclosure_of_the_leads_data(self, world: Any, coordinator: Any) -> None:
        case = _mace_case(world)
        _client(coordinator).get(reverse("pathways:case", args=[case.uuid]))
        event = AuditEvent.objects.get(event="case.viewed")
        assert event.purpose == "mace_panel" and event.child_uuid == case.child.uuid
        shown = {tuple(d.categories) for d in Disclosure.objects.filter(user=coordinator)}
        assert shown == {("social_care",), ("identity",)}


class TestTasksAndDrafts:
    """16.10: tasks name the child (or a pseudonymous reference), and drafts are on the home page."""

    def test_each_task_names_its_child(self, world: Any) -> None:
        named = make_record(world, agency="city_csc", given_names="Ruby", family_name="Calloway")
        unnamed = make_record(world, agency="health", given_names="Secret", family_name="Person")
        for child in (named.child, unnamed.child):
            services.case_open(
                actor=world.users["screener"],
                child=child,
                definition=shipped_definitions()["child-protection@1"],
                area=world.city,
                lead_agency=world.agencies["city_csc"],
            )
        page = _client(world.users["practitioner"]).get(reverse("pathways:tasks")).content.decode()
        table = page.split('id="team-tasks"')[1].split("</table>")[0]
        assert "Ruby Calloway" in table
        # The City holds no record on the second child and no agreement shares the health trust's name.
        assert "Secret" not in table and f"Child {unnamed.child.pseudonym}" in table
        assert "City case" not in table
        assert AuditEvent.objects.filter(event="tasks.listed", detail__children=[str(named.child.uuid)]).exists()

    def test_draft_referrals_are_on_the_home_page(self, world: Any) -> None:
        author = world.users["practitioner"]
        draft = referral_services.referral_draft_save(
            actor=author, referral=None, data={"child_details": {"given_names": "Noor", "family_name": "Haddad"}}
        )
        page = _client(author).get(reverse("home")).content.decode()
        panel = page.split('id="draft-referrals"')[1]
        assert "Noor Haddad" in panel and reverse("referrals:check", args=[draft.uuid]) in panel
        # A draft is its author's alone.
        colleague = make_user(world, role=Role.PRACTITIONER, agency="city_csc")
        assert "Noor Haddad" not in _client(colleague).get(reverse("home")).content.decode()
        # Once sent, it is no longer a draft.
        referral_services.referral_draft_save(
            actor=author,
            referral=draft,
            data={
                "harm_types": ["county_lines"],
                "indicators": "x",
                "consent": "given",
                "family_informed": True,
                "home_area": world.city,
                "referrer_contact": "y",
            },
        )
        referral_services.referral_submit(actor=author, referral=draft)
        assert "Noor Haddad" not in _client(author).get(reverse("home")).content.decode().split("draft-referrals")[1]


class TestHandoverRestartsClocks:
    """16.12: a handover that says "clocks restart" moves the due dates, per the receiving pathway."""

    def test_the_due_dates_restart_from_acceptance_under_the_receiving_pathway(self, world: Any) -> None:
        opened = dt.datetime(2026, 3, 2, 10, tzinfo=LONDON)
        child = make_record(world, agency="city_csc").child
        case = services.case_open(
            actor=world.users["screener"],
            child=child,
            definition=shipped_definitions()["efh-city@1"],
            area=world.city,
            lead_agency=world.agencies["city_csc"],
            started_at=opened,
        )
        services.case_record_event(actor=world.users["screener"], case=case, event="screening_decided", at=opened)
        services.case_move(actor=world.users["screener"], case=case, to_stage="strategy", reason="Concern confirmed")
        before = {t.pk: t.due_at for t in case.tasks.filter(completed_at__isnull=True)}
        assert before
        handover = services.handover_offer(
            actor=world.users["screener"],
            case=case,
            to_area=world.county,
            to_agency=world.agencies["county_csc"],
            reason="Moved to Worksop",
        )
        accepted_at = dt.datetime(2026, 3, 20, 15, tzinfo=LONDON)  # a Friday
        receiver = make_user(world, role=Role.SCREENER, agency="county_csc")
        services.handover_accept(actor=receiver, handover=handover, at=accepted_at)
        county = shipped_definitions()["efh-county@1"]
        open_tasks = list(case.tasks.filter(completed_at__isnull=True, cancelled_at__isnull=True))
        assert {t.pk for t in open_tasks} == set(before)
        for task in open_tasks:
            assert task.due_at != before[task.pk]
            assert task.started_at == accepted_at
        strategy = next(t for t in open_tasks if t.clock_id == "strategy_discussion")
        # County's strategy discussion: 5 working days from the Friday of acceptance.
        assert strategy.title == next(c.name for c in county.clocks if c.id == "strategy_discussion")
        assert strategy.due_at.astimezone(LONDON).date() == dt.date(2026, 3, 27)
        summary = case.events.get(kind="handover_accepted").summary
        assert "clocks restart" in summary and "27 Mar 2026" in summary


def test_leaving_the_mace_stage_ends_its_review_cycle(world: Any) -> None:
    """Found seeding the demo: a case moved on from MACE kept a weekly MACE review clock for ever."""
    case = _mace_case(world)
    services.meeting_record(
        actor=world.users["screener"],
        case=case,
        kind="mace_panel",
        held_at=dt.datetime(2026, 3, 2, 10, tzinfo=LONDON),
        attendees="Police DI; County CSC",
    )
    assert case.tasks.filter(clock_id="mace_review", completed_at__isnull=True, cancelled_at__isnull=True).exists()
    services.case_move(actor=world.users["screener"], case=case, to_stage="plan", reason="Disruption plan agreed")
    assert not case.tasks.filter(clock_id="mace_review", completed_at__isnull=True, cancelled_at__isnull=True).exists()
    assert case.tasks.filter(clock_id="mace_review", cancelled_at__isnull=False).exists()


class TestScreeningSaysAMatchIsWaiting:
    """Walking a police referral: its child matched one already known, with an open process,
    but the match waited for a reviewer; the screening page said 'No open process' and the
    screener opened a second process on a duplicate."""

    def test_the_screener_is_told_a_possible_match_waits_and_a_reviewer_can_open_it(self, world: Any) -> None:
        from joinedup.linkage.models import CandidatePair

        nurse = make_user(world, role=Role.PRACTITIONER, agency="health")
        referral = _referral(world, referrer=nurse, home=world.county)
        known = make_record(world, agency="county_csc")
        mine = referral.child.records.first()
        low, high = sorted((mine, known), key=lambda r: r.pk)
        pair = CandidatePair.objects.create(record_a=low, record_b=high, probability=0.99, match_weight=9, waterfall=[])
        screener = make_user(world, role=Role.SCREENER, agency="county_csc")
        page = _client(screener).get(reverse("pathways:screen", args=[referral.uuid])).content.decode()
        warning = page[page.index('id="matches-waiting"') :][:1200]
        assert "This child may already be known: 1 possible match" in warning
        assert reverse("linkage:pair", args=[pair.uuid]) in warning
        assert "No open process shown for this child" in page
        # A match whose other record is held where no agreement lets the screener know of it is not counted.
        hidden = make_record(world, agency="police")
        low, high = sorted((mine, hidden), key=lambda r: r.pk)
        CandidatePair.objects.create(record_a=low, record_b=high, probability=0.99, match_weight=9, waterfall=[])
        page = _client(screener).get(reverse("pathways:screen", args=[referral.uuid])).content.decode()
        assert "1 possible match of their records is waiting" in page
        pair.status = "not_same"
        pair.save(update_fields=["status"])
        page = _client(screener).get(reverse("pathways:screen", args=[referral.uuid])).content.decode()
        assert 'id="matches-waiting"' not in page
