"""A keep-apart decision holds: no confirmed cohort places a linked pair the officer decided to separate."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from joinedup.audit.models import AuditEvent
from joinedup.children.models import AssociationType
from joinedup.children.services import association_record
from joinedup.conftest import make_record
from joinedup.participation import services
from joinedup.participation.models import CheckDecision, Cohort, CohortMember, CohortStatus, MemberStatus
from joinedup.participation.tests.test_participation import officer, opportunity_data


def _cohort_with_linked_pair(world: Any) -> tuple[Cohort, dict[str, CohortMember], Cohort]:
    opportunity = services.opportunity_save(actor=officer(world), opportunity=None, data=opportunity_data(world))
    cohort = services.cohort_create(actor=officer(world), opportunity=opportunity, name="Spring")
    other = services.cohort_create(actor=officer(world), opportunity=opportunity, name="Summer")
    members = {}
    children = {}
    for name in ("Ava", "Ben", "Cal"):
        children[name] = make_record(world, given_names=name).child
        members[name] = services.cohort_put_forward(
            actor=world.users["practitioner"],
            cohort=cohort,
            child=children[name],
            display_name=name,
            young_person_consent=True,
            parent_consent="given",
        )
    association_record(
        actor=world.users["practitioner"],
        child_a=children["Ava"],
        child_b=children["Cal"],
        association_type=AssociationType.CONFLICT,
        source_agency=world.agencies["police"],
        confidence="high",
    )
    return cohort, members, other


def _keep_apart(world: Any, cohort: Cohort) -> Any:
    check = services.safety_check_run(actor=officer(world), cohort=cohort)
    assert len(check.flagged_pairs) == 1
    return services.safety_check_decide(
        actor=officer(world), check=check, decision=CheckDecision.SEPARATE, note="Both workers say keep apart."
    )


def test_confirming_refuses_while_both_of_a_keep_apart_pair_are_in_the_cohort(world: Any) -> None:
    cohort, members, _ = _cohort_with_linked_pair(world)
    _keep_apart(world, cohort)
    with pytest.raises(ValidationError, match="keep Ava and Cal apart"):
        services.cohort_confirm(actor=officer(world), cohort=cohort)
    cohort.refresh_from_db()
    assert cohort.status == CohortStatus.FORMING
    assert not cohort.members.filter(status=MemberStatus.PLACED).exists()


def test_withdrawing_one_carries_out_the_decision_and_the_other_is_placed(world: Any) -> None:
    cohort, members, _ = _cohort_with_linked_pair(world)
    _keep_apart(world, cohort)
    services.cohort_member_move(actor=officer(world), member=members["Cal"], to_cohort=None)
    services.cohort_confirm(actor=officer(world), cohort=cohort)
    statuses = dict(cohort.members.values_list("display_name", "status"))
    assert statuses == {"Ava": "placed", "Ben": "placed", "Cal": "withdrawn"}
    event = AuditEvent.objects.get(event="cohort.member_withdrawn")
    assert event.child_uuid == members["Cal"].child.uuid


def test_moving_one_to_another_cohort_carries_out_the_decision(world: Any) -> None:
    cohort, members, other = _cohort_with_linked_pair(world)
    _keep_apart(world, cohort)
    moved = services.cohort_member_move(actor=officer(world), member=members["Ava"], to_cohort=other)
    assert moved.cohort == other and moved.child == members["Ava"].child and moved.status == MemberStatus.PUT_FORWARD
    assert moved.lead_practitioner == members["Ava"].lead_practitioner
    services.cohort_confirm(actor=officer(world), cohort=cohort)
    assert set(cohort.members.filter(status="placed").values_list("display_name", flat=True)) == {"Ben", "Cal"}
    # The other cohort has a new member: it needs its own safety check before it can be confirmed.
    with pytest.raises(ValidationError, match="Run the safety check"):
        services.cohort_confirm(actor=officer(world), cohort=other)


def test_a_later_proceed_cannot_override_a_keep_apart_decision(world: Any) -> None:
    cohort, members, _ = _cohort_with_linked_pair(world)
    _keep_apart(world, cohort)
    again = services.safety_check_run(actor=officer(world), cohort=cohort)
    with pytest.raises(ValidationError, match="keep Ava and Cal apart"):
        services.safety_check_decide(actor=officer(world), check=again, decision=CheckDecision.PROCEED, note="ok")
    with pytest.raises(ValidationError):
        services.cohort_confirm(actor=officer(world), cohort=cohort)


def test_the_move_is_refused_into_a_confirmed_cohort_or_another_partnerships(world: Any) -> None:
    cohort, members, other = _cohort_with_linked_pair(world)
    Cohort.objects.filter(pk=other.pk).update(status=CohortStatus.CONFIRMED)
    other.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.cohort_member_move(actor=officer(world), member=members["Ava"], to_cohort=other)
    assert "to_cohort" in exc.value.message_dict
    members["Ava"].refresh_from_db()
    assert members["Ava"].status == MemberStatus.PUT_FORWARD


def test_through_the_page_the_officer_chooses_who_moves_then_confirms(world: Any) -> None:
    cohort, members, other = _cohort_with_linked_pair(world)
    client = Client()
    client.force_login(officer(world))
    url = reverse("participation:cohort", args=[cohort.uuid])

    def action(name: str) -> str:
        return reverse(f"participation:cohort_{name}", args=[cohort.uuid])

    client.post(action("check"))
    client.post(action("decide"), {"decision": "separate", "decision_note": "Keep apart."})
    refused = client.post(action("confirm"), follow=True).content.decode()
    assert "keep Ava and Cal apart" in refused
    page = client.get(url).content.decode()
    assert "Who moves out of this cohort" in page
    bad = client.post(action("separate"), {"member": "not-a-uuid", "to_cohort": ""})
    assert bad.status_code == 200 and "govuk-error-summary" in bad.content.decode()
    client.post(action("separate"), {"member": str(members["Cal"].uuid), "to_cohort": str(other.uuid)})
    assert client.post(action("confirm")).status_code == 302
    cohort.refresh_from_db()
    assert cohort.status == CohortStatus.CONFIRMED
    placed = set(cohort.members.filter(status="placed").values_list("display_name", flat=True))
    assert placed == {"Ava", "Ben"}
    assert other.members.get().display_name == "Cal"
