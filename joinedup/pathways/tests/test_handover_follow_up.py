"""After a handover: the receiving area finds the child, and both teams are told what happened."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from joinedup.audit.models import AuditEvent
from joinedup.children.models import Disclosure
from joinedup.conftest import make_agreement, make_record, make_user
from joinedup.notifications.models import Notification
from joinedup.partnership.models import InformationSharingAgreement, Team
from joinedup.partnership.roles import Role
from joinedup.pathways import services
from joinedup.pathways.definitions import shipped_definitions


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def offered(world: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """A City case on a child only City holds a record of, offered to County's children's social care,
    with the partnership's agreement sharing identity between the two."""
    make_agreement(
        world,
        parties=("city_csc", "county_csc"),
        purposes=("direct_work", "screening"),
        categories=("identity", "contact", "social_care"),
    )
    child = make_record(
        world, agency="city_csc", given_names="Amara", family_name="Okafor", date_of_birth=dt.date(2011, 5, 2)
    ).child
    case = services.case_open(
        actor=world.users["screener"],
        child=child,
        definition=shipped_definitions()["efh-city@1"],
        area=world.city,
        lead_agency=world.agencies["city_csc"],
    )
    world.county_worker = make_user(world, role=Role.PRACTITIONER, agency="county_csc")
    world.county_analyst = make_user(world, role=Role.ANALYST, agency="county_csc")
    with django_capture_on_commit_callbacks(execute=True):
        handover = services.handover_offer(
            actor=world.users["practitioner"],
            case=case,
            to_area=world.county,
            to_agency=world.agencies["county_csc"],
            reason="Moved to Worksop with her aunt",
        )
    return handover


class TestTheReceivingAreaFindsTheChild:
    def test_after_acceptance_the_receiving_practitioner_finds_the_child_by_name(
        self, world: Any, offered: Any
    ) -> None:
        services.handover_accept(actor=world.county_worker, handover=offered)
        page = _client(world.county_worker).get(reverse("children:search"), {"q": "Amara Okafor"})
        content = page.content.decode()
        assert "1 child found" in content
        assert reverse("children:detail", args=[offered.case.child.uuid]) in content
        # Named as the shared record names her, and said to be shared, not held.
        found = content[content.index("app-search-results") :]
        assert "Amara Okafor" in found and "(shared with you)" in found
        assert 'id="known-elsewhere"' not in content

    def test_what_the_result_shows_of_the_partner_record_is_logged_as_a_disclosure(
        self, world: Any, offered: Any
    ) -> None:
        from joinedup.children.models import Disclosure

        services.handover_accept(actor=world.county_worker, handover=offered)
        _client(world.county_worker).get(reverse("children:search"), {"q": "Okafor"})
        shown = Disclosure.objects.get(user=world.county_worker)
        assert shown.holder_agency == world.agencies["city_csc"] and "identity" in shown.categories

    def test_once_the_case_is_gone_from_their_work_the_child_is_only_known_elsewhere(
        self, world: Any, offered: Any
    ) -> None:
        services.handover_decline(actor=world.county_worker, handover=offered, reason="Not in our area yet")
        content = _client(world.county_worker).get(reverse("children:search"), {"q": "Okafor"}).content.decode()
        assert "No children found" in content and 'id="known-elsewhere"' in content


class TestHandoverNotifications:
    def test_the_receiving_team_is_told_of_an_offer(self, world: Any, offered: Any) -> None:
        told = Notification.objects.filter(kind="handover_offered")
        assert set(told.values_list("user", flat=True)) == {world.county_worker.pk}  # casework roles only
        note = told.get()
        assert note.url == reverse("pathways:handover", args=[offered.uuid])
        assert "Amara" not in note.title + note.body  # no names in a notification
        assert _client(world.county_worker).get(note.url).status_code == 200

    def test_the_offer_names_the_child_the_pathway_and_the_stage_and_is_audited(self, world: Any, offered: Any) -> None:
        page = _client(world.county_worker).get(reverse("pathways:handover", args=[offered.uuid])).content.decode()
        summary = page[page.index('id="handover-summary"') :][:3000]
        assert "Amara Okafor" in summary and "version" in summary and "Stage" in summary
        assert AuditEvent.objects.filter(event="handover.viewed", child_uuid=offered.case.child.uuid).exists()
        # The name came from City's record, under the councils' agreement: recorded as disclosed.
        assert Disclosure.objects.filter(user=world.county_worker, child=offered.case.child).exists()

    def test_the_sending_team_is_told_of_acceptance(
        self, world: Any, offered: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        colleague = make_user(world, role=Role.PRACTITIONER, agency="city_csc")
        with django_capture_on_commit_callbacks(execute=True):
            services.handover_accept(actor=world.county_worker, handover=offered)
        told = set(Notification.objects.filter(kind="handover_accepted").values_list("user", flat=True))
        assert {world.users["practitioner"].pk, colleague.pk} <= told
        assert world.county_worker.pk not in told
        # The councils' agreement shares social care records: City can still read the case.
        note = Notification.objects.get(kind="handover_accepted", user=world.users["practitioner"])
        assert note.url == reverse("pathways:case", args=[offered.case.uuid])
        assert _client(world.users["practitioner"]).get(note.url).status_code == 200

    def test_without_an_agreement_the_sending_team_is_told_whom_to_ask_not_given_a_dead_link(
        self, world: Any, offered: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        InformationSharingAgreement.objects.update(status="ended")
        with django_capture_on_commit_callbacks(execute=True):
            services.handover_accept(actor=world.county_worker, handover=offered)
        note = Notification.objects.get(kind="handover_accepted", user=world.users["practitioner"])
        assert note.url == "" and "For news of it, ask County Children" in note.body
        opened = _client(world.users["practitioner"]).post(reverse("notifications:open", args=[note.uuid]))
        assert opened["Location"] == reverse("notifications:list")

    def test_only_the_offering_team_when_the_offerer_has_one(
        self, world: Any, offered: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        team = Team.objects.create(agency=world.agencies["city_csc"], name="Exploitation team")
        offerer = world.users["practitioner"]
        offerer.membership.team = team
        offerer.membership.save()
        teammate = make_user(world, role=Role.PRACTITIONER, agency="city_csc")
        teammate.membership.team = team
        teammate.membership.save()
        elsewhere = make_user(world, role=Role.PRACTITIONER, agency="city_csc")
        with django_capture_on_commit_callbacks(execute=True):
            services.handover_accept(actor=world.county_worker, handover=offered)
        told = set(Notification.objects.filter(kind="handover_accepted").values_list("user", flat=True))
        assert told == {offerer.pk, teammate.pk} and elsewhere.pk not in told

    def test_the_sending_team_is_told_why_a_handover_was_declined(
        self, world: Any, offered: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            services.handover_decline(actor=world.county_worker, handover=offered, reason="Not in our area yet")
        note = Notification.objects.get(kind="handover_declined", user=world.users["practitioner"])
        assert "Not in our area yet" in note.body
