"""One view per change on a cohort: each action at its own URL, who may post it, and refusals change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from joinedup.audit.models import AuditEvent
from joinedup.participation.models import CheckDecision, Cohort, CohortMember, SafetyCheck
from joinedup.participation.tests.test_keep_apart import _cohort_with_linked_pair
from joinedup.participation.tests.test_participation import officer
from joinedup.participation.tests.test_two_partnerships import second_partnership

ACTIONS = ("check", "decide", "separate", "confirm")


def _url(name: str, cohort: Cohort) -> str:
    return reverse(f"participation:cohort_{name}", args=[cohort.uuid])


def _body(name: str, members: dict[str, CohortMember], other: Cohort) -> dict[str, str]:
    """A submission the officer could make, so a refusal is the policy's and not the form's."""
    if name == "decide":
        return {"decision": CheckDecision.SEPARATE, "decision_note": "Keep apart."}
    if name == "separate":
        return {"member": str(members["Cal"].uuid), "to_cohort": str(other.uuid)}
    return {}


def _state(cohort: Cohort) -> tuple[Any, ...]:
    cohort.refresh_from_db()
    return (
        cohort.status,
        list(SafetyCheck.objects.order_by("id").values_list("decision", "decision_note")),
        sorted(CohortMember.objects.values_list("display_name", "cohort_id", "status")),
        AuditEvent.objects.filter(event__startswith="cohort.").exclude(event="cohort.viewed").count(),
    )


@pytest.mark.parametrize("name", ACTIONS)
def test_refused_posts_change_nothing(world: Any, name: str) -> None:
    cohort, members, other = _cohort_with_linked_pair(world)
    # A pending check with a flagged pair, so each action has something it would change.
    officer_client = Client()
    officer_client.force_login(officer(world))
    officer_client.post(_url("check", cohort))
    url, body = _url(name, cohort), _body(name, members, other)
    before = _state(cohort)
    anonymous = Client().post(url, body)
    assert anonymous.status_code == 302 and "/sign-in/" in anonymous["Location"]
    practitioner = Client()
    practitioner.force_login(world.users["practitioner"])
    assert practitioner.post(url, body).status_code == 403
    elsewhere = Client()
    elsewhere.force_login(second_partnership().users["participation_officer"])
    assert elsewhere.post(url, body).status_code == 404
    assert officer_client.get(url).status_code == 405
    assert _state(cohort) == before


def test_each_action_at_its_own_url_does_its_one_thing(world: Any) -> None:
    cohort, members, other = _cohort_with_linked_pair(world)
    client = Client()
    client.force_login(officer(world))
    assert client.post(_url("check", cohort))["Location"] == reverse("participation:cohort", args=[cohort.uuid])
    check = SafetyCheck.objects.get(cohort=cohort)
    assert check.decision == CheckDecision.PENDING and len(check.flagged_pairs) == 1

    assert client.post(_url("decide", cohort), _body("decide", members, other)).status_code == 302
    check.refresh_from_db()
    assert check.decision == CheckDecision.SEPARATE

    assert client.post(_url("separate", cohort), _body("separate", members, other)).status_code == 302
    members["Cal"].refresh_from_db()
    assert not cohort.members.filter(display_name="Cal", status="put_forward").exists()
    assert other.members.get().display_name == "Cal"

    confirmed = client.post(_url("confirm", cohort), follow=True)
    assert "Spring confirmed." in confirmed.content.decode()
    cohort.refresh_from_db()
    assert cohort.status == "confirmed"


def test_a_decision_without_a_check_says_what_to_do_first(world: Any) -> None:
    cohort, members, other = _cohort_with_linked_pair(world)
    client = Client()
    client.force_login(officer(world))
    response = client.post(_url("decide", cohort), _body("decide", members, other))
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert "Run the safety check before recording a decision." in page
    assert not SafetyCheck.objects.exists()


def test_the_page_itself_takes_no_posts(world: Any) -> None:
    cohort, _, _ = _cohort_with_linked_pair(world)
    client = Client()
    client.force_login(officer(world))
    # The page itself is read-only now: a post to it changes nothing and is refused by method.
    assert client.post(reverse("participation:cohort", args=[cohort.uuid]), {"action": "confirm"}).status_code == 405
    cohort.refresh_from_db()
    assert cohort.status == "forming"
