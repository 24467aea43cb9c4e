"""The access matrix: every role x relation x every page and API endpoint.

Each URL pattern has a row in MATRIX saying, as a rule over the role's
permissions and the user's relation to the data, what status it answers.
A URL pattern without a row fails `test_every_url_pattern_is_in_the_matrix`,
so a new page or endpoint cannot ship without saying who may use it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from joinedup.children.models import AgencyRecord, IntelligenceItem
from joinedup.children.services import break_glass_open
from joinedup.chronology.models import RecordCheckRequest
from joinedup.conftest import make_agreement, make_record, make_user, same_child
from joinedup.governance.jobs import SUBJECT_ACCESS_PACK
from joinedup.imports.models import ImportProblem, RecordImport
from joinedup.jobs.services import job_file_save, job_start, job_succeed
from joinedup.linkage.models import CandidatePair, ChildJoin, JoinCheck, LinkageModel
from joinedup.participation.models import Cohort, Contribution, Opportunity
from joinedup.partnership.models import Agency
from joinedup.partnership.roles import MATRIX as ROLE_MATRIX
from joinedup.partnership.roles import Perm, Role, role_may_act_for
from joinedup.pathways.definitions import shipped_definitions
from joinedup.pathways.services import case_open, handover_offer
from joinedup.referrals.models import Referral, ReferralImport, ReferralStatus
from joinedup.shell.services import api_token_create

# How the user stands to the data the URL is about (a child known to City
# children's services and the police, who share under an agreement).
RELATIONS = (
    "own_agency",
    "partner_with_agreement",
    "partner_without_agreement",
    "other_area",
    "no_membership",
    "anonymous",
)
RELATION_AGENCY = {
    "own_agency": "city_csc",
    "partner_with_agreement": "police",
    "partner_without_agreement": "health",
    "other_area": "county_csc",
}


@dataclass(frozen=True)
class Who:
    role: str | None
    relation: str

    def can(self, perm: Perm) -> bool:
        return self.role is not None and self.relation in RELATION_AGENCY and perm in ROLE_MATRIX[self.role]

    @property
    def member(self) -> bool:
        return self.relation in RELATION_AGENCY


@dataclass(frozen=True)
class Row:
    url: Callable[[Any], str]
    expect: Callable[[Who], int]
    api: bool = False


def import_rule(who: Who) -> int:
    """An import into City's records: its agency's data officers; 403 for roles that may not import."""
    if who.relation == "anonymous":
        return 302
    if not who.can(Perm.IMPORT_AGENCY_RECORDS):
        return 403
    return 200 if who.relation == "own_agency" else 404


def page(perm: Perm) -> Callable[[Who], int]:
    """A page any holder of `perm` may open; others get 403; anonymous users are sent to sign in."""

    def rule(who: Who) -> int:
        if who.relation == "anonymous":
            return 302
        return 200 if who.can(perm) else 403

    return rule


def api(perm: Perm | None) -> Callable[[Who], int]:
    def rule(who: Who) -> int:
        if who.relation == "anonymous":
            return 401
        if perm is None:
            return 200 if who.member else 403
        return 200 if who.can(perm) else 403

    return rule


def _in_work(who: Who) -> bool:
    """The shared child is in the work of agencies holding a record on it, and of screeners
    serving the City, whose queue holds the child's referral."""
    holds = who.relation in {"own_agency", "partner_with_agreement"}
    return holds or (who.can(Perm.SCREEN_REFERRALS) and who.relation in CITY_SERVERS)


def child_rule(anonymous: int) -> Callable[[Who], int]:
    """The shared child: open to viewers whose work it is in; 404 for everyone else."""

    def rule(who: Who) -> int:
        if who.relation == "anonymous":
            return anonymous
        return 200 if _in_work(who) and who.can(Perm.VIEW_CHILD) else 404

    return rule


def record_edit_rule(who: Who) -> int:
    if who.relation == "anonymous":
        return 302
    if who.relation != "own_agency" or not who.can(Perm.VIEW_CHILD):
        return 404
    return 200 if who.can(Perm.EDIT_AGENCY_RECORD) else 403


def intelligence_rule(who: Who) -> int:
    # The intelligence URL is about the police's record.
    if who.relation == "anonymous":
        return 302
    if who.relation != "partner_with_agreement" or not who.can(Perm.VIEW_CHILD):
        return 404
    return 200 if who.can(Perm.EDIT_AGENCY_RECORD) and who.can(Perm.ADD_INTELLIGENCE) else 403


