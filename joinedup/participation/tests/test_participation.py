from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from joinedup.audit.models import AuditEvent
from joinedup.children.models import AssociationType
from joinedup.children.services import association_record
from joinedup.conftest import make_record, make_user
from joinedup.participation import selectors, services
from joinedup.participation.models import CheckDecision, Cohort, CohortStatus, Opportunity
from joinedup.partnership.models import District
from joinedup.partnership.roles import Role

LUNDY = {
    "views_will_shape": "The youth offer in the area.",
    "out_of_scope": "Decisions about individual children.",
    "audience": "The Strategic Leadership Group",
    "feedback_plan": "A session within 8 weeks.",
    "hart_rung": 6,
}


def opportunity_data(world: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "title": "Youth Forum",
        "summary": "Share ideas.",
        "opportunity_type": "youth_forum",
        "provider": world.agencies["city_csc"],
        "area": world.city,
        "is_online": False,
        "venue": "Youth Centre",
        "venue_postcode": "NG7 1AB",
        "age_min": 14,
        "age_max": 18,
        "groups": ["open"],
        "accessibility": [],
        "schedule": "Tuesdays",
        "contact": "Ask your worker",
        "safeguards": ["trained_staff"],
        "status": "published",
        **LUNDY,
    }
    data.update(overrides)
    return data


def officer(world: Any) -> Any:
    return world.users["participation_officer"]


class TestPublishing:
    @pytest.mark.parametrize("missing", list(LUNDY))
    def test_influence_must_be_explicit_before_publishing(self, world: Any, missing: str) -> None:
        with pytest.raises(ValidationError) as exc:
            services.opportunity_save(
                actor=officer(world),
                opportunity=None,
                data=opportunity_data(world, **{missing: "" if missing != "hart_rung" else None}),
            )
        assert missing in exc.value.message_dict
        assert not Opportunity.objects.exists()

    def test_a_draft_may_leave_influence_for_later(self, world: Any) -> None:
        draft = services.opportunity_save(
            actor=officer(world),
            opportunity=None,
            data=opportunity_data(world, status="draft", audience="", hart_rung=None),
        )
        assert draft.status == "draft"

    @pytest.mark.parametrize("rung", [1, 2, 3])
    def test_non_participation_rungs_cannot_be_published(self, world: Any, rung: int) -> None:
        with pytest.raises(ValidationError, match="not participation"):
            services.opportunity_save(
                actor=officer(world), opportunity=None, data=opportunity_data(world, hart_rung=rung)
            )

    def test_the_venue_is_located_from_the_postcode_table(self, world: Any) -> None:
        saved = services.opportunity_save(actor=officer(world), opportunity=None, data=opportunity_data(world))
        assert saved.district.name == "City West" and saved.latitude == Decimal("52.95")
        assert AuditEvent.objects.get(event="opportunity.created").new["title"] == "Youth Forum"

    def test_a_venue_in_the_other_area_is_explained(self, world: Any) -> None:
        with pytest.raises(ValidationError) as exc:
            services.opportunity_save(
                actor=officer(world), opportunity=None, data=opportunity_data(world, venue_postcode="S80 1AB")
            )
        assert "Test County" in exc.value.message_dict["venue_postcode"][0]

    def test_ages_must_make_sense(self, world: Any) -> None:
        with pytest.raises(ValidationError) as exc:
            services.opportunity_save(
                actor=officer(world), opportunity=None, data=opportunity_data(world, age_min=16, age_max=12)
            )
        assert "age_max" in exc.value.message_dict

    def test_stale_opportunities_are_flagged(self, world: Any) -> None:
        saved = services.opportunity_save(actor=officer(world), opportunity=None, data=opportunity_data(world))
        today = dt.date.today()
        assert not selectors.is_stale(saved, today)
        Opportunity.objects.filter(pk=saved.pk).update(last_reviewed_on=today - dt.timedelta(days=200))
        saved.refresh_from_db()
        assert selectors.is_stale(saved, today)
        services.opportunity_mark_reviewed(actor=officer(world), opportunity=saved)
        assert not selectors.is_stale(saved, today)


