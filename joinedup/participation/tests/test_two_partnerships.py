"""Two partnerships on one install: neither sees the other's young people, and every read is audited.

The first partnership (the `world` fixture) holds an opportunity, a cohort
with a young person in it, a strategic question and young people's words.
A second partnership, built here with its own officer, lead and
practitioner, walks every participation page, export and endpoint and must
find none of it; the first partnership's own users still see theirs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from joinedup.audit.models import AuditEvent
from joinedup.conftest import PASSWORD, make_record
from joinedup.core.models import User
from joinedup.participation import services
from joinedup.participation.models import Cohort, Contribution, StrategicQuestion
from joinedup.participation.tests.test_participation import officer, opportunity_data
from joinedup.partnership.models import Agency, Area, District, Membership, Partnership, PostcodePrefix
from joinedup.partnership.roles import Role

SECRETS = (
    "Alpha Forum",
    "Zarathustra",  # the young person's display name in the cohort
    "The underpass needs lights, honestly.",
    "What would make the underpass safer?",
)


@dataclass
class Other:
    partnership: Partnership
    area: Area
    agency: Agency
    users: dict[str, User]


def second_partnership() -> Other:
    partnership = Partnership.objects.create(name="Second Partnership")
    area = Area.objects.create(partnership=partnership, name="Far Borough", short_name="Far", code="E06000099")
    district = District.objects.create(area=area, name="Far North")
    PostcodePrefix.objects.create(
        partnership=partnership, prefix="LS1", district=district, latitude=Decimal("53.8"), longitude=Decimal("-1.5")
    )
    agency = Agency.objects.create(
        partnership=partnership, name="Far Borough Council", agency_type="childrens_social_care", contact_route="Phone"
    )
    agency.areas.set([area])
    users = {}
    for role in (Role.PARTICIPATION_OFFICER, Role.STRATEGIC_LEAD, Role.PRACTITIONER):
        user = User.objects.create_user(username=f"far-{role}", password=PASSWORD)
        Membership.objects.create(user=user, agency=agency, role=role)
        users[role] = user
    return Other(partnership=partnership, area=area, agency=agency, users=users)


@pytest.fixture
def first(world: Any) -> dict[str, Any]:
    """The first partnership's participation data, with a young person's words on each route in."""
    opportunity = services.opportunity_save(
        actor=officer(world), opportunity=None, data=opportunity_data(world, title="Alpha Forum")
    )
    cohort = services.cohort_create(actor=officer(world), opportunity=opportunity, name="Alpha intake")
    child = make_record(world, given_names="Zarathustra").child
    services.cohort_put_forward(
        actor=world.users["practitioner"],
        cohort=cohort,
        child=child,
        display_name="Zarathustra",
        young_person_consent=True,
        parent_consent="given",
    )
    question = StrategicQuestion.objects.create(
        title="What would make the underpass safer?",
        board="Alpha board",
        partnership=world.partnership,
        asked_on=dt.date.today(),
    )
    contribution = services.contribution_record(
        actor=officer(world),
        data={
            "child": child,
            "question": question,
            "kind": "idea",
            "words": "The underpass needs lights, honestly.",
            "heard_on": dt.date.today(),
            "consent_use": "anonymised",
            "themes": ["safety_in_public"],
            "area": world.city,
        },
    )
    return {"cohort": cohort, "contribution": contribution, "child": child, "question": question}


def _pages(first: dict[str, Any]) -> list[str]:
    return [
        reverse("participation:directory"),
        reverse("participation:directory") + "?format=csv",
        reverse("participation:coverage"),
        reverse("participation:coverage") + "?format=csv",
        reverse("participation:coverage") + "?format=pdf",
        reverse("participation:cohorts"),
        reverse("participation:voices"),
        reverse("participation:insight"),
        reverse("public_opportunities"),
    ]


def test_the_second_partnership_sees_none_of_the_firsts_young_people(world: Any, first: dict[str, Any]) -> None:
    other = second_partnership()
    for role, user in other.users.items():
        client = Client()
        client.force_login(user)
        for url in _pages(first):
            response = client.get(url)
            if url == reverse("public_opportunities"):
                continue  # the public page is the first partnership's shop window, by design
            body = response.content.decode(errors="replace")
            assert response.status_code in {200, 403}, (role, url, response.status_code)
            for secret in SECRETS:
                assert secret not in body, (role, url, secret)
        # Objects of the first partnership are "not found", never "forbidden", and nothing changes.
        for url in (
            reverse("participation:cohort", args=[first["cohort"].uuid]),
            reverse("participation:feedback", args=[first["contribution"].uuid]),
            reverse("participation:put_forward", args=[first["child"].uuid]),
            reverse("participation:child_words", args=[first["child"].uuid]),
            reverse("children:detail", args=[first["child"].uuid]),
        ):
            assert client.get(url).status_code in {403, 404}, (role, url)
        before = AuditEvent.objects.filter(event__startswith="cohort.").count()
        assert client.post(reverse("participation:cohort_check", args=[first["cohort"].uuid])).status_code in {
            403,
            404,
        }
        assert client.post(reverse("participation:withdraw", args=[first["contribution"].uuid])).status_code in {
            403,
            404,
        }
        assert AuditEvent.objects.filter(event__startswith="cohort.").count() == before
    first["contribution"].refresh_from_db()
    assert first["contribution"].withdrawn_at is None
    assert not first["cohort"].checks.exists()


def test_the_second_officer_cannot_record_words_against_the_firsts_question(world: Any, first: dict[str, Any]) -> None:
    other = second_partnership()
    client = Client()
    client.force_login(other.users[Role.PARTICIPATION_OFFICER])
    response = client.post(
        reverse("participation:voices"),
        {
            "kind": "idea",
            "words": "Sneaky.",
            "heard_on_day": dt.date.today().day,
            "heard_on_month": dt.date.today().month,
            "heard_on_year": dt.date.today().year,
            "consent_use": "anonymised",
            "question": str(first["question"].pk),
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Contribution.objects.filter(words="Sneaky.").exists()


def test_the_first_partnership_still_sees_its_own(world: Any, first: dict[str, Any]) -> None:
    client = Client()
    client.force_login(officer(world))
    assert "The underpass needs lights, honestly." in client.get(reverse("participation:voices")).content.decode()
    assert "Zarathustra" in client.get(reverse("participation:cohort", args=[first["cohort"].uuid])).content.decode()
    lead = Client()
    lead.force_login(world.users["strategic_lead"])
    insight = lead.get(reverse("participation:insight")).content.decode()
    assert "What would make the underpass safer?" in insight and "The underpass needs lights" in insight


class TestReadsAreAudited:
    def test_opening_a_cohort_records_who_saw_which_young_people(self, world: Any, first: dict[str, Any]) -> None:
        client = Client()
        client.force_login(officer(world))
        client.get(reverse("participation:cohort", args=[first["cohort"].uuid]))
        event = AuditEvent.objects.get(event="cohort.viewed")
        assert event.actor_id == officer(world).pk
        assert event.child_uuid == first["child"].uuid
        assert event.object_uuid == first["cohort"].uuid

    def test_the_voices_page_records_whose_words_were_shown(self, world: Any, first: dict[str, Any]) -> None:
        client = Client()
        client.force_login(officer(world))
        client.get(reverse("participation:voices"))
        event = AuditEvent.objects.get(event="contributions.listed")
        assert event.child_uuid == first["child"].uuid
        assert event.detail["contributions"] == [str(first["contribution"].uuid)]

    def test_the_feedback_page_and_the_influence_ledger_are_audited(self, world: Any, first: dict[str, Any]) -> None:
        client = Client()
        client.force_login(officer(world))
        client.get(reverse("participation:feedback", args=[first["contribution"].uuid]))
        assert AuditEvent.objects.get(event="contribution.viewed").child_uuid == first["child"].uuid
        lead = Client()
        lead.force_login(world.users["strategic_lead"])
        lead.get(reverse("participation:insight"))
        event = AuditEvent.objects.get(event="influence.viewed")
        assert event.detail["contributions"] == [str(first["contribution"].uuid)]


class TestBadInput:
    @pytest.mark.parametrize("value", ["not-a-uuid", "1", "'; drop table", "0" * 200])
    def test_a_malformed_opportunity_id_is_a_form_error_not_a_500(self, world: Any, value: str) -> None:
        client = Client()
        client.force_login(officer(world))
        response = client.post(reverse("participation:cohorts"), {"opportunity": value, "name": "Spring"})
        assert response.status_code == 200
        body = response.content.decode()
        assert "govuk-error-summary" in body and "Choose the opportunity the cohort is for." in body
        assert 'value="Spring"' in body  # what was typed is kept
        assert not Cohort.objects.exists()

    def test_the_coverage_csv_neutralises_a_formula_in_a_district_name(self, world: Any) -> None:
        District.objects.filter(name="City West").update(name='=HYPERLINK("http://x.invalid","y")')
        Area.objects.filter(pk=world.city.pk).update(name="+Test City")
        client = Client()
        client.force_login(world.users["strategic_lead"])
        body = client.get(reverse("participation:coverage"), {"format": "csv"}).content.decode()
        lines = body.splitlines()
        assert any(line.startswith("'+Test City,\"'=HYPERLINK(") for line in lines), lines
        assert not any(",=" in line or line.startswith(("=", "+")) for line in lines)