def record_api_rule(who: Who) -> int:
    if who.relation == "anonymous":
        return 401
    return 200 if who.relation == "own_agency" and who.can(Perm.VIEW_CHILD) else 404


def record_update_api_rule(who: Who) -> int:
    if who.relation == "anonymous":
        return 401
    if who.relation != "own_agency" or not who.can(Perm.VIEW_CHILD):
        return 404
    return 200 if who.can(Perm.EDIT_AGENCY_RECORD) else 403


def put_forward_rule(who: Who) -> int:
    if who.relation == "anonymous":
        return 302
    if not (_in_work(who) and who.can(Perm.VIEW_CHILD) and role_may_act_for(who.role or "", "direct_work")):
        return 404
    return 200 if who.can(Perm.PUT_FORWARD_FOR_COHORT) else 403


def child_words_rule(who: Who) -> int:
    # Recording a child's words: open the child for direct work (404), then a casework role (403).
    if who.relation == "anonymous":
        return 302
    if not (_in_work(who) and who.can(Perm.VIEW_CHILD) and role_may_act_for(who.role or "", "direct_work")):
        return 404
    return 200 if who.can(Perm.CREATE_AGENCY_RECORD) else 403


def join_check_rule(who: Who) -> int:
    """A join to check on the shared child: for reviewers who see one of its records (their
    agency's own, or the police's under the agreement); 404 for reviewers who see none of them."""
    if who.relation == "anonymous":
        return 302
    if not who.can(Perm.REVIEW_MATCHES):
        return 403
    return 200 if who.relation in {"own_agency", "partner_with_agreement"} else 404


CITY_SERVERS = {"own_agency", "partner_with_agreement", "partner_without_agreement"}


def _sees_referral(who: Who) -> bool:
    return (who.relation == "own_agency" and who.can(Perm.RAISE_REFERRAL)) or (
        who.can(Perm.SCREEN_REFERRALS) and who.relation in CITY_SERVERS
    )


def referral_step_rule(who: Who) -> int:
    if who.relation == "anonymous":
        return 302
    if not who.can(Perm.RAISE_REFERRAL):
        return 403
    return 403 if _sees_referral(who) else 404


def referral_check_rule(who: Who) -> int:
    if who.relation == "anonymous":
        return 302
    return 403 if _sees_referral(who) else 404


def referral_import_rule(who: Who) -> int:
    """A referral file imported in the background: only its referrer (none of the subjects here)."""
    if who.relation == "anonymous":
        return 302
    return 404 if who.can(Perm.RAISE_REFERRAL) else 403


def referral_detail_rule(who: Who) -> int:
    if who.relation == "anonymous":
        return 302
    return 200 if _sees_referral(who) else 404


def screen_rule(who: Who) -> int:
    if who.relation == "anonymous":
        return 302
    if not who.can(Perm.SCREEN_REFERRALS):
        return 403
    return 200 if who.relation in CITY_SERVERS else 404


def handover_rule(who: Who) -> int:
    if who.relation == "anonymous":
        return 302
    return 404 if who.can(Perm.WORK_CASES) else 403


def case_rule(who: Who) -> int:
    """The case is led by City children's services; the fixture's agreement shares no social care data."""
    if who.relation == "anonymous":
        return 302
    return 200 if who.relation == "own_agency" and who.can(Perm.VIEW_CHILD) else 404


def record_matches_rule(who: Who) -> int:
    # The possible matches of the City record: its holders who may add records.
    if who.relation == "anonymous":
        return 302
    if who.relation != "own_agency" or not who.can(Perm.VIEW_CHILD):
        return 404
    return 200 if who.can(Perm.CREATE_AGENCY_RECORD) else 403


def record_matches_api_rule(who: Who) -> int:
    if who.relation == "anonymous":
        return 401
    if who.relation != "own_agency" or not who.can(Perm.VIEW_CHILD):
        return 404
    return 200 if who.can(Perm.CREATE_AGENCY_RECORD) else 403


def linkage_models_rule(who: Who) -> int:
    if who.relation == "anonymous":
        return 302
    return 200 if who.can(Perm.REVIEW_MATCHES) or who.can(Perm.ADMIN_PARTNERSHIP) else 403


