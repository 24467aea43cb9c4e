"""Finding the subject of an access request: what was searched, and what to try when nothing is found."""

from __future__ import annotations

import uuid
from typing import Any

from django.test import Client
from django.urls import reverse

from joinedup.audit.models import AuditEvent
from joinedup.conftest import make_record, valid_nhs


def _find(world: Any, q: str) -> str:
    client = Client()
    client.force_login(world.users["dpo"])
    response = client.get(reverse("governance:subject_access"), {"q": q})
    assert response.status_code == 200
    return response.content.decode()


def test_an_nhs_number_nobody_holds_says_which_number_was_searched_and_what_to_try(world: Any) -> None:
    make_record(world, nhs_number=valid_nhs(1))
    nhs = valid_nhs(2)
    page = _find(world, nhs)
    assert "No child matches" not in page
    assert f"has the NHS number <strong>{nhs}</strong>" in page
    assert "Check the number with the requester" in page
    assert AuditEvent.objects.filter(event="subject_access.searched").count() == 1


def test_a_child_id_nobody_has_says_so_and_suggests_the_nhs_number(world: Any) -> None:
    missing = uuid.uuid4()
    page = _find(world, str(missing))
    assert f"has the child ID <strong>{missing}</strong>" in page
    assert "search by the child&#x27;s NHS number" in page or "search by the child's NHS number" in page


def test_a_name_is_refused_as_not_searchable_and_nothing_is_searched(world: Any) -> None:
    make_record(world, given_names="Esme")
    page = _find(world, "Esme Test-Child")
    assert "No child found" not in page
    assert "Enter an NHS number (10 digits) or a child ID: names and other text are not searched." in page
    assert not AuditEvent.objects.filter(event="subject_access.searched").exists()


def test_a_found_child_is_still_listed_for_review(world: Any) -> None:
    record = make_record(world, nhs_number=valid_nhs(3))
    page = _find(world, valid_nhs(3))
    assert reverse("governance:subject_access_review", args=[record.child.uuid]) in page
    assert "No child found" not in page
