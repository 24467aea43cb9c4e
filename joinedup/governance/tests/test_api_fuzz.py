"""schemathesis against the OpenAPI document: no server errors, no responses that break the schema.

Runs a bounded number of generated examples per endpoint, as a practitioner
and as a data protection officer, through the real WSGI application.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from joinedup.conftest import make_agreement, make_record, same_child
from joinedup.shell.services import api_token_create
from joinedup.wsgi import application  # noqa: E402 - after the helpers it needs

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Any:
    """Requests run in-process inside the test's transaction: do not let Django close the
    connection between them (Django's own test client does the same)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def not_a_server_error(ctx: Any, response: Any, case: Any) -> bool:
    assert response.status_code < 500, f"{case.method} {case.formatted_path} answered {response.status_code}"
    return True


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(params=["practitioner", "dpo"])
def api_user(request: Any, world: Any) -> str:
    own = make_record(world, agency="city_csc")
    partner = make_record(world, agency="police")
    same_child(own, partner)
    make_agreement(world, purposes=("direct_work", "data_protection"), categories=("identity", "contact"))
    _, token = api_token_create(actor=world.users[request.param], name="fuzz", expires_in_days=1)
    return token


# Derandomised so CI sees the same examples every run; widen max_examples
# locally (or drop derandomize) to hunt for new failures.
@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_api_never_errors_and_keeps_to_its_schema(case: Any, api_user: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {api_user}"}, checks=CHECKS)


@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_without_a_token_every_endpoint_answers_401_in_the_envelope(case: Any, db: Any) -> None:
    response = case.call()
    if case.path in {"/api/v1/openapi.json"}:
        return
    assert response.status_code in {401, 405, 422}, response.text
    assert set(response.json()["error"]) == {"code", "message", "fields"}