def event_add_rule(who: Who) -> int:
    if who.relation == "anonymous":
        return 302
    if not who.can(Perm.EDIT_AGENCY_RECORD):
        return 403
    return child_rule(302)(who)


def always(status: int) -> Callable[[Who], int]:
    return lambda who: status


def signed_in(status: int, anonymous: int) -> Callable[[Who], int]:
    return lambda who: anonymous if who.relation == "anonymous" else status


def job_file_rule(who: Who) -> int:
    """A subject access pack: any DPO of the partnership (every relation here is in it); 404 for others."""
    if who.relation == "anonymous":
        return 302
    return 200 if who.can(Perm.SUBJECT_ACCESS) else 404


def agreements_rule(who: Who) -> int:
    if who.relation == "anonymous":
        return 302
    return 200 if who.member else 302


MATRIX: dict[str, Row] = {
    "home": Row(lambda w: reverse("home"), signed_in(200, 302)),
    "login": Row(lambda w: reverse("login"), signed_in(302, 200)),
    "logout": Row(lambda w: reverse("logout"), always(405)),
    "tokens": Row(lambda w: reverse("tokens"), page(Perm.USE_API)),
    "token_revoke": Row(lambda w: reverse("token_revoke", args=[w.token.uuid]), always(405)),
    "children:search": Row(lambda w: reverse("children:search"), page(Perm.SEARCH_CHILDREN)),
    "children:record_create": Row(lambda w: reverse("children:record_create"), page(Perm.CREATE_AGENCY_RECORD)),
    "children:record_edit": Row(lambda w: reverse("children:record_edit", args=[w.own.uuid]), record_edit_rule),
    "children:intelligence_add": Row(
        lambda w: reverse("children:intelligence_add", args=[w.police.uuid]), intelligence_rule
    ),
    "children:pseudonymised_list": Row(lambda w: reverse("children:pseudonymised_list"), page(Perm.VIEW_PSEUDONYMISED)),
    "children:pseudonymised_detail": Row(
        lambda w: reverse("children:pseudonymised_detail", args=[w.child.pseudonym]), page(Perm.VIEW_PSEUDONYMISED)
    ),
    "children:detail": Row(lambda w: reverse("children:detail", args=[w.child.uuid]), child_rule(302)),
    "chronology:chronology": Row(lambda w: reverse("chronology:chronology", args=[w.child.uuid]), child_rule(302)),
    "chronology:chronology_pdf": Row(
        lambda w: reverse("chronology:chronology_pdf", args=[w.child.uuid]), child_rule(302)
    ),
    "chronology:event_add": Row(lambda w: reverse("chronology:event_add", args=[w.child.uuid]), event_add_rule),
    "chronology:check_ask": Row(lambda w: reverse("chronology:check_ask", args=[w.child.uuid]), always(405)),
    "chronology:check_answer": Row(
        lambda w: reverse("chronology:check_answer", args=[w.child.uuid, w.record_check.uuid]), always(405)
    ),
    "chronology:mace_pack_new": Row(lambda w: reverse("chronology:mace_pack_new"), page(Perm.RUN_PANELS)),
    "children:break_glass": Row(lambda w: reverse("children:break_glass", args=[w.child.uuid]), page(Perm.BREAK_GLASS)),
    "governance:index": Row(lambda w: reverse("governance:index"), page(Perm.VIEW_AUDIT)),
    "governance:agreements": Row(lambda w: reverse("governance:agreements"), agreements_rule),
    "governance:agreement_create": Row(lambda w: reverse("governance:agreement_create"), page(Perm.MANAGE_AGREEMENTS)),
    "governance:agreement_edit": Row(
        lambda w: reverse("governance:agreement_edit", args=[w.agreement.uuid]), page(Perm.MANAGE_AGREEMENTS)
    ),
    "governance:agreement_review": Row(
        lambda w: reverse("governance:agreement_review", args=[w.agreement.uuid]), page(Perm.MANAGE_AGREEMENTS)
    ),
    "governance:break_glass": Row(lambda w: reverse("governance:break_glass"), page(Perm.REVIEW_BREAK_GLASS)),
    "governance:break_glass_review": Row(
        lambda w: reverse("governance:break_glass_review", args=[w.grant.uuid]), page(Perm.REVIEW_BREAK_GLASS)
    ),
    "governance:disclosures": Row(lambda w: reverse("governance:disclosures"), page(Perm.VIEW_AUDIT)),
    "governance:joins_outside_work": Row(lambda w: reverse("governance:joins_outside_work"), page(Perm.VIEW_AUDIT)),
    "governance:audit": Row(lambda w: reverse("governance:audit"), page(Perm.VIEW_AUDIT)),
    "governance:subject_access": Row(lambda w: reverse("governance:subject_access"), page(Perm.SUBJECT_ACCESS)),
    "governance:subject_access_review": Row(
        lambda w: reverse("governance:subject_access_review", args=[w.child.uuid]), page(Perm.SUBJECT_ACCESS)
    ),
    "governance:subject_access_letter": Row(
        lambda w: reverse("governance:subject_access_letter", args=[w.child.uuid]), page(Perm.SUBJECT_ACCESS)
    ),
    "governance:subject_access_json": Row(
        lambda w: reverse("governance:subject_access_json", args=[w.child.uuid]), page(Perm.SUBJECT_ACCESS)
    ),
    "governance:subject_access_pdf": Row(
        lambda w: reverse("governance:subject_access_pdf", args=[w.child.uuid]), page(Perm.SUBJECT_ACCESS)
    ),
    # Preparing the pack is POST only (who may: the write matrix; the job: test_subject_access_pack.py).
    "governance:subject_access_pack": Row(
        lambda w: reverse("governance:subject_access_pack", args=[w.child.uuid]), always(405)
    ),
    "governance:retention": Row(lambda w: reverse("governance:retention"), page(Perm.RETENTION_REVIEW)),
    "governance:retention_decide": Row(
        lambda w: reverse("governance:retention_decide", args=[w.old.uuid]), page(Perm.RETENTION_REVIEW)
    ),
    "participation:directory": Row(lambda w: reverse("participation:directory"), agreements_rule),
    "participation:opportunity_create": Row(
        lambda w: reverse("participation:opportunity_create"), page(Perm.MANAGE_PARTICIPATION)
    ),
    "participation:opportunity_edit": Row(
        lambda w: reverse("participation:opportunity_edit", args=[w.opportunity.uuid]), page(Perm.MANAGE_PARTICIPATION)
    ),
    "participation:opportunity_reviewed": Row(
        lambda w: reverse("participation:opportunity_reviewed", args=[w.opportunity.uuid]), always(405)
    ),
    "participation:coverage": Row(lambda w: reverse("participation:coverage"), page(Perm.VIEW_PARTICIPATION_COVERAGE)),
    "participation:cohorts": Row(lambda w: reverse("participation:cohorts"), page(Perm.MANAGE_PARTICIPATION)),
    "participation:cohort": Row(
        lambda w: reverse("participation:cohort", args=[w.cohort.uuid]), page(Perm.MANAGE_PARTICIPATION)
    ),
    # The cohort's actions are POST only, each at its own URL (who may use them: the write matrix).
    "participation:cohort_check": Row(
        lambda w: reverse("participation:cohort_check", args=[w.cohort.uuid]), always(405)
    ),
    "participation:cohort_decide": Row(
        lambda w: reverse("participation:cohort_decide", args=[w.cohort.uuid]), always(405)
    ),
    "participation:cohort_separate": Row(
        lambda w: reverse("participation:cohort_separate", args=[w.cohort.uuid]), always(405)
    ),
    "participation:cohort_confirm": Row(
        lambda w: reverse("participation:cohort_confirm", args=[w.cohort.uuid]), always(405)
    ),
    "participation:put_forward": Row(
        lambda w: reverse("participation:put_forward", args=[w.child.uuid]), put_forward_rule
    ),
    "participation:child_words": Row(
        lambda w: reverse("participation:child_words", args=[w.child.uuid]), child_words_rule
    ),
    "participation:voices": Row(lambda w: reverse("participation:voices"), page(Perm.MANAGE_PARTICIPATION)),
    "participation:feedback": Row(
        lambda w: reverse("participation:feedback", args=[w.contribution.uuid]), page(Perm.MANAGE_PARTICIPATION)
    ),
    "participation:withdraw": Row(lambda w: reverse("participation:withdraw", args=[w.contribution.uuid]), always(405)),
    "participation:insight": Row(lambda w: reverse("participation:insight"), page(Perm.VIEW_PARTICIPATION_COVERAGE)),
    "referrals:new": Row(lambda w: reverse("referrals:new"), page(Perm.RAISE_REFERRAL)),
    "referrals:step": Row(lambda w: reverse("referrals:step", args=[w.referral.uuid, "child"]), referral_step_rule),
    "referrals:check": Row(lambda w: reverse("referrals:check", args=[w.referral.uuid]), referral_check_rule),
    "referrals:detail": Row(lambda w: reverse("referrals:detail", args=[w.referral.uuid]), referral_detail_rule),
    "referrals:import": Row(lambda w: reverse("referrals:import"), page(Perm.RAISE_REFERRAL)),
    "referrals:import_detail": Row(
        lambda w: reverse("referrals:import_detail", args=[w.referral_import.uuid]), referral_import_rule
    ),
    # Same path as the list: GET answers as the list does (POST is tested in the referrals tests).
    "api:create_referral": Row(lambda w: "/api/v1/referrals", api(Perm.RAISE_REFERRAL), api=True),
    "linkage:queue": Row(lambda w: reverse("linkage:queue"), page(Perm.REVIEW_MATCHES)),
    "linkage:pair": Row(lambda w: reverse("linkage:pair", args=[w.pair.uuid]), page(Perm.REVIEW_MATCHES)),
    # The split asks for a reason and a confirmation on its own page (a POST without them changes nothing).
    "linkage:split": Row(lambda w: reverse("linkage:split", args=[w.join.uuid]), page(Perm.REVIEW_MATCHES)),
    "linkage:pair_reopen": Row(lambda w: reverse("linkage:pair_reopen", args=[w.pair.uuid]), always(405)),
    "linkage:split_part": Row(lambda w: reverse("linkage:split_part", args=[w.join.uuid]), page(Perm.REVIEW_MATCHES)),
    "linkage:checks": Row(lambda w: reverse("linkage:checks"), page(Perm.REVIEW_MATCHES)),
    "linkage:check": Row(lambda w: reverse("linkage:check", args=[w.check.uuid]), join_check_rule),
    "linkage:record_matches": Row(lambda w: reverse("linkage:record_matches", args=[w.own.uuid]), record_matches_rule),
    "linkage:queue_decide": Row(lambda w: reverse("linkage:queue_decide"), always(405)),
    "linkage:models": Row(lambda w: reverse("linkage:models"), linkage_models_rule),
    "linkage:model": Row(lambda w: reverse("linkage:model", args=[w.model.uuid]), linkage_models_rule),
    "linkage:model_activate": Row(lambda w: reverse("linkage:model_activate", args=[w.model.uuid]), always(405)),
    "notifications:list": Row(lambda w: reverse("notifications:list"), signed_in(200, 302)),
    "notifications:all_read": Row(lambda w: reverse("notifications:all_read"), always(405)),
    "notifications:open": Row(lambda w: reverse("notifications:open", args=[uuid.uuid4()]), always(405)),
    "pathways:definitions": Row(lambda w: reverse("pathways:definitions"), page(Perm.VIEW_PATHWAYS)),
    "pathways:definition": Row(lambda w: reverse("pathways:definition", args=["efh-city@1"]), page(Perm.VIEW_PATHWAYS)),
    "pathways:align": Row(lambda w: reverse("pathways:align"), page(Perm.VIEW_PATHWAYS)),
    "pathways:parallel": Row(lambda w: reverse("pathways:parallel"), page(Perm.VIEW_PATHWAYS)),
    "pathways:screening": Row(lambda w: reverse("pathways:screening"), page(Perm.SCREEN_REFERRALS)),
    "pathways:screen": Row(lambda w: reverse("pathways:screen", args=[w.referral.uuid]), screen_rule),
    "pathways:case": Row(lambda w: reverse("pathways:case", args=[w.case.uuid]), case_rule),
    "pathways:handover": Row(lambda w: reverse("pathways:handover", args=[w.handover.uuid]), handover_rule),
    "pathways:tasks": Row(lambda w: reverse("pathways:tasks"), page(Perm.WORK_CASES)),
    "pathways:mace": Row(lambda w: reverse("pathways:mace"), page(Perm.RUN_PANELS)),
    # The case's changes are POST only (refusals and "nothing changed": pathways/tests/test_case_actions.py).
    "pathways:case_meeting": Row(lambda w: reverse("pathways:case_meeting", args=[w.case.uuid]), always(405)),
    "pathways:case_event": Row(lambda w: reverse("pathways:case_event", args=[w.case.uuid]), always(405)),
    "pathways:case_move": Row(lambda w: reverse("pathways:case_move", args=[w.case.uuid]), always(405)),
    "pathways:case_key_people": Row(lambda w: reverse("pathways:case_key_people", args=[w.case.uuid]), always(405)),
    "pathways:case_handover": Row(lambda w: reverse("pathways:case_handover", args=[w.case.uuid]), always(405)),
    "pathways:task_take": Row(lambda w: reverse("pathways:task_take", args=[w.case.uuid]), always(405)),
    # For young people and families: no sign-in, nothing about any child.
    "public_opportunities": Row(lambda w: reverse("public_opportunities"), always(200)),
    "public_opportunities_for": Row(
        lambda w: reverse("public_opportunities_for", args=[w.own.agency.partnership.uuid]), always(200)
    ),
    # The API documentation describes the endpoints, never data: it is public.
    "api:api-root": Row(lambda w: "/api/", always(404), api=True),
    "api:openapi-json": Row(lambda w: "/api/v1/openapi.json", always(200), api=True),
    "api:openapi-view": Row(lambda w: "/api/docs", always(200), api=True),
    "api:search_children": Row(lambda w: "/api/v1/children?q=test", api(Perm.SEARCH_CHILDREN), api=True),
    "api:get_child": Row(lambda w: f"/api/v1/children/{w.child.uuid}", child_rule(401), api=True),
    # GET on a POST-only endpoint: the method is refused before anything else is looked at.
    "api:create_record": Row(lambda w: "/api/v1/records", always(405), api=True),
    "api:get_record": Row(lambda w: f"/api/v1/records/{w.own.uuid}", record_api_rule, api=True),
    "api:update_record": Row(lambda w: f"/api/v1/records/{w.own.uuid}", record_update_api_rule, api=True),
    "api:list_record_matches": Row(
        lambda w: f"/api/v1/records/{w.own.uuid}/matches", record_matches_api_rule, api=True
    ),
    "api:decide_record_match": Row(
        lambda w: f"/api/v1/records/{w.own.uuid}/matches/{w.pair.uuid}", always(405), api=True
    ),
    "api:list_referrals": Row(lambda w: "/api/v1/referrals", api(Perm.RAISE_REFERRAL), api=True),
    "api:list_agreements": Row(lambda w: "/api/v1/agreements", api(None), api=True),
    "api:list_audit_events": Row(lambda w: "/api/v1/audit/events", api(Perm.VIEW_AUDIT), api=True),
    # Running the service (joinedup/ops): the probe is public and says nothing about anyone;
    # the OIDC round trip does not exist while OIDC is not configured (the sign-in tests configure it).
    "healthz": Row(lambda w: "/healthz", always(200)),
    "oidc_authentication_init": Row(lambda w: reverse("oidc_authentication_init"), always(404)),
    "oidc_authentication_callback": Row(lambda w: reverse("oidc_authentication_callback"), always(404)),
    "oidc_logout": Row(lambda w: reverse("oidc_logout"), always(404)),
    # Background jobs (joinedup/jobs): a member's own jobs; starting one is POST only
    # (who may start, and that a refusal queues nothing, is in jobs/tests/test_jobs.py).
    "jobs:list": Row(lambda w: reverse("jobs:list"), signed_in(200, 302)),
    "jobs:detail": Row(lambda w: reverse("jobs:detail", args=[uuid.uuid4()]), signed_in(404, 302)),
    "imports:new": Row(lambda w: reverse("imports:new"), page(Perm.IMPORT_AGENCY_RECORDS)),
    "imports:detail": Row(lambda w: reverse("imports:detail", args=[w.record_import.uuid]), import_rule),
    "imports:problems": Row(lambda w: reverse("imports:problems", args=[w.record_import.uuid]), import_rule),
    # The file a job made: a City DPO's subject access pack stands for them all (the MACE pack,
    # its starter's only: chronology/tests/test_mace_pack.py).
    "jobs:file": Row(lambda w: reverse("jobs:file", args=[w.job_file.job.uuid]), job_file_rule),
    # A kind started from a button (jobs/registry.py); linkage's run stands for them all.
    "jobs:start": Row(lambda w: reverse("jobs:start", args=["linkage_run"]), always(405)),
}