class TestCoverage:
    def _small_set(self, world: Any) -> None:
        def save(**kw: Any) -> Opportunity:
            return services.opportunity_save(actor=officer(world), opportunity=None, data=opportunity_data(world, **kw))

        save(title="West forum", venue_postcode="NG7 1AB", age_min=14, age_max=18)
        save(
            title="Central juniors",
            venue_postcode="NG2 1AB",
            age_min=8,
            age_max=12,
            groups=["affected_by_exploitation"],
        )
        save(
            title="Rushcliffe club",
            area=world.county,
            provider=world.agencies["county_csc"],
            venue_postcode="NG2 5AB",
            age_min=16,
            age_max=21,
        )
        save(
            title="Draft only",
            venue_postcode="S80 1AB",
            area=world.county,
            provider=world.agencies["county_csc"],
            status="draft",
            age_min=11,
            age_max=13,
        )

    def test_gaps_are_computed_from_published_opportunities(self, world: Any) -> None:
        self._small_set(world)
        result = selectors.coverage(partnership=world.partnership)
        rows = {r.district.name: r for r in result.districts}
        assert rows["City West"].by_band["14-15"] == 1 and rows["City West"].by_band["11-13"] == 0
        assert "no opportunity for 11-13 year olds" in rows["City West"].gaps
        assert rows["City Central"].by_band["11-13"] == 1
        # The draft in Bassetlaw does not fill its gap.
        assert rows["Bassetlaw"].total == 0 and "no opportunity for 11-13 year olds" in rows["Bassetlaw"].gaps
        assert "nothing specifically for young people affected by exploitation" in result.area_gaps["Test County"]
        assert (
            "only one opportunity specifically for young people affected by exploitation"
            in result.area_gaps["Test City"]
        )

    def test_distance_to_the_nearest_suitable_opportunity(self, world: Any) -> None:
        self._small_set(world)
        result = selectors.coverage(partnership=world.partnership, band="8-10")
        rows = {r.district.name: r for r in result.districts}
        # Only Central juniors suits 8-10: its own district is 0 km away, Bassetlaw about 40 km.
        assert rows["City Central"].nearest_km == 0.0
        assert rows["City Central"].nearest.title == "Central juniors"
        assert 35 < rows["Bassetlaw"].nearest_km < 45
        assert selectors._km(52.95, -1.18, 53.30, -1.12) == pytest.approx(39.2, abs=0.5)

    def test_online_opportunities_count_for_every_district_of_their_area(self, world: Any) -> None:
        services.opportunity_save(
            actor=officer(world),
            opportunity=None,
            data=opportunity_data(world, is_online=True, venue="", venue_postcode="", age_min=11, age_max=13),
        )
        rows = {r.district.name: r for r in selectors.coverage(partnership=world.partnership).districts}
        assert rows["City West"].by_band["11-13"] == 1 and rows["City Central"].by_band["11-13"] == 1
        assert rows["Bassetlaw"].by_band["11-13"] == 0


