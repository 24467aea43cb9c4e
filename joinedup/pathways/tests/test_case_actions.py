"""One view per change on a case: who may post each, and refused posts change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from joinedup.audit.models import AuditEvent
from joinedup.conftest import make_agreement, make_record, make_user
from joinedup.partnership.roles import Role
from joinedup.pathways import services
from joinedup.pathways.definitions import shipped_definitions
from joinedup.pathways.models import Case, CaseEvent, Handover, Meeting, Task

ACTIONS = {
    "pathways:case_meeting": {
        "kind": "strategy_discussion",
        "held_on_day": "1",
        "held_on_month": "1",
        "held_on_year": "2026",
        "attendees": "x",
    },
    "pathways:case_event": {"event": "assessment_completed"},
    "pathways:case_move": {"to_stage": "strategy", "reason": "Harm suspected"},
    "pathways:case_key_people": {"key_people": "Lead: A Worker"},
    "pathways:case_handover": {"reason": "Moved"},
    "pathways:task_take": {},
}


@pytest.fixture
def case(world: Any) -> Case:
    child = make_record(world, agency="city_csc").child
    return services.case_open(
        actor=world.users["screener"],
        child=child,
        definition=shipped_definitions()["child-protection@1"],
        area=world.city,
        lead_agency=world.agencies["city_csc"],
    )


def _state(case: Case) -> tuple[Any, ...]:
    case.refresh_from_db()
    return (
        case.stage_id,
        case.key_people,
        Meeting.objects.count(),
        CaseEvent.objects.count(),
        Handover.objects.count(),
        list(Task.objects.values_list("owner_id", "completed_at")),
    )


def _body(name: str, world: Any, case: Case) -> dict[str, Any]:
    body = dict(ACTIONS[name])
    if name == "pathways:case_handover":
        body["to_agency"] = world.agencies["county_csc"].pk
    if name == "pathways:task_take":
        body["task"] = str(case.tasks.first().uuid)  # type: ignore[union-attr]
    return body


@pytest.mark.parametrize("name", list(ACTIONS))
def test_refused_posts_change_nothing(world: Any, case: Case, name: str) -> None:
    make_agreement(world, parties=("city_csc", "police"), categories=("identity", "social_care"))
    police_record = make_record(world, agency="police")
    police_record.child = case.child
    police_record.save()
    url = reverse(name, args=[case.uuid])
    before = _state(case)
    anonymous = Client().post(url, _body(name, world, case))
    assert anonymous.status_code == 302 and "/sign-in/" in anonymous["Location"]
    outsider = Client()
    outsider.force_login(make_user(world, role=Role.PRACTITIONER, agency="county_csc"))
    assert outsider.post(url, _body(name, world, case)).status_code == 404
    partner = Client()
    partner.force_login(make_user(world, role=Role.PRACTITIONER, agency="police"))
    assert partner.post(url, _body(name, world, case)).status_code == 403
    assert Client().get(url).status_code == 405
    assert _state(case) == before


@pytest.mark.parametrize("name", list(ACTIONS))
def test_the_lead_agency_changes_the_case(world: Any, case: Case, name: str) -> None:
    client = Client()
    client.force_login(world.users["practitioner"])
    before = _state(case)
    response = client.post(reverse(name, args=[case.uuid]), _body(name, world, case))
    assert response.status_code == 302
    assert _state(case) != before


@pytest.mark.parametrize("bad", ["not-a-uuid", "", "1' OR '1'='1", "0" * 40])
def test_taking_a_task_with_a_malformed_id_says_so(world: Any, case: Case, bad: str) -> None:
    """12.8: a malformed UUID in the POST gave a 500."""
    client = Client()
    client.force_login(world.users["practitioner"])
    response = client.post(reverse("pathways:task_take", args=[case.uuid]), {"task": bad}, follow=True)
    assert response.status_code == 200
    assert "That task is not on this case any more" in response.content.decode()
    assert not Task.objects.filter(owner__isnull=False).exists()


def test_a_failed_form_shows_the_error_summary_and_keeps_what_was_typed(world: Any, case: Case) -> None:
    client = Client()
    client.force_login(world.users["practitioner"])
    response = client.post(
        reverse("pathways:case_move", args=[case.uuid]), {"to_stage": "plan", "reason": "Skip ahead please"}
    )
    content = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in content
    assert "Skip ahead please" in content


def test_the_case_page_is_audited(world: Any, case: Case) -> None:
    """12.6: the case page shows the child's case: one audit event per view."""
    client = Client()
    client.force_login(world.users["practitioner"])
    client.get(reverse("pathways:case", args=[case.uuid]))
    event = AuditEvent.objects.get(event="case.viewed")
    assert event.child_uuid == case.child.uuid and event.object_uuid == case.uuid


def test_recording_an_event_without_choosing_one_records_nothing_and_says_why(world: Any) -> None:
    """Seen walking the product: the list defaulted to its first event, so an empty press recorded one."""
    case = services.case_open(
        actor=world.users["screener"],
        child=make_record(world).child,
        definition=shipped_definitions()["efh-city@1"],
        area=world.city,
        lead_agency=world.agencies["city_csc"],
    )
    before = CaseEvent.objects.filter(case=case).count()
    client = Client()
    client.force_login(world.users["practitioner"])
    page = client.get(reverse("pathways:case", args=[case.uuid])).content.decode()
    assert "Choose what happened" in page
    response = client.post(reverse("pathways:case_event", args=[case.uuid]), {"event": ""})
    assert "Choose what happened." in response.content.decode()
    assert CaseEvent.objects.filter(case=case).count() == before
