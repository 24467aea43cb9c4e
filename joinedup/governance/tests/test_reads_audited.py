"""Every page and endpoint that shows a person's data writes an audit event.

Walks the URL conf through the access matrix: each URL name is either in
AUDITED (opening it as a user allowed to must add at least one audit event)
or in NOT_PERSONAL with the reason it shows no one's data. A URL in neither
fails, so a new page cannot ship without saying which it is.
"""

from __future__ import annotations

from typing import Any

import pytest

from joinedup.audit.models import AuditEvent
from joinedup.governance.tests.test_access_matrix import (
    MATRIX,
    SUBJECTS,
    Fixture,
    Who,
    _client_for,
    matrix_world,  # noqa: F401 - the fixture, used by name
)

NOT_PERSONAL: dict[str, str] = {
    "home": "lists only children the user opened, each opening audited",
    "login": "the sign-in form",
    "logout": "POST only",
    "tokens": "the user's own API tokens",
    "token_revoke": "POST only",
    "children:record_create": "an empty form",
    "children:pseudonymised_list": "pseudonymised aggregates for analysts: no one is identifiable",
    "governance:index": "counts only",
    "governance:agreements": "agreements between agencies, no person",
    "governance:agreement_create": "an empty form",
    "governance:agreement_edit": "an agreement between agencies",
    "governance:agreement_review": "an agreement between agencies",
    "governance:subject_access": "a search form",
    "governance:retention": "a list of records due review, each opened through the audited decision page",
    "participation:directory": "opportunities, not people",
    "participation:opportunity_create": "an empty form",
    "participation:opportunity_edit": "an opportunity, not a person",
    "participation:opportunity_reviewed": "POST only",
    "participation:coverage": "counts by district",
    "participation:insight": "the influence ledger shows aggregated, anonymised outcomes",
    "participation:withdraw": "POST only",
    "participation:cohort_check": "POST only",
    "participation:cohort_decide": "POST only",
    "participation:cohort_separate": "POST only",
    "participation:cohort_confirm": "POST only",
    "referrals:new": "an empty form",
    "referrals:step": "the referrer's own draft, as they typed it",
    "referrals:check": "the referrer's own draft, as they typed it",
    "referrals:import": "an upload form, and the referrer's own imports by file name",
    "referrals:import_detail": "the referrer's own only (no subject here): test_only_its_referrer_sees_the_import",
    "imports:new": "an upload form (a kept file is named, not shown)",
    "linkage:queue": "a queue of pairs by score; each pair opened through the audited pair page",
    "linkage:split": "POST only",
    "linkage:queue_decide": "POST only",
    "linkage:pair_reopen": "POST only",
    "linkage:models": "model parameters, no person",
    "linkage:model": "model parameters, no person",
    "linkage:model_activate": "POST only",
    "notifications:list": "the user's own notifications",
    "notifications:all_read": "POST only",
    "notifications:open": "POST only",
    "pathways:definitions": "pathway definitions",
    "pathways:definition": "a pathway definition",
    "pathways:align": "the two areas' pathways compared",
    "pathways:parallel": "counts of parallel processes",
    "pathways:screening": "a queue; each referral opened through the audited screening page",
    "pathways:tasks": "the user's task list; each case opened through the audited case page",
    "public_opportunities": "public opportunities for young people",
    "public_opportunities_for": "one partnership's public opportunities for young people",
    "api:api-root": "nothing",
    "api:openapi-json": "the API's schema",
    "api:openapi-view": "the API's reference",
    "api:create_record": "POST only",
    "api:update_record": "a write, audited by its service",
    "api:decide_record_match": "POST only",
    "api:list_agreements": "agreements between agencies",
    "api:list_referrals": "the user's agency's own referrals list",
    "api:create_referral": "same path as the list",
    "chronology:check_ask": "POST only",
    "chronology:check_answer": "POST only",
    "chronology:mace_pack_new": "a form naming the meeting; the pack's reads are audited by the job",
    "children:break_glass": "the emergency-access form names no one; what is opened after it is audited",
    "children:intelligence_add": "a form showing only the user's own agency's record reference",
    "participation:cohorts": "cohorts by name and size; each cohort's members are on its audited page",
    "pathways:case_meeting": "POST only",
    "pathways:case_event": "POST only",
    "pathways:case_move": "POST only",
    "pathways:case_key_people": "POST only",
    "pathways:case_handover": "POST only",
    "pathways:task_take": "POST only",
    "pathways:handover": "offered to an agency outside the matrix's relations: test_a_handover_opened_is_audited",
    "healthz": "the database and migrations' state, nothing about anyone",
    "oidc_authentication_init": "the round trip to the identity provider",
    "oidc_authentication_callback": "the round trip to the identity provider",
    "oidc_logout": "the round trip to the identity provider",
    "jobs:list": "background jobs: who started them and counts, never a child's data",
    "jobs:detail": "one job's progress and counts",
    "jobs:start": "POST only",
    "governance:subject_access_pack": "POST only (the pack's read is audited by the job, its download by jobs:file)",
}


# Where the matrix's URL shows no one (a search page before a search), the URL that does.
URL_OVERRIDES = {"children:search": lambda w: "/children/?q=Test"}


def test_every_url_is_classified() -> None:
    names = set(MATRIX)
    audited = names - set(NOT_PERSONAL)
    assert set(NOT_PERSONAL) - names == set(), "these classified names are not URLs"
    assert audited, "no URL is audited?"


def _first_allowed(name: str) -> Who | None:
    for role, relation in SUBJECTS:
        who = Who(role=role, relation=relation)
        if MATRIX[name].expect(who) == 200:
            return who
    return None


@pytest.mark.parametrize("name", sorted(set(MATRIX) - set(NOT_PERSONAL)))
def test_opening_it_writes_an_audit_event(world: Any, matrix_world: Fixture, name: str) -> None:  # noqa: F811
    who = _first_allowed(name)
    assert who is not None, f"{name}: no subject may open it, so it cannot be audited: classify it"
    client, headers = _client_for(world, who, api_call=MATRIX[name].api)
    before = AuditEvent.objects.count()
    url = URL_OVERRIDES.get(name, MATRIX[name].url)(matrix_world)
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    assert AuditEvent.objects.count() > before, f"{name}: shows a person's data but wrote no audit event"


def test_a_handover_opened_is_audited(world: Any, matrix_world: Fixture) -> None:  # noqa: F811
    from joinedup.conftest import make_user
    from joinedup.partnership.models import Membership

    receiving = matrix_world.handover.to_agency
    user = make_user(world, role="practitioner", agency="city_csc")
    Membership.objects.filter(user=user).update(agency=receiving)
    client, _ = _client_for(world, Who(role=None, relation="anonymous"), api_call=False)
    client.force_login(user)
    response = client.get(MATRIX["pathways:handover"].url(matrix_world))
    assert response.status_code == 200
    event = AuditEvent.objects.filter(event="handover.viewed").get()
    assert event.child_uuid == matrix_world.handover.case.child.uuid