class TestSafeCohorts:
    def _cohort(self, world: Any) -> tuple[Cohort, list[Any]]:
        opportunity = services.opportunity_save(actor=officer(world), opportunity=None, data=opportunity_data(world))
        cohort = services.cohort_create(actor=officer(world), opportunity=opportunity, name="Spring")
        practitioner = world.users["practitioner"]
        children = [make_record(world, given_names=name).child for name in ("Ava", "Ben", "Cal")]
        for child, name in zip(children, ("Ava", "Ben", "Cal"), strict=True):
            services.cohort_put_forward(
                actor=practitioner,
                cohort=cohort,
                child=child,
                display_name=name,
                young_person_consent=True,
                parent_consent="given",
            )
        return cohort, children

    def test_the_check_flags_a_linked_pair_and_not_an_unlinked_one(self, world: Any) -> None:
        cohort, (ava, ben, cal) = self._cohort(world)
        association_record(
            actor=world.users["practitioner"],
            child_a=ava,
            child_b=cal,
            association_type=AssociationType.PEER,
            source_agency=world.agencies["police"],
            confidence="high",
        )
        check = services.safety_check_run(actor=officer(world), cohort=cohort)
        assert check.pairs_checked == 3
        members = {m.display_name: str(m.uuid) for m in cohort.members.all()}
        assert check.flagged_pairs == [sorted([members["Ava"], members["Cal"]])]
        event = AuditEvent.objects.get(event="cohort.safety_checked")
        assert event.detail == {"cohort": str(cohort.uuid), "pairs_checked": 3, "links_found": 1}

    def test_the_officer_sees_that_a_link_exists_and_who_to_ask_never_why(self, world: Any) -> None:
        cohort, (ava, ben, cal) = self._cohort(world)
        association_record(
            actor=world.users["practitioner"],
            child_a=ava,
            child_b=cal,
            association_type=AssociationType.EXPLOITED_TOGETHER,
            source_agency=world.agencies["police"],
            confidence="high",
        )
        services.safety_check_run(actor=officer(world), cohort=cohort)
        client = Client()
        client.force_login(officer(world))
        content = client.get(reverse("participation:cohort", args=[cohort.uuid])).content.decode()
        assert "Ava and Cal have a safeguarding link: speak to their lead practitioners" in content, content[
            content.find("Safety check") :
        ][:1500]
        assert str(world.users["practitioner"]) in content
        for secret in ("exploited", "Exploited", "Shire Police", "high", "Test-Child", "REF-"):
            assert secret not in content, secret

    def test_a_cohort_is_confirmed_only_after_a_current_check_and_a_decision(self, world: Any) -> None:
        cohort, (ava, ben, cal) = self._cohort(world)
        with pytest.raises(ValidationError, match="Run the safety check"):
            services.cohort_confirm(actor=officer(world), cohort=cohort)
        association_record(
            actor=world.users["practitioner"],
            child_a=ava,
            child_b=ben,
            association_type=AssociationType.CONFLICT,
            source_agency=world.agencies["city_csc"],
            confidence="medium",
        )
        check = services.safety_check_run(actor=officer(world), cohort=cohort)
        with pytest.raises(ValidationError, match="record a decision"):
            services.cohort_confirm(actor=officer(world), cohort=cohort)
        services.safety_check_decide(
            actor=officer(world), check=check, decision=CheckDecision.PROCEED, note="Both workers agree."
        )
        services.cohort_confirm(actor=officer(world), cohort=cohort)
        cohort.refresh_from_db()
        assert cohort.status == CohortStatus.CONFIRMED
        assert set(cohort.members.values_list("status", flat=True)) == {"placed"}

    def test_putting_forward_needs_consent(self, world: Any) -> None:
        cohort, _ = self._cohort(world)
        child = make_record(world).child
        with pytest.raises(ValidationError) as exc:
            services.cohort_put_forward(
                actor=world.users["practitioner"],
                cohort=cohort,
                child=child,
                display_name="Dee",
                young_person_consent=False,
                parent_consent="withheld",
            )
        assert {"young_person_consent", "parent_consent"} <= set(exc.value.message_dict)

    def test_a_practitioner_can_only_put_forward_a_child_in_their_work(self, world: Any) -> None:
        opportunity = services.opportunity_save(actor=officer(world), opportunity=None, data=opportunity_data(world))
        services.cohort_create(actor=officer(world), opportunity=opportunity, name="Spring")
        other = make_record(world, agency="police").child
        client = Client()
        client.force_login(world.users["practitioner"])
        assert client.get(reverse("participation:put_forward", args=[other.uuid])).status_code == 404


