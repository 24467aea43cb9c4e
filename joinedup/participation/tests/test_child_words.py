"""A young person's words on their child page follow the access policy and their consent.

The words here are held by a youth project (a third-sector agency, whose
records are social care data). Other agencies' staff working with the same
child see them only where the young person agreed to identifiable use and an
agreement shares the youth project's social care data with them; every
partner's words shown leave a disclosure row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from joinedup.audit.models import AuditEvent
from joinedup.children.models import Disclosure
from joinedup.conftest import make_agreement, make_record, make_user, same_child
from joinedup.participation import services
from joinedup.participation.models import Contribution
from joinedup.partnership.models import Agency
from joinedup.referrals.models import Referral, ReferralStatus

ANON = "The bus station after dark is where they wait."
NAMED = "I want one worker who stays with me."
PLAN = "Please stop moving my meetings to school."


@pytest.fixture
def youth(world: Any) -> dict[str, Any]:
    project = Agency.objects.create(
        partnership=world.partnership, name="Safe Routes Youth Project", agency_type="third_sector", contact_route="x"
    )
    project.areas.set([world.city, world.county])
    world.agencies["youth"] = project
    worker = make_user(world, role="practitioner", agency="youth")
    records = [make_record(world, agency=a) for a in ("youth", "city_csc", "health", "police")]
    child = same_child(*records)
    for consent, words in (("anonymised", ANON), ("named", NAMED), ("my_plan_only", PLAN)):
        services.contribution_record(
            actor=worker,
            data={
                "child": child,
                "about_own_plan": True,
                "kind": "view",
                "words": words,
                "heard_on": dt.date.today(),
                "consent_use": consent,
                "themes": [],
            },
        )
    return {
        "child": child,
        "worker": worker,
        "records": dict(zip(("youth", "city_csc", "health", "police"), records, strict=True)),
    }


def _child_page(user: Any, child: Any) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("children:detail", args=[child.uuid]))
    assert response.status_code == 200
    return response.content.decode()


def _word_disclosures(user: Any) -> list[Disclosure]:
    return list(Disclosure.objects.filter(user=user, categories=["social_care"]))


def test_the_holding_agency_sees_all_its_words(world: Any, youth: dict[str, Any]) -> None:
    colleague = make_user(world, role="practitioner", agency="youth")
    page = _child_page(colleague, youth["child"])
    assert ANON in page and NAMED in page and PLAN in page
    assert "Safe Routes Youth Project" in page and "Anonymised, to help change services".lower() in page
    event = AuditEvent.objects.get(event="child.words_viewed", actor=colleague)
    assert len(event.detail["contributions"]) == 3 and event.detail["partner_records"] == []


def test_a_school_nurse_with_no_agreement_sees_none_of_them(world: Any, youth: dict[str, Any]) -> None:
    nurse = make_user(world, role="practitioner", agency="health")
    page = _child_page(nurse, youth["child"])
    for words in (ANON, NAMED, PLAN):
        assert words not in page
    assert "Nothing recorded in their own words that you may see." in page
    assert not _word_disclosures(nurse)


def test_a_social_worker_with_a_know_of_agreement_sees_none_of_them(world: Any, youth: dict[str, Any]) -> None:
    make_agreement(world, parties=("city_csc", "youth"), know_of_only=True)
    worker = make_user(world, role="practitioner", agency="city_csc")
    page = _child_page(worker, youth["child"])
    for words in (ANON, NAMED, PLAN):
        assert words not in page
    assert not _word_disclosures(worker)


def test_an_agreement_sharing_social_care_shows_identifiable_words_only_and_logs_them(
    world: Any, youth: dict[str, Any]
) -> None:
    make_agreement(world, parties=("city_csc", "youth"), categories=("identity", "social_care"))
    worker = make_user(world, role="practitioner", agency="city_csc")
    page = _child_page(worker, youth["child"])
    assert NAMED in page and PLAN in page
    # Anonymised words never travel with the child's name beyond the agency that heard them.
    assert ANON not in page
    (disclosure,) = _word_disclosures(worker)
    assert disclosure.holder_agency.name == "Safe Routes Youth Project"
    assert disclosure.record == youth["records"]["youth"] and disclosure.purpose == "direct_work"
    event = AuditEvent.objects.get(event="child.words_viewed", actor=worker)
    assert len(event.detail["contributions"]) == 2


def test_an_agreement_without_social_care_shows_nothing(world: Any, youth: dict[str, Any]) -> None:
    make_agreement(world, parties=("city_csc", "youth"), categories=("identity", "contact"))
    worker = make_user(world, role="practitioner", agency="city_csc")
    page = _child_page(worker, youth["child"])
    assert NAMED not in page and PLAN not in page
    assert not _word_disclosures(worker)


def test_withdrawn_words_are_shown_to_nobody(world: Any, youth: dict[str, Any]) -> None:
    Contribution.objects.filter(words=NAMED).update(withdrawn_at=timezone.now())
    colleague = make_user(world, role="practitioner", agency="youth")
    assert NAMED not in _child_page(colleague, youth["child"])


class TestReferralWords:
    WORDS = "He said I owe him for the trainers."

    def _referral(self, world: Any, youth: dict[str, Any]) -> Referral:
        return Referral.objects.create(
            child=youth["child"],
            referring_agency=world.agencies["city_csc"],
            referrer_name="Amira Test-Worker",
            child_says=self.WORDS,
            status=ReferralStatus.SUBMITTED,
            received_at=timezone.now(),
            created_by=world.users["practitioner"],
        )

    def test_the_referring_agency_sees_the_childs_words_from_the_referral(
        self, world: Any, youth: dict[str, Any]
    ) -> None:
        self._referral(world, youth)
        page = _child_page(world.users["practitioner"], youth["child"])
        assert self.WORDS in page and "in the referral" in page and "Amira Test-Worker" in page

    def test_a_draft_referral_shows_nothing(self, world: Any, youth: dict[str, Any]) -> None:
        referral = self._referral(world, youth)
        Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.DRAFT)
        assert self.WORDS not in _child_page(world.users["practitioner"], youth["child"])

    def test_a_partner_sees_them_only_when_the_agreement_covers_the_referrers_social_care(
        self, world: Any, youth: dict[str, Any]
    ) -> None:
        self._referral(world, youth)
        officer = make_user(world, role="practitioner", agency="police")
        make_agreement(world, parties=("city_csc", "police"), categories=("identity", "contact"))
        assert self.WORDS not in _child_page(officer, youth["child"])
        make_agreement(world, parties=("city_csc", "police"), categories=("social_care",))
        assert self.WORDS in _child_page(officer, youth["child"])
        disclosure = Disclosure.objects.get(user=officer, categories=["social_care"])
        assert disclosure.holder_agency == world.agencies["city_csc"]

    def test_the_chronology_shows_a_partner_the_words_the_voices_section_does(
        self, world: Any, youth: dict[str, Any]
    ) -> None:
        # The officer may not open City's referral itself, yet the agreement shares City's social
        # care data: the words show in the voices section, so in the chronology too.
        self._referral(world, youth)
        officer = make_user(world, role="practitioner", agency="police")
        chronology = reverse("chronology:chronology", args=[youth["child"].uuid])
        client = Client()
        client.force_login(officer)
        make_agreement(world, parties=("city_csc", "police"), categories=("identity", "contact"))
        assert self.WORDS not in client.get(chronology).content.decode()
        make_agreement(world, parties=("city_csc", "police"), categories=("social_care",))
        page = client.get(chronology).content.decode()
        assert self.WORDS in page and "in a referral" in page
        assert self.WORDS in _child_page(officer, youth["child"])


class TestRecordingWordsFromTheChildPage:
    def _post(self, user: Any, child: Any, **data: Any) -> Any:
        client = Client()
        client.force_login(user)
        today = dt.date.today()
        body = {
            "kind": "worry",
            "words": "I don't feel safe on the 36 bus.",
            "heard_on_day": today.day,
            "heard_on_month": today.month,
            "heard_on_year": today.year,
            "consent_use": "my_plan_only",
        }
        body.update(data)
        return client.post(reverse("participation:child_words", args=[child.uuid]), body)

    def test_the_child_page_offers_the_form_and_the_words_appear_there(self, world: Any, youth: dict[str, Any]) -> None:
        worker = world.users["practitioner"]
        page = _child_page(worker, youth["child"])
        assert reverse("participation:child_words", args=[youth["child"].uuid]) in page
        response = self._post(worker, youth["child"])
        assert response.status_code == 302 and response["Location"].endswith("#own-words")
        saved = Contribution.objects.get(words="I don't feel safe on the 36 bus.")
        assert saved.heard_by == worker and saved.about_own_plan and saved.consent_use == "my_plan_only"
        assert AuditEvent.objects.filter(event="contribution.recorded", child_uuid=youth["child"].uuid).exists()
        page = _child_page(worker, youth["child"])
        assert "I don&#x27;t feel safe on the 36 bus." in page
        assert "only for my own plan" in page

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("words", "", "Enter"),
            ("heard_on_year", str(dt.date.today().year + 1), "today or in the past"),
            ("consent_use", "everyone", "Select a valid choice"),
            ("kind", "", "Choose what they shared"),
        ],
    )
    def test_bad_input_is_explained_and_nothing_is_saved(
        self, world: Any, youth: dict[str, Any], field: str, value: str, message: str
    ) -> None:
        before = Contribution.objects.count()
        response = self._post(world.users["practitioner"], youth["child"], **{field: value})
        body = response.content.decode()
        assert response.status_code == 200 and "govuk-error-summary" in body and message in body, body[:3000]
        assert Contribution.objects.count() == before

    @pytest.mark.parametrize("who", ["dpo", "strategic_lead", "analyst", "participation_officer", "no_record"])
    def test_who_may_not_open_the_child_for_direct_work_gets_404_and_nothing_changes(
        self, world: Any, youth: dict[str, Any], who: str
    ) -> None:
        user = make_user(world, role="practitioner", agency="county_csc") if who == "no_record" else world.users[who]
        before = Contribution.objects.count()
        assert self._post(user, youth["child"]).status_code == 404
        client = Client()
        client.force_login(user)
        assert client.get(reverse("participation:child_words", args=[youth["child"].uuid])).status_code == 404
        assert Contribution.objects.count() == before

    def test_anonymous_users_are_sent_to_sign_in(self, world: Any, youth: dict[str, Any]) -> None:
        response = Client().post(reverse("participation:child_words", args=[youth["child"].uuid]), {"words": "x"})
        assert response.status_code == 302 and "sign-in" in response["Location"]


def test_words_for_their_own_plan_stay_off_the_officers_page_and_words_to_change_services_reach_it(
    world: Any, youth: dict[str, Any]
) -> None:
    """The young person chose: words for their own plan only stay with those working on it, and
    anonymised words with the agency that heard them; words they agreed may help change services
    with their name reach the participation officer, who closes the loop on them."""
    officer = make_user(world, role="participation_officer", agency="county_csc")
    client = Client()
    client.force_login(officer)
    page = client.get(reverse("participation:voices")).content.decode()
    # Anonymised words were agreed for "only your agency": another agency's officer never reads them.
    assert PLAN not in page and ANON not in page and NAMED in page
    plan = Contribution.objects.get(words=PLAN)
    assert client.get(reverse("participation:feedback", args=[plan.uuid])).status_code == 404
    assert client.post(reverse("participation:withdraw", args=[plan.uuid])).status_code == 404
    plan.refresh_from_db()
    assert plan.withdrawn_at is None
    named = Contribution.objects.get(words=NAMED)
    assert client.get(reverse("participation:feedback", args=[named.uuid])).status_code == 200
    # On the child's page, only the words waiting for someone to close the loop say so.
    own = _child_page(youth["worker"], youth["child"])
    plan_block = own[own.index(PLAN) :].split('class="govuk-inset-text"')[0]
    named_block = own[own.index(NAMED) :].split('class="govuk-inset-text"')[0]
    assert "Not yet fed back" not in plan_block and "Not yet fed back" in named_block


def test_the_agency_that_heard_the_words_withdraws_them_from_the_childs_page(world: Any, youth: dict[str, Any]) -> None:
    colleague = make_user(world, role="practitioner", agency="youth")
    page = _child_page(colleague, youth["child"])
    assert page.count("Withdraw at their request") == 3
    plan = Contribution.objects.get(words=PLAN)
    client = Client()
    client.force_login(colleague)
    response = client.post(reverse("participation:withdraw", args=[plan.uuid]))
    assert response["Location"].endswith(f"/children/{youth['child'].uuid}/#own-words")
    plan.refresh_from_db()
    assert plan.withdrawn_at is not None
    assert PLAN not in _child_page(colleague, youth["child"])
    assert AuditEvent.objects.filter(event="contribution.withdrawn", actor=colleague).exists()
    # Another agency working with the child may not take back words it did not hear.
    named = Contribution.objects.get(words=NAMED)
    social_worker = make_user(world, role="practitioner", agency="city_csc")
    other = Client()
    other.force_login(social_worker)
    assert "Withdraw at their request" not in _child_page(social_worker, youth["child"])
    assert other.post(reverse("participation:withdraw", args=[named.uuid])).status_code == 404
    named.refresh_from_db()
    assert named.withdrawn_at is None