def _url_names() -> set[str]:
    def walk(patterns: Any, namespace: str | None) -> Any:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace if namespace is None else (f"{namespace}:{p.namespace}" if p.namespace else namespace)
                yield from walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and p.name:
                yield f"{namespace}:{p.name}" if namespace else p.name

    return {name for name in walk(get_resolver().url_patterns, None) if not name.startswith("admin:")}


def test_every_url_pattern_is_in_the_matrix() -> None:
    names = _url_names()
    assert names - set(MATRIX) == set(), "add these URLs to the access matrix"
    assert set(MATRIX) - names == set(), "these matrix rows name no URL"


@dataclass
class Fixture:
    model: Any
    referral_import: Any
    child: Any
    own: Any
    police: Any
    old: Any
    agreement: Any
    grant: Any
    opportunity: Any
    cohort: Any
    contribution: Any
    referral: Any
    case: Any
    handover: Any
    pair: Any
    join: Any
    check: Any
    record_import: Any = None
    token: Any = None
    job_file: Any = None
    record_check: Any = None


@pytest.fixture
def matrix_world(world: Any, trained: dict[str, Any]) -> Any:
    own = make_record(world, agency="city_csc", given_names="Test")
    police = make_record(world, agency="police", given_names="Test")
    child = same_child(own, police)
    IntelligenceItem.objects.create(
        record=police,
        summary="Graded.",
        source_grade="2",
        information_grade="B",
        handling_code="P",
        recorded_at=timezone.now(),
    )
    agreement = make_agreement(
        world,
        parties=("city_csc", "police"),
        purposes=("direct_work", "screening", "strategy_discussion", "mace_panel", "data_protection"),
        categories=("identity", "contact", "police_intelligence"),
    )
    old = make_record(world, agency="city_csc")
    AgencyRecord.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=365 * 30))
    grant = break_glass_open(
        actor=world.users["practitioner"],
        child=make_record(world, agency="health").child,
        reason="immediate_risk",
        explanation="Missing overnight and at risk.",
    )
    opportunity = Opportunity.objects.create(
        title="Forum",
        summary="s",
        opportunity_type="youth_forum",
        provider=world.agencies["city_csc"],
        area=world.city,
        is_online=True,
        age_min=11,
        age_max=18,
        groups=["open"],
        schedule="Tuesdays",
        contact="c",
        last_reviewed_on=timezone.localdate(),
    )
    cohort = Cohort.objects.create(opportunity=opportunity, name="Spring")
    contribution = Contribution.objects.create(
        kind="idea",
        words="w",
        heard_by=world.users["participation_officer"],
        heard_on=timezone.localdate(),
        opportunity=opportunity,
    )
    referral = Referral.objects.create(
        child=child,
        referring_agency=world.agencies["city_csc"],
        referrer_name="r",
        referrer_contact="c",
        child_details={"given_names": "Test", "family_name": "Child"},
        harm_types=["county_lines"],
        status=ReferralStatus.SUBMITTED,
        home_area=world.city,
        received_at=timezone.now(),
        decision_due_at=timezone.now(),
        created_by=world.users["practitioner"],
    )
    case = case_open(
        actor=world.users["screener"],
        child=child,
        definition=shipped_definitions()["efh-city@1"],
        area=world.city,
        lead_agency=world.agencies["city_csc"],
    )
    # Offered to an agency none of the relations works in: an offer puts the child in the
    # receiving agency's work, which would blur "other area" here (the journey is tested in pathways).
    receiving = Agency.objects.create(
        partnership=world.partnership, name="County Adolescent Service", agency_type="childrens_social_care"
    )
    receiving.areas.set([world.county])
    handover = handover_offer(
        actor=world.users["screener"], case=case, to_area=world.county, to_agency=receiving, reason="Moved."
    )
    other = make_record(world, agency="health", given_names="Test")
    pair = CandidatePair.objects.create(
        record_a=min(own, other, key=lambda r: r.pk),
        record_b=max(own, other, key=lambda r: r.pk),
        probability=0.7,
        match_weight=3.0,
        waterfall=[],
    )
    join = ChildJoin.objects.create(kind="merge", target=child, moves=[], reason="test")
    check = JoinCheck.objects.create(join=join, child=child, fields=["date_of_birth"])
    model = LinkageModel.objects.create(version=1, parameters=trained, training_summary={"records": 60})
    record_import = RecordImport.objects.create(
        agency=world.agencies["city_csc"], started_by=world.users["data_officer"], file_name="records.csv", rows=1
    )
    ImportProblem.objects.create(record_import=record_import, row=2, column="postcode", message="Test problem")
    # A referral file imported in the background: its referrer's alone (no matrix subject is them).
    referral_import = ReferralImport.objects.create(
        referring_agency=world.agencies["city_csc"], started_by=world.users["practitioner"], file_name="r.csv", rows=201
    )
    # Someone else's token: every subject is refused its revocation (their own is test_shell's).
    token, _ = api_token_create(actor=make_user(world, role="practitioner"), name="theirs", expires_in_days=1)
    pack = job_start(actor=world.users["dpo"], kind=SUBJECT_ACCESS_PACK, params={"child": str(child.uuid)})
    job_succeed(job=pack, result="Ready.")
    job_file = job_file_save(
        job=pack,
        filename=f"subject-access-{child.uuid}.pdf",
        content_type="application/pdf",
        content=b"%PDF-1.7 the matrix's pack",
        download_event="subject_access.pack_downloaded",
        purpose="data_protection",
        child_uuid=child.uuid,
    )
    # The police asked City to check the child's date of birth: City's to answer.
    record_check = RecordCheckRequest.objects.create(
        child=child,
        to_agency=world.agencies["city_csc"],
        field="date_of_birth",
        asked_by=make_user(world, role="practitioner", agency="police"),
    )
    return Fixture(
        record_check=record_check,
        token=token,
        job_file=job_file,
        record_import=record_import,
        referral_import=referral_import,
        model=model,
        pair=pair,
        join=join,
        check=check,
        child=child,
        own=own,
        police=police,
        old=old,
        agreement=agreement,
        grant=grant,
        opportunity=opportunity,
        cohort=cohort,
        contribution=contribution,
        referral=referral,
        case=case,
        handover=handover,
    )