class TestVoices:
    def test_a_contribution_and_its_feedback_close_the_loop(self, world: Any) -> None:
        child = make_record(world, given_names="Mia").child
        contribution = services.contribution_record(
            actor=officer(world),
            data={
                "child": child,
                "about_own_plan": True,
                "kind": "worry",
                "words": "Too many workers.",
                "heard_on": dt.date.today(),
                "consent_use": "anonymised",
                "themes": ["too_many_meetings"],
            },
        )
        assert selectors.awaiting_feedback(user=officer(world), partnership=world.partnership) == [contribution]
        today = dt.date.today()
        services.feedback_record(
            actor=officer(world),
            contribution=contribution,
            data={
                "what_changed": "One lead worker.",
                "decided_by": "Team manager",
                "decided_on": today,
                "told_how": "In person",
                "told_on": today,
            },
        )
        assert selectors.awaiting_feedback(user=officer(world), partnership=world.partnership) == []
        client = Client()
        client.force_login(world.users["practitioner"])
        page = client.get(reverse("children:detail", args=[child.uuid])).content.decode()
        assert "Too many workers." in page and "One lead worker." in page

    def test_a_withdrawn_contribution_is_no_longer_shown_or_counted(self, world: Any) -> None:
        child = make_record(world).child
        contribution = services.contribution_record(
            actor=officer(world),
            data={
                "child": child,
                "about_own_plan": True,
                "kind": "view",
                "words": "Take this back.",
                "heard_on": dt.date.today(),
                "consent_use": "anonymised",
                "themes": ["school"],
            },
        )
        services.contribution_withdraw(actor=officer(world), contribution=contribution)
        assert (
            selectors.awaiting_feedback(user=officer(world), partnership=world.partnership) == []
            and selectors.themes_by_area_and_quarter(partnership=world.partnership) == {}
        )
        client = Client()
        client.force_login(world.users["practitioner"])
        assert "Take this back." not in client.get(reverse("children:detail", args=[child.uuid])).content.decode()

    def test_feedback_cannot_predate_the_decision(self, world: Any) -> None:
        contribution = services.contribution_record(
            actor=officer(world),
            data={
                "about_own_plan": False,
                "kind": "idea",
                "words": "Lights.",
                "heard_on": dt.date.today(),
                "consent_use": "anonymised",
                "themes": [],
                "question": None,
                "opportunity": services.opportunity_save(
                    actor=officer(world), opportunity=None, data=opportunity_data(world)
                ),
            },
        )
        today = dt.date.today()
        with pytest.raises(ValidationError) as exc:
            services.feedback_record(
                actor=officer(world),
                contribution=contribution,
                data={
                    "what_changed": "x",
                    "decided_by": "y",
                    "decided_on": today,
                    "told_how": "z",
                    "told_on": today - dt.timedelta(days=1),
                },
            )
        assert "told_on" in exc.value.message_dict


class TestPublicPage:
    def test_it_lists_published_opportunities_only_and_nothing_about_any_child(self, world: Any) -> None:
        services.opportunity_save(
            actor=officer(world), opportunity=None, data=opportunity_data(world, title="Open Forum")
        )
        services.opportunity_save(
            actor=officer(world), opportunity=None, data=opportunity_data(world, title="Secret Draft", status="draft")
        )
        record = make_record(world, given_names="Zephyrine", family_name="Quartermaine")
        services.contribution_record(
            actor=officer(world),
            data={
                "child": record.child,
                "about_own_plan": True,
                "kind": "view",
                "words": "Private words.",
                "heard_on": dt.date.today(),
                "consent_use": "named",
                "themes": [],
            },
        )
        response = Client().get(reverse("public_opportunities"))
        content = response.content.decode()
        assert response.status_code == 200
        assert "Open Forum" in content and "Secret Draft" not in content
        for secret in ("Zephyrine", "Quartermaine", "Private words", str(record.child.uuid)):
            assert secret not in content

    def test_it_filters_by_age(self, world: Any) -> None:
        services.opportunity_save(
            actor=officer(world), opportunity=None, data=opportunity_data(world, title="Teen Forum")
        )
        assert "Teen Forum" not in Client().get(reverse("public_opportunities"), {"age": "9"}).content.decode()
        assert "Teen Forum" in Client().get(reverse("public_opportunities"), {"age": "15"}).content.decode()


class TestAccess:
    @pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.ANALYST, Role.DATA_PROTECTION_OFFICER])
    def test_only_participation_officers_manage_opportunities_cohorts_and_voices(self, world: Any, role: str) -> None:
        client = Client()
        client.force_login(make_user(world, role=role))
        for name in ("participation:opportunity_create", "participation:cohorts", "participation:voices"):
            assert client.get(reverse(name)).status_code == 403, name

    def test_strategic_leads_see_coverage_and_influence(self, world: Any) -> None:
        client = Client()
        client.force_login(world.users["strategic_lead"])
        assert client.get(reverse("participation:coverage")).status_code == 200
        assert client.get(reverse("participation:insight")).status_code == 200
        csv_response = client.get(reverse("participation:coverage"), {"format": "csv"})
        assert csv_response["Content-Type"].startswith("text/csv")
        assert client.get(reverse("participation:coverage"), {"format": "pdf"}).content.startswith(b"%PDF")

    def test_the_directory_exports_csv(self, world: Any) -> None:
        services.opportunity_save(actor=officer(world), opportunity=None, data=opportunity_data(world, title="=cmd"))
        client = Client()
        client.force_login(officer(world))
        body = client.get(reverse("participation:directory"), {"format": "csv"}).content.decode()
        assert "'=cmd" in body


def test_district_fixture_has_centroids(world: Any) -> None:
    assert District.objects.filter(area=world.county, name="Bassetlaw").exists()
