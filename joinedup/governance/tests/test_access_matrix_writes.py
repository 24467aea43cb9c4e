"""The access matrix for state-changing requests: every URL, every role and relation, POST.

For each row of the GET matrix (test_access_matrix.MATRIX), an empty POST (a form
POST for pages, a JSON body for the API) is sent as every subject:

- where the GET is refused (sign in, 403, 404), the POST is refused too and
  the database is exactly as it was;
- where a URL accepts only POST (its GET answers 405), POST_RULES says who may
  use it, and everyone else is refused with nothing changed;
- where the user may use the page, an empty submission never gives a 500,
  and a form that comes back says what to fix (the GOV.UK error summary).

A refusal leaves the audit trail as it was too, except the sign-in lockout's
own bookkeeping (axes) and sessions, which are not domain data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.db import connection

from joinedup.governance.tests.test_access_matrix import (
    MATRIX,
    RELATION_AGENCY,
    SUBJECTS,
    Fixture,
    Who,
    _client_for,
    child_rule,
    matrix_world,  # noqa: F401 - the fixture, used by name
)
from joinedup.partnership.roles import Perm

# Apps whose tables are bookkeeping, not domain data.
_IGNORED_APPS = {"sessions", "axes", "contenttypes", "admin"}


def _may(perm: Perm) -> Callable[[Who], bool]:
    return lambda who: who.can(perm)


def _member(who: Who) -> bool:
    return who.member


def _lead_casework(who: Who) -> bool:
    return who.relation == "own_agency" and who.can(Perm.WORK_CASES)


def _sees_a_pair_record(who: Who) -> bool:
    """The fixture's pair is a City record (on the child City and the police share) and a health
    record: a reviewer in any of those agencies sees one of them; the county's sees neither."""
    return who.can(Perm.REVIEW_MATCHES) and who.relation in {"own_agency", "partner_with_agreement",
                                                               "partner_without_agreement"}  # fmt: skip


# Who may POST to URLs that take only POST. A subject not allowed must be refused.
POST_RULES: dict[str, Callable[[Who], bool]] = {
    "logout": lambda who: who.relation != "anonymous",
    "token_revoke": lambda who: False,  # the fixture's token is nobody's in the matrix
    "linkage:split": _may(Perm.REVIEW_MATCHES),
    "linkage:queue_decide": _may(Perm.REVIEW_MATCHES),
    "linkage:pair_reopen": _sees_a_pair_record,
    "linkage:model_activate": _may(Perm.ADMIN_PARTNERSHIP),
    "notifications:all_read": lambda who: who.relation != "anonymous",
    "notifications:open": lambda who: who.relation != "anonymous",
    "participation:opportunity_reviewed": _may(Perm.MANAGE_PARTICIPATION),
    "participation:withdraw": _may(Perm.MANAGE_PARTICIPATION),
    # The cohort's actions: participation officers of the cohort's partnership (every relation here is in it).
    "participation:cohort_check": _may(Perm.MANAGE_PARTICIPATION),
    "participation:cohort_decide": _may(Perm.MANAGE_PARTICIPATION),
    "participation:cohort_separate": _may(Perm.MANAGE_PARTICIPATION),
    "participation:cohort_confirm": _may(Perm.MANAGE_PARTICIPATION),
    "api:create_record": _may(Perm.CREATE_AGENCY_RECORD),
    "chronology:check_ask": lambda who: child_rule(302)(who) == 200,
    # The request was made to City: its members who may correct City's record answer it.
    "chronology:check_answer": lambda who: who.relation == "own_agency" and who.can(Perm.EDIT_AGENCY_RECORD),
    # The case's actions: its lead agency's casework roles (the fixture's case is City's, at its first stage).
    "pathways:case_meeting": _lead_casework,
    "pathways:case_event": _lead_casework,
    "pathways:case_move": _lead_casework,
    "pathways:case_key_people": _lead_casework,
    "pathways:case_handover": _lead_casework,
    "pathways:task_take": _lead_casework,
    "jobs:start": _may(Perm.ADMIN_PARTNERSHIP),
    # The DPO prepares a subject access pack for any child of the partnership (every relation is in it).
    "governance:subject_access_pack": _may(Perm.SUBJECT_ACCESS),
    "api:decide_record_match": lambda who: who.relation == "own_agency" and who.can(Perm.CREATE_AGENCY_RECORD),
}


# Pages whose POST is narrower than their GET: who may POST (the rest must be refused, nothing changed).
POST_NARROWER: dict[str, Callable[[Who], bool]] = {
    # Anyone who reviews may look at the pair; only who sees one of its records decides it.
    "linkage:pair": _sees_a_pair_record,
}


