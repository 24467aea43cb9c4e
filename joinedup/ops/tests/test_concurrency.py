"""Fifty people saving the same record at once lose nothing (PostgreSQL, real threads).

Each thread has its own database connection, as each gunicorn thread does.
A stale write is refused (409 with the current record, or the form's
conflict message) and never overwrites; a writer who re-reads and retries
builds on every write before it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from joinedup.audit.models import AuditEvent
from joinedup.children.models import AgencyRecord
from joinedup.conftest import make_record
from joinedup.shell.services import api_token_create

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrency is proved on PostgreSQL (make test-postgres)"
    ),
]
WRITERS = 50


def _together(work: Callable[[int], Any]) -> list[Any]:
    """Run work(0..49) on 50 threads released at the same moment; each closes its connection."""
    barrier = threading.Barrier(WRITERS)

    def run(i: int) -> Any:
        try:
            barrier.wait(timeout=60)
            return work(i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        return list(pool.map(run, range(WRITERS)))


def _body(record: AgencyRecord, **change: Any) -> dict[str, Any]:
    return {
        "local_id": record.local_id,
        "given_names": record.given_names,
        "family_name": record.family_name,
        "sex": record.sex,
        "postcode": record.postcode,
        "version": record.version,
        **change,
    }


def _updates(record: AgencyRecord) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event="agency_record.updated", object_uuid=record.uuid).order_by("id"))


def test_fifty_stale_api_writes_one_wins_and_the_rest_get_409_with_the_current_record(world: Any) -> None:
    record = make_record(world, given_names="Amir", family_name="Khan", date_of_birth=None)
    _, token = api_token_create(actor=world.users["practitioner"], name="load", expires_in_days=1)
    headers = {"Authorization": f"Bearer {token}"}

    def save(i: int) -> tuple[int, dict[str, Any]]:
        response = Client().put(
            f"/api/v1/records/{record.uuid}",
            data=_body(record, other_names=f"Alias {i}"),
            content_type="application/json",
            headers=headers,
        )
        return response.status_code, response.json()

    results = _together(save)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * (WRITERS - 1)
    (winner,) = [body for status, body in results if status == 200]
    current = AgencyRecord.objects.get(pk=record.pk)
    assert current.version == 2 and current.other_names == winner["other_names"]
    for status, body in results:
        if status == 409:
            assert body["error"]["code"] == "stale_version"
            assert body["current"]["version"] == 2 and body["current"]["other_names"] == current.other_names
    assert len(_updates(record)) == 1


def test_fifty_api_writers_who_retry_on_409_each_build_on_the_last(world: Any) -> None:
    record = make_record(world, given_names="Amir", family_name="Khan", date_of_birth=None)
    _, token = api_token_create(actor=world.users["practitioner"], name="load", expires_in_days=1)
    headers = {"Authorization": f"Bearer {token}"}

    def save_until_accepted(i: int) -> int:
        client, version, tries = Client(), record.version, 0
        while True:
            tries += 1
            response = client.put(
                f"/api/v1/records/{record.uuid}",
                data={**_body(record, other_names=f"Alias {i}"), "version": version},
                content_type="application/json",
                headers=headers,
            )
            if response.status_code == 200:
                return tries
            assert response.status_code == 409, response.content
            version = response.json()["current"]["version"]

    _together(save_until_accepted)
    current = AgencyRecord.objects.get(pk=record.pk)
    assert current.version == 1 + WRITERS
    updates = _updates(record)
    assert len(updates) == WRITERS
    # No lost update: every write started from the value the write before it left.
    for before, after in zip(updates, updates[1:], strict=False):
        assert after.old["other_names"] == before.new["other_names"]
    assert {u.new["other_names"] for u in updates} == {f"Alias {i}" for i in range(WRITERS)}


def test_fifty_stale_page_saves_one_wins_and_the_rest_see_the_conflict_message_with_their_words(world: Any) -> None:
    record = make_record(world, given_names="Amir", family_name="Khan", date_of_birth=None)
    user = world.users["practitioner"]

    def save(i: int) -> tuple[int, str]:
        client = Client()
        client.force_login(user)
        response = client.post(f"/children/records/{record.uuid}/edit/", data=_body(record, other_names=f"Alias {i}"))
        return response.status_code, response.content.decode()

    results = _together(save)
    assert sorted(status for status, _ in results) == [200] * (WRITERS - 1) + [302]
    for i, (status, page) in enumerate(results):
        if status == 200:
            assert "Someone else changed this record while you were editing it (it is now version 2)" in page
            assert f'value="Alias {i}"' in page  # what they typed is kept
    assert AgencyRecord.objects.get(pk=record.pk).version == 2
    assert len(_updates(record)) == 1


def test_fifty_concurrent_referrals_about_one_child_make_one_child_and_no_errors(
    world: Any, trained: dict[str, Any]
) -> None:
    from joinedup.linkage.services import linkage_model_activate, linkage_model_save
    from joinedup.referrals.models import Referral

    linkage_model_activate(actor=None, model=linkage_model_save(actor=None, parameters=trained, summary={}))
    _, token = api_token_create(actor=world.users["practitioner"], name="load", expires_in_days=1)
    headers = {"Authorization": f"Bearer {token}"}
    body = {
        "child": {"given_names": "Maya", "family_name": "Okafor", "date_of_birth": "2010-04-05", "postcode": "NG7 1AA"},
        "harm_types": ["county_lines"],
        "indicators": "Seen with older youths at the station late at night.",
        "consent": "given",
        "family_informed": True,
        "home_area": "City",
        "referrer_contact": "01632 960000",
    }

    def submit(i: int) -> int:
        response = Client().post("/api/v1/referrals", data=body, content_type="application/json", headers=headers)
        return response.status_code

    statuses = _together(submit)
    assert statuses == [201] * WRITERS
    assert Referral.objects.count() == WRITERS
    assert len({r.child_id for r in Referral.objects.all()}) == 1
