from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from joinedup.audit.models import AuditEvent
from joinedup.children.models import Disclosure
from joinedup.conftest import make_agreement, make_record, same_child, valid_nhs
from joinedup.core.models import ApiToken
from joinedup.shell.services import api_token_create, api_token_revoke


def bearer(world: Any, role: str = "practitioner") -> dict[str, str]:
    _, token = api_token_create(actor=world.users[role], name="test", expires_in_days=30)
    return {"Authorization": f"Bearer {token}"}


class TestTokens:
    def test_only_the_hash_is_stored_and_the_token_works_once_created(self, world: Any) -> None:
        token, plaintext = api_token_create(actor=world.users["practitioner"], name="MASH system", expires_in_days=30)
        assert plaintext not in token.token_hash and len(token.token_hash) == 64
        response = Client().get("/api/v1/agreements", headers={"Authorization": f"Bearer {plaintext}"})
        assert response.status_code == 200
        token.refresh_from_db()
        assert token.last_used_at is not None

    def test_revoked_and_expired_tokens_are_refused(self, world: Any) -> None:
        token, plaintext = api_token_create(actor=world.users["practitioner"], name="t", expires_in_days=1)
        api_token_revoke(actor=world.users["practitioner"], token=token)
        response = Client().get("/api/v1/agreements", headers={"Authorization": f"Bearer {plaintext}"})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"
        token2, plaintext2 = api_token_create(actor=world.users["practitioner"], name="t2", expires_in_days=1)
        ApiToken.objects.filter(pk=token2.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        assert Client().get("/api/v1/agreements", headers={"Authorization": f"Bearer {plaintext2}"}).status_code == 401

    def test_a_token_of_a_deactivated_user_is_refused(self, world: Any) -> None:
        headers = bearer(world)
        world.users["practitioner"].is_active = False
        world.users["practitioner"].save()
        assert Client().get("/api/v1/agreements", headers=headers).status_code == 401

    def test_the_tokens_page_shows_a_new_token_once(self, world: Any) -> None:
        client = Client()
        client.force_login(world.users["practitioner"])
        response = client.post(
            "/account/api-tokens/", {"action": "create", "name": "Case system", "expires_in_days": "90"}
        )
        content = response.content.decode()
        assert "Copy it now" in content and "ju_" in content
        again = client.get("/account/api-tokens/").content.decode()
        assert "Copy it now" not in again and "Case system" in again
        assert AuditEvent.objects.filter(event="api_token.created").exists()


class TestRecords:
    def test_create_read_and_update_with_optimistic_locking(self, world: Any) -> None:
        headers = bearer(world)
        client = Client()
        body = {
            "local_id": "API-1",
            "given_names": "Leo",
            "family_name": "Castellano",
            "date_of_birth": "2012-04-05",
            "sex": "M",
            "nhs_number": "943 476 5919",
            "postcode": "ng7 1aa",
        }
        created = client.post("/api/v1/records", body, content_type="application/json", headers=headers)
        assert created.status_code == 201, created.content
        record = created.json()
        assert record["nhs_number"] == "943 476 5919" and record["postcode"] == "NG7 1AA" and record["area"] == "City"
        url = f"/api/v1/records/{record['uuid']}"
        assert client.get(url, headers=headers).json()["version"] == 1
        update = {**body, "family_name": "Castellano-Reyes", "version": 1}
        updated = client.put(url, update, content_type="application/json", headers=headers)
        assert updated.status_code == 200 and updated.json()["version"] == 2
        stale = client.put(url, {**update, "family_name": "Other"}, content_type="application/json", headers=headers)
        assert stale.status_code == 409
        assert stale.json()["error"]["code"] == "stale_version"
        assert stale.json()["current"]["version"] == 2
        assert stale.json()["current"]["family_name"] == "Castellano-Reyes"

    def test_bad_input_gets_field_errors_in_the_envelope(self, world: Any) -> None:
        response = Client().post(
            "/api/v1/records",
            {"local_id": "X", "given_names": "A", "family_name": "B", "nhs_number": "943 476 5918"},
            content_type="application/json",
            headers=bearer(world),
        )
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "invalid"
        assert "check digit" in error["fields"]["nhs_number"][0]

    def test_a_future_date_of_birth_is_refused(self, world: Any) -> None:
        response = Client().post(
            "/api/v1/records",
            {"local_id": "X", "given_names": "A", "family_name": "B", "date_of_birth": "2099-01-01"},
            content_type="application/json",
            headers=bearer(world),
        )
        assert response.status_code == 422 and "date_of_birth" in response.json()["error"]["fields"]

    def test_another_agencys_record_is_not_found(self, world: Any) -> None:
        record = make_record(world, agency="police")
        response = Client().get(f"/api/v1/records/{record.uuid}", headers=bearer(world))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


class TestChildren:
    def test_search_and_detail_follow_the_same_policy_and_log_api_disclosures(self, world: Any) -> None:
        own = make_record(world, given_names="Ruby", family_name="Okafor", nhs_number=valid_nhs(3))
        police = make_record(world, agency="police", given_names="Ruby", family_name="Okafor", address="2 Quay St")
        same_child(own, police)
        make_agreement(world, categories=("identity",))
        headers = bearer(world)
        found = Client().get("/api/v1/children", {"q": "ruby okafor"}, headers=headers).json()
        assert found["count"] == 1 and found["items"][0]["known_to"] == ["Shire Police"]
        detail = Client().get(f"/api/v1/children/{own.child.uuid}", headers=headers).json()
        [shared] = detail["shared"]
        assert shared["categories"] == ["identity"]
        assert "address" not in shared["fields"] and shared["fields"]["given_names"] == "Ruby"
        assert Disclosure.objects.get().channel == "api"

    def test_search_needs_something_to_search_for(self, world: Any) -> None:
        response = Client().get("/api/v1/children", headers=bearer(world))
        assert response.status_code == 422 and "q" in response.json()["error"]["fields"]

    def test_pagination_is_bounded(self, world: Any) -> None:
        for i in range(3):
            make_record(world, given_names="Page", family_name=f"Child{i}")
        body = Client().get("/api/v1/children", {"q": "page", "limit": 2, "offset": 1}, headers=bearer(world)).json()
        assert body["count"] == 3 and body["limit"] == 2 and body["offset"] == 1 and len(body["items"]) == 2
        big = Client().get("/api/v1/children", {"q": "page", "limit": 10_000}, headers=bearer(world)).json()
        assert big["limit"] == 100


class TestAuditApi:
    def test_a_dpo_reads_the_trail_and_a_practitioner_may_not(self, world: Any) -> None:
        make_record(world)
        body = Client().get("/api/v1/audit/events", {"event": "agency_record"}, headers=bearer(world, "dpo")).json()
        assert body["count"] >= 1 and body["items"][0]["event"].startswith("agency_record")
        denied = Client().get("/api/v1/audit/events", headers=bearer(world))
        assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/records"])
def test_unknown_paths_and_methods_keep_the_envelope(world: Any, path: str) -> None:
    response = Client().get(path, headers=bearer(world))
    assert response.status_code in {404, 405}
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_nul_characters_are_refused_with_a_clear_message(world: Any) -> None:
    headers = bearer(world)
    body = '{"local_id": "X", "given_names": "A\\u0000", "family_name": "B"}'
    response = Client().post("/api/v1/records", body, content_type="application/json", headers=headers)
    assert response.status_code == 422 and "NUL" in response.json()["error"]["message"]
    query = Client().get("/api/v1/children?q=a%00b", headers=headers)
    assert query.status_code == 422


def test_absurd_page_offsets_give_an_empty_page_not_an_error(world: Any) -> None:
    response = Client().get("/api/v1/agreements", {"offset": 10**30, "limit": -5}, headers=bearer(world))
    assert response.status_code == 200
    body = response.json()
    assert body["items"] == [] and body["limit"] == 1
