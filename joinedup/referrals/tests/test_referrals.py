from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from joinedup.children import access
from joinedup.children.models import AgencyRecord
from joinedup.conftest import make_record, valid_nhs
from joinedup.pathways.models import Case
from joinedup.pathways.services import referral_screen
from joinedup.referrals import services
from joinedup.referrals.models import Referral, ReferralStatus


def complete(world: Any, **child: Any) -> Referral:
    actor = world.users["practitioner"]
    referral = services.referral_draft_save(
        actor=actor,
        referral=None,
        data={"child_details": {"given_names": "Riley", "family_name": "Okonkwo", **child}},
    )
    return services.referral_draft_save(
        actor=actor,
        referral=referral,
        data={
            "harm_types": ["county_lines"],
            "indicators": "Found in Mansfield with two phones.",
            "consent": "not_sought_risk",
            "family_informed": True,
            "home_area": world.city,
            "referrer_contact": "0115 000 0000",
        },
    )


def test_a_draft_keeps_each_step_and_submission_says_what_is_missing(world: Any) -> None:
    referral = services.referral_draft_save(
        actor=world.users["practitioner"], referral=None, data={"child_details": {"given_names": "Riley"}}
    )
    missing = services.missing_for_submission(referral)
    assert {"child_details", "harm_types", "indicators", "consent", "home_area"} <= set(missing)
    with pytest.raises(ValidationError):
        services.referral_submit(actor=world.users["practitioner"], referral=referral)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DRAFT and referral.child_details["given_names"] == "Riley"


def test_submitting_creates_the_child_and_starts_the_one_day_clock(world: Any) -> None:
    referral = services.referral_submit(actor=world.users["practitioner"], referral=complete(world))
    assert referral.status == ReferralStatus.SUBMITTED and referral.child is not None
    assert AgencyRecord.objects.filter(child=referral.child, agency=world.agencies["city_csc"]).exists()
    assert referral.decision_due_at.date() > timezone.localdate()


def test_submitting_finds_a_child_the_agency_already_knows(world: Any) -> None:
    known = make_record(world, given_names="Riley", family_name="Okonkwo", nhs_number=valid_nhs(5))
    referral = services.referral_submit(
        actor=world.users["practitioner"], referral=complete(world, nhs_number=valid_nhs(5))
    )
    assert referral.child == known.child


def test_screening_to_the_adolescent_pathway_opens_a_case_in_the_home_area(world: Any) -> None:
    referral = services.referral_submit(actor=world.users["practitioner"], referral=complete(world))
    case = referral_screen(
        actor=world.users["screener"], referral=referral, decision="adolescent", reasons="Exploitation indicators."
    )
    assert case is not None and case.pathway.definition_id == "efh-city" and case.area == world.city
    assert case.tasks.get(clock_id="referral_decision").completed_at is not None
    assert referral_screen is not None
    with pytest.raises(ValidationError):
        referral_screen(actor=world.users["screener"], referral=referral, decision="nfa", reasons="again")


def test_no_further_action_opens_no_case(world: Any) -> None:
    referral = services.referral_submit(actor=world.users["practitioner"], referral=complete(world))
    assert (
        referral_screen(actor=world.users["screener"], referral=referral, decision="nfa", reasons="No concern") is None
    )
    assert not Case.objects.exists()


def test_a_referral_puts_the_child_in_the_referrers_work(world: Any) -> None:
    """Police refer a child known only to the police: once the City opens a case, the referrer still sees it."""
    referral = services.referral_submit(actor=world.users["practitioner"], referral=complete(world))
    assert access.children_visible_to(world.users["practitioner"]).filter(pk=referral.child.pk).exists()


def test_the_screening_queue_orders_by_the_clock_and_shows_open_processes(world: Any) -> None:
    first = services.referral_submit(actor=world.users["practitioner"], referral=complete(world))
    Referral.objects.filter(pk=first.pk).update(decision_due_at=timezone.now() - dt.timedelta(days=1))
    services.referral_submit(actor=world.users["practitioner"], referral=complete(world, given_names="Second"))
    client = Client()
    client.force_login(world.users["screener"])
    page = client.get(reverse("pathways:screening")).content.decode()
    assert page.index("Riley") < page.index("Second") and "Overdue" in page