def _client_for(world: Any, who: Who, api_call: bool) -> tuple[Client, dict[str, str]]:
    client = Client()
    if who.relation == "anonymous":
        return client, {}
    if who.relation == "no_membership":
        from joinedup.core.models import User

        user = User.objects.create_user(username=f"nomember-{who.role}-{'api' if api_call else 'page'}", password="x")
    else:
        user = make_user(world, role=who.role, agency=RELATION_AGENCY[who.relation])
    if api_call:
        if who.relation == "no_membership":
            from joinedup.core.models import ApiToken
            from joinedup.core.services import TOKEN_PREFIX, token_hash

            plaintext = TOKEN_PREFIX + f"nomember-{who.role}"
            ApiToken.objects.create(user=user, name="t", prefix="x", token_hash=token_hash(plaintext))
        else:
            _, plaintext = api_token_create(actor=user, name="matrix", expires_in_days=1)
        return client, {"Authorization": f"Bearer {plaintext}"}
    client.force_login(user)
    return client, {}


SUBJECTS = [(role, relation) for role in Role.values for relation in RELATIONS if relation != "anonymous"]
SUBJECTS.append((None, "anonymous"))


@pytest.mark.parametrize(("role", "relation"), SUBJECTS)
def test_access_matrix(world: Any, matrix_world: Fixture, role: str | None, relation: str) -> None:
    who = Who(role=role, relation=relation)
    failures = []
    page_client, _ = _client_for(world, who, api_call=False)
    api_client, headers = _client_for(world, who, api_call=True) if relation != "anonymous" else (Client(), {})
    for name, row in MATRIX.items():
        url = row.url(matrix_world)
        client = api_client if row.api else page_client
        if name == "api:update_record":
            body = {"local_id": "M-1", "given_names": "Test", "family_name": "Child", "version": 1}
            response = client.put(url, data=body, content_type="application/json", headers=headers)
            expected = row.expect(who)
        else:
            response = client.get(url, headers=headers)
            expected = row.expect(who)
        if response.status_code != expected:
            failures.append(f"{name} {url}: expected {expected}, got {response.status_code}")
        if row.api and response.status_code >= 400 and name not in {"api:api-root"}:
            if not response["Content-Type"].startswith("application/json"):
                failures.append(f"{name} {url}: {response.status_code} is not JSON")
                continue
            body = response.json()
            if "error" not in body or not {"code", "message", "fields"} <= set(body["error"]):
                failures.append(f"{name}: {response.status_code} without the error envelope: {body}")
    assert not failures, "\n".join(failures)