# A well-formed body for each API write, so the refusal tested is the policy's, not validation's.
API_BODIES: dict[str, dict[str, Any]] = {
    "api:create_record": {"local_id": "W-1", "given_names": "Wren", "family_name": "Matrix"},
    "api:update_record": {"local_id": "W-1", "given_names": "Wren", "family_name": "Matrix", "version": 1},
    "api:decide_record_match": {"decision": "not_same"},
    "api:create_referral": {
        "child": {"given_names": "Wren", "family_name": "Matrix"},
        "harm_types": ["county_lines"],
        "indicators": "Seen with older youths.",
        "consent": "given",
        "family_informed": True,
        "referrer_contact": "01234 567890",
    },
}
API_BODIES["api:list_referrals"] = API_BODIES["api:create_referral"]  # the same path


# Public routes: nothing to refuse. The OpenID Connect routes answer 404 while sign-in through a
# provider is not configured, as in these tests (joinedup/ops/tests drive them against a provider).
PUBLIC = {
    "login",
    "api:openapi-json",
    "api:openapi-view",
    "api:api-root",
    "public_opportunities",
    "public_opportunities_for",
    "healthz",
    "oidc_authentication_init",
    "oidc_authentication_callback",
    "oidc_logout",
}


def _fingerprint() -> tuple[Any, ...]:
    """Row count, highest id and latest change of every domain table, in one query."""
    parts = []
    for model in apps.get_models():
        if model._meta.app_label in _IGNORED_APPS or not model._meta.managed:
            continue
        table = connection.ops.quote_name(model._meta.db_table)
        # Table and column names come from the models, never from input.
        parts.append(f"(SELECT COUNT(*) FROM {table})")  # noqa: S608
        pk = model._meta.pk
        if pk is not None and pk.get_internal_type() in {"AutoField", "BigAutoField"}:
            parts.append(f"(SELECT MAX({connection.ops.quote_name(pk.column)}) FROM {table})")  # noqa: S608
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            parts.append(f"(SELECT MAX(updated_at) FROM {table})")  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return tuple(cursor.fetchone())


def test_every_post_only_url_says_who_may_use_it() -> None:
    post_only = {
        name
        for name, row in MATRIX.items()
        if all(row.expect(Who(role="partnership_admin", relation=r)) == 405 for r in RELATION_AGENCY)
    }
    assert post_only - set(POST_RULES) == set(), "say who may POST to these URLs"


def _refused(status: int, who: Who, api_call: bool) -> bool:
    if who.relation == "anonymous":
        return status in ({401, 405} if api_call else {302, 403, 405})
    return status in {403, 404, 405}


@pytest.mark.parametrize(("role", "relation"), SUBJECTS)
def test_refused_writes_change_nothing(world: Any, matrix_world: Fixture, role: str | None, relation: str) -> None:  # noqa: F811
    who = Who(role=role, relation=relation)
    failures = []
    page_client, _ = _client_for(world, who, api_call=False)
    api_client, headers = _client_for(world, who, api_call=True) if relation != "anonymous" else (page_client, {})
    # Signing out last: it ends the session the other requests use.
    for name, row in sorted(MATRIX.items(), key=lambda item: item[0] == "logout"):
        if name in PUBLIC:
            continue
        url = row.url(matrix_world)
        get_status = row.expect(who)
        if get_status == 405:
            allowed = POST_RULES.get(name, lambda w: False)(who)
        else:
            allowed = get_status == 200 and POST_NARROWER.get(name, lambda w: True)(who)
        client = api_client if row.api else page_client
        before = _fingerprint()
        if row.api:
            body = API_BODIES.get(name, {})
            response = client.post(url, data=body, content_type="application/json", headers=headers)
        else:
            # A browser's form always sends its CSRF token, so an "empty" form is never an empty body
            # (the test client does not check the token).
            response = client.post(url, data={"csrfmiddlewaretoken": "from-the-page"})
        status = response.status_code
        if status >= 500:
            failures.append(f"{name} {url}: POST gave {status}")
        elif allowed and not row.api and status == 200 and "text/html" in response.get("Content-Type", ""):
            # An empty form that comes back must say what to fix, never fail silently.
            if "govuk-error-summary" not in response.content.decode():
                failures.append(f"{name} {url}: an empty submission came back without an error summary")
        elif not allowed:
            if not _refused(status, who, row.api):
                failures.append(f"{name} {url}: POST should be refused, got {status}")
            elif _fingerprint() != before:
                failures.append(f"{name} {url}: a refused POST ({status}) changed the database")
    assert not failures, "\n".join(failures)