def test_the_multi_step_form_keeps_input_on_error(world: Any) -> None:
    client = Client()
    client.force_login(world.users["practitioner"])
    response = client.post(
        reverse("referrals:new"), {"given_names": "Riley", "family_name": "", "sex": "U", "nhs_number": "123"}
    )
    content = response.content.decode()
    assert response.status_code == 200 and 'value="Riley"' in content
    assert "Enter child&#x27;s family name" in content and "10 digits" in content


class TestBulkImport:
    HEADER = (
        "given_names,family_name,date_of_birth,nhs_number,harm_types,indicators,"
        "consent,family_informed,home_area,referrer_contact\n"
    )

    def _upload(self, world: Any, text: str) -> Any:
        from django.core.files.uploadedfile import SimpleUploadedFile

        client = Client()
        client.force_login(world.users["practitioner"])
        return client.post(
            reverse("referrals:import"), {"file": SimpleUploadedFile("r.csv", text.encode(), content_type="text/csv")}
        )

    def test_a_clean_file_is_imported_for_screening(self, world: Any) -> None:
        text = (
            self.HEADER
            + "Ava,Stone,2011-05-04,,county_lines;going_missing,Seen in Mansfield,given,yes,City,duty line\n"
        )
        response = self._upload(world, text)
        assert response.status_code == 302
        referral = Referral.objects.get()
        assert referral.status == "submitted" and referral.harm_types == ["county_lines", "going_missing"]

    def test_bad_rows_are_reported_by_number_and_nothing_is_imported(self, world: Any) -> None:
        text = (
            self.HEADER
            + "Ava,Stone,2011-05-04,,county_lines,Seen,given,yes,City,duty\n"
            + "Ben,,31/02/2012,943 476 5918,astrology,Seen,maybe,perhaps,Atlantis,duty\n"
        )
        response = self._upload(world, text)
        content = response.content.decode()
        assert response.status_code == 200 and "Nothing has been imported" in content
        report = content.split('id="validation-report"')[1]
        assert '<td class="govuk-table__cell">3</td>' in report
        for problem in (
            "family_name is empty",
            "date_of_birth &#x27;31/02/2012&#x27; is not a date",
            "check digit",
            "astrology",
            "consent must be one of",
            "family_informed must be yes or no",
            "Atlantis",
        ):
            assert problem in report, problem
        assert not Referral.objects.exists()

    def test_a_file_without_the_columns_says_which(self, world: Any) -> None:
        content = self._upload(world, "name,age\nAva,12\n").content.decode()
        assert "The file has no column for: given_names" in content


class TestReferralApi:
    def test_raise_a_referral_and_list_it(self, world: Any) -> None:
        from joinedup.shell.services import api_token_create

        _, token = api_token_create(actor=world.users["practitioner"], name="t", expires_in_days=1)
        headers = {"Authorization": f"Bearer {token}"}
        body = {
            "child": {"given_names": "Ava", "family_name": "Stone", "date_of_birth": "2011-05-04"},
            "harm_types": ["county_lines"],
            "indicators": "Seen in Mansfield",
            "consent": "given",
            "family_informed": True,
            "home_area": "City",
            "referrer_contact": "duty line",
        }
        created = Client().post("/api/v1/referrals", body, content_type="application/json", headers=headers)
        assert created.status_code == 201 and created.json()["status"] == "submitted"
        listed = Client().get("/api/v1/referrals", headers=headers).json()
        assert listed["count"] == 1
        bad = Client().post(
            "/api/v1/referrals", {**body, "harm_types": ["astrology"]}, content_type="application/json", headers=headers
        )
        assert bad.status_code == 422 and "harm_types" in bad.json()["error"]["fields"]

    def test_a_referral_the_api_refuses_leaves_no_draft_behind(self, world: Any) -> None:
        from joinedup.referrals.models import Referral
        from joinedup.shell.services import api_token_create

        _, token = api_token_create(actor=world.users["practitioner"], name="t", expires_in_days=1)
        body = {
            "child": {"given_names": "Ava", "family_name": "Stone"},
            "harm_types": ["county_lines"],
            "indicators": "Seen in Mansfield",
            "consent": "given",
            "family_informed": True,
            "home_area": "City",
            "referrer_contact": "",  # the schema takes it; sending needs it
        }
        refused = Client().post(
            "/api/v1/referrals", body, content_type="application/json", headers={"Authorization": f"Bearer {token}"}
        )
        assert refused.status_code == 422 and "referrer_contact" in refused.json()["error"]["fields"]
        assert not Referral.objects.exists()
