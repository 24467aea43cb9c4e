from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from joinedup.audit.models import AuditEvent
from joinedup.children.models import AgencyRecord
from joinedup.conftest import make_agreement, make_record, make_user, same_child
from joinedup.core.datafiles import DataFileError
from joinedup.partnership.roles import Role
from joinedup.pathways import alignment, selectors, services
from joinedup.pathways.definitions import DEFINITIONS_DIR, parse, shipped_definitions
from joinedup.pathways.models import Case, ClosureDay, HandoverStatus
from joinedup.referrals.taxonomy import cin_codes_for, cin_factors

LONDON = ZoneInfo("Europe/London")


def at(y: int, m: int, d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, h, 0, tzinfo=LONDON)


def cp() -> Any:
    return shipped_definitions()["child-protection@1"]


def open_case(
    world: Any,
    definition: Any = None,
    *,
    area: Any = None,
    agency: str = "city_csc",
    started: dt.datetime | None = None,
) -> Case:
    child = make_record(world, agency=agency).child
    return services.case_open(
        actor=world.users["screener"],
        child=child,
        definition=definition or cp(),
        area=area or world.city,
        lead_agency=world.agencies[agency],
        started_at=started or at(2025, 12, 22),
    )


class TestDefinitions:
    def test_every_shipped_definition_loads(self) -> None:
        assert set(shipped_definitions()) == {"child-protection@1", "efh-city@1", "efh-county@1", "missing@1"}

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            (("purpose: strategy", "purpose: chatting"), "stages[1].purpose 'chatting' is not one of"),
            (
                ("{from: strategy, to: enquiry", "{from: strategy, to: nowhere"),
                "transitions[2].to names unknown stage 'nowhere'",
            ),
            (("within: {working_days: 15}", "within: {fortnights: 1}"), "clocks[2].within: 'fortnights' is not one of"),
            (
                ("within: {working_days: 1}", "within: {working_days: 0}"),
                "clocks[0].within.working_days must be a whole number",
            ),
            (
                ("from_event: strategy_discussion_held", "from_event: tea_break"),
                "clocks[2].from_event 'tea_break' is not one of",
            ),
            (("roles: [screener]}", "roles: [wizard]}"), "stages[0].responsible.roles: 'wizard' is not one of"),
            (("version: 1", "version: one"), "definition.version must be a whole number"),
        ],
    )
    def test_invalid_definitions_name_the_file_line_and_field(
        self, tmp_path: Path, change: tuple[str, str], message: str
    ) -> None:
        text = (DEFINITIONS_DIR / "child-protection.yaml").read_text().replace(*change, 1)
        broken = tmp_path / "broken.yaml"
        broken.write_text(text)
        with pytest.raises(DataFileError) as exc:
            parse(broken)
        line = next(i for i, row in enumerate(text.splitlines(), start=1) if change[1] in row)
        assert f"broken.yaml:{line}:" in str(exc.value) or f"broken.yaml:{line - 1}:" in str(exc.value), str(exc.value)
        assert message in str(exc.value)

    def test_cin_codes_are_versioned(self) -> None:
        assert cin_factors()["18A"].valid_in(2023) and not cin_factors()["18A"].valid_in(2024)
        assert cin_codes_for(["physical_abuse"], 2023) == ["18A"]
        assert cin_codes_for(["physical_abuse"], 2025) == ["18C"]
        assert cin_codes_for(["county_lines"], 2025) == ["13A", "24A"]


class TestClocks:
    def test_the_statutory_child_protection_timescales(self, world: Any) -> None:
        # Referral on Monday 22 December 2025: Christmas, Boxing Day and New Year's Day in the way.
        case = open_case(world)
        tasks = {t.clock_id: t for t in case.tasks.all()}
        assert tasks["referral_decision"].due_at.date() == dt.date(2025, 12, 23)
        assert tasks["assessment"].due_at.date() == dt.date(2026, 2, 26)
        services.case_record_event(
            actor=world.users["screener"], case=case, event="screening_decided", at=at(2025, 12, 23)
        )
        services.meeting_record(
            actor=world.users["screener"],
            case=case,
            kind="strategy_discussion",
            held_at=at(2025, 12, 24),
            attendees="Social care, police, health",
        )
        icpc = case.tasks.get(clock_id="initial_conference")
        assert icpc.due_at.date() == dt.date(2026, 1, 19)  # 15 working days after Christmas Eve
        services.meeting_record(
            actor=world.users["screener"],
            case=case,
            kind="initial_conference",
            held_at=at(2026, 1, 16),
            attendees="Chair, social worker, police, school",
        )
        tasks = {t.clock_id: t for t in case.tasks.all()}
        assert tasks["initial_conference"].completed_at is not None
        assert tasks["first_core_group"].due_at.date() == dt.date(2026, 1, 30)
        assert tasks["first_review"].due_at.date() == dt.date(2026, 4, 16)
        assert tasks["referral_decision"].completed_at is not None

    def test_the_review_repeats_six_monthly(self, world: Any) -> None:
        case = open_case(world)
        services.meeting_record(
            actor=world.users["screener"], case=case, kind="review_conference", held_at=at(2026, 4, 14), attendees="x"
        )
        assert case.tasks.get(clock_id="next_review", completed_at__isnull=True).due_at.date() == dt.date(2026, 10, 14)

    def test_the_return_interview_is_due_72_hours_after_return(self, world: Any) -> None:
        case = open_case(world, shipped_definitions()["missing@1"])
        services.case_record_event(
            actor=world.users["screener"], case=case, event="child_returned", at=at(2025, 12, 24, 22)
        )
        task = case.tasks.get(clock_id="return_interview")
        assert task.due_at == at(2025, 12, 27, 22)

    def test_partnership_closure_days_move_the_clocks(self, world: Any) -> None:
        ClosureDay.objects.create(partnership=world.partnership, date=dt.date(2025, 12, 23), name="Office closure")
        case = open_case(world)
        assert case.tasks.get(clock_id="referral_decision").due_at.date() == dt.date(2025, 12, 24)

    def test_overdue_tasks_show_on_the_case_and_the_team_list(self, world: Any) -> None:
        case = open_case(world, started=at(2025, 1, 6))
        client = Client()
        client.force_login(world.users["screener"])
        assert "Overdue" in client.get(reverse("pathways:case", args=[case.uuid])).content.decode()
        assert "Overdue" in client.get(reverse("pathways:tasks")).content.decode()


class TestTransitions:
    def test_only_defined_transitions_are_allowed(self, world: Any) -> None:
        case = open_case(world)
        with pytest.raises(ValidationError) as exc:
            services.case_move(actor=world.users["screener"], case=case, to_stage="plan", reason="skip")
        assert "can move to: Strategy discussion, Closed" in str(exc.value)
        services.case_move(actor=world.users["screener"], case=case, to_stage="strategy", reason="Harm suspected")
        case.refresh_from_db()
        assert case.stage_id == "strategy"

    def test_moving_to_closure_closes_and_cancels_open_tasks(self, world: Any) -> None:
        case = open_case(world)
        services.case_move(
            actor=world.users["screener"], case=case, to_stage="closed", reason="Step down to early help"
        )
        case.refresh_from_db()
        assert (
            case.status == "closed"
            and not case.tasks.filter(completed_at__isnull=True, cancelled_at__isnull=True).exists()
        )


class TestHandover:
    def test_a_handed_over_case_keeps_its_timeline_tasks_and_meetings(self, world: Any) -> None:
        case = open_case(world, shipped_definitions()["efh-city@1"])
        services.case_record_event(
            actor=world.users["screener"], case=case, event="screening_decided", at=at(2025, 12, 22, 15)
        )
        services.meeting_record(
            actor=world.users["screener"],
            case=case,
            kind="strategy_discussion",
            held_at=at(2025, 12, 23),
            attendees="x",
        )
        before_events = case.events.count()
        before_tasks = set(case.tasks.values_list("pk", flat=True))
        handover = services.handover_offer(
            actor=world.users["screener"],
            case=case,
            to_area=world.county,
            to_agency=world.agencies["county_csc"],
            reason="Moved to Worksop",
        )
        receiver = make_user(world, role=Role.SCREENER, agency="county_csc")
        accepted = services.handover_accept(actor=receiver, handover=handover)
        assert accepted.area == world.county and accepted.lead_agency == world.agencies["county_csc"]
        assert accepted.pathway.definition_id == "efh-county"
        assert set(accepted.tasks.values_list("pk", flat=True)) == before_tasks
        assert accepted.meetings.count() == 1
        assert accepted.events.count() == before_events + 2
        assert accepted.events.filter(kind="handover_accepted", area__isnull=True).exists()  # both areas see it
        handover.refresh_from_db()
        assert handover.status == HandoverStatus.ACCEPTED
        # The County pathway restarts its clocks from acceptance.
        assert all(
            t.owner_agency == world.agencies["county_csc"] for t in accepted.tasks.filter(completed_at__isnull=True)
        )

    def test_clocks_continue_where_the_definition_says(self, world: Any) -> None:
        case = open_case(world)
        due = case.tasks.get(clock_id="assessment").due_at
        handover = services.handover_offer(
            actor=world.users["screener"],
            case=case,
            to_area=world.county,
            to_agency=world.agencies["county_csc"],
            reason="Moved",
        )
        services.handover_accept(actor=make_user(world, role=Role.SCREENER, agency="county_csc"), handover=handover)
        assert case.tasks.get(clock_id="assessment").due_at == due

    def test_a_declined_handover_needs_a_reason_and_leaves_the_case(self, world: Any) -> None:
        case = open_case(world)
        handover = services.handover_offer(
            actor=world.users["screener"],
            case=case,
            to_area=world.county,
            to_agency=world.agencies["county_csc"],
            reason="Moved",
        )
        receiver = make_user(world, role=Role.SCREENER, agency="county_csc")
        with pytest.raises(ValidationError):
            services.handover_decline(actor=receiver, handover=handover, reason="")
        services.handover_decline(actor=receiver, handover=handover, reason="The child still lives in the city.")
        case.refresh_from_db()
        assert case.area == world.city

    def test_only_the_other_area_can_receive(self, world: Any) -> None:
        case = open_case(world)
        with pytest.raises(ValidationError) as exc:
            services.handover_offer(
                actor=world.users["screener"],
                case=case,
                to_area=world.city,
                to_agency=world.agencies["city_csc"],
                reason="x",
            )
        assert "to_area" in exc.value.message_dict


class TestParallel:
    def test_cp_beside_the_exploitation_pathway_in_both_areas_is_flagged(self, world: Any) -> None:
        first = open_case(world)
        second = services.case_open(
            actor=world.users["screener"],
            child=first.child,
            definition=shipped_definitions()["efh-county@1"],
            area=world.county,
            lead_agency=world.agencies["county_csc"],
            started_at=at(2025, 12, 23),
        )
        services.meeting_record(
            actor=world.users["screener"],
            case=first,
            kind="strategy_discussion",
            held_at=at(2025, 12, 23),
            attendees="x",
        )
        services.meeting_record(
            actor=world.users["screener"],
            case=second,
            kind="strategy_discussion",
            held_at=at(2025, 12, 24),
            attendees="y",
        )
        [flag] = selectors.parallel_processes(Case.objects.all())
        assert "on the child protection pathway and the exploitation pathway at once" in flag.reasons
        assert "open in both areas" in flag.reasons
        assert any("two meetings in the same week" in r for r in flag.reasons)
        # The two councils share social care records: each sees the other's process in full.
        make_agreement(world, parties=("city_csc", "county_csc"), categories=("identity", "social_care"))
        client = Client()
        client.force_login(world.users["screener"])
        page = client.get(reverse("children:detail", args=[first.child.uuid])).content.decode()
        assert "Parallel processes: this child is on the child protection pathway" in page

    def test_the_warning_says_no_more_of_a_process_than_the_user_may_see(self, world: Any) -> None:
        """Which pathway a process is on, in which area, and its meetings are the lead agency's
        records: someone who may only know of a process is told it is open, and by whom."""
        first = open_case(world)
        services.case_open(
            actor=world.users["screener"],
            child=first.child,
            definition=shipped_definitions()["efh-county@1"],
            area=world.county,
            lead_agency=world.agencies["county_csc"],
            started_at=at(2025, 12, 23),
        )
        make_record(world, agency="police", given_names="Jordan", family_name="Test-Child")
        same_child(*first.child.records.all(), *AgencyRecord.objects.filter(agency=world.agencies["police"]))
        make_agreement(world, parties=("city_csc", "police"), know_of_only=True)
        for user in (world.users["screener"], make_user(world, role="practitioner", agency="police")):
            client = Client()
            client.force_login(user)
            page = client.get(reverse("children:detail", args=[first.child.uuid])).content.decode()
            assert "Parallel processes: this child is in more than one open process." in page
            assert "exploitation pathway" not in page.split('id="parallel-flag"')[1][:400]
            assert "open in both areas" not in page
        police_page = page
        assert (
            "Also open: processes led by City Children&#x27;s Services, County Children&#x27;s Social Care"
            in police_page
        )

    def test_a_process_known_of_lends_the_warning_none_of_its_meetings(self, world: Any) -> None:
        """Two City processes seen in full and County's known of: a County meeting in the same
        week as a City one says nothing in the warning (it is County's record)."""
        first = open_case(world)
        second = services.case_open(
            actor=world.users["screener"],
            child=first.child,
            definition=shipped_definitions()["efh-city@1"],
            area=world.city,
            lead_agency=world.agencies["city_csc"],
            started_at=at(2025, 12, 22),
        )
        hidden = services.case_open(
            actor=world.users["screener"],
            child=first.child,
            definition=shipped_definitions()["efh-county@1"],
            area=world.county,
            lead_agency=world.agencies["county_csc"],
            started_at=at(2025, 12, 23),
        )
        for case, held in ((first, at(2025, 12, 23)), (hidden, at(2025, 12, 24)), (second, at(2026, 2, 24))):
            services.meeting_record(
                actor=world.users["screener"], case=case, kind="strategy_discussion", held_at=held, attendees="x"
            )
        client = Client()
        client.force_login(world.users["screener"])
        page = client.get(reverse("children:detail", args=[first.child.uuid])).content.decode()
        flag = page.split('id="parallel-flag"')[1][:600]
        assert "on the child protection pathway and the exploitation pathway at once" in flag
        assert "two meetings in the same week" not in flag

    def test_one_process_is_not_flagged(self, world: Any) -> None:
        open_case(world)
        assert selectors.parallel_processes(Case.objects.all()) == []


class TestAlignment:
    def test_the_city_and_county_pathways_differ_where_they_should(self) -> None:
        defs = shipped_definitions()
        comparison = alignment.compare(defs["efh-city@1"], defs["efh-county@1"])
        rows = {r.purpose: r for r in comparison.rows}
        assert {r.purpose for r in comparison.shared} == {
            "screening",
            "strategy",
            "assessment",
            "panel",
            "plan",
            "closure",
        }
        panel = {d.attribute: d for d in rows["panel"].differences}
        assert "City MACE panel (fortnightly)" in panel["Meetings"].a and "County MACE (weekly)" in panel["Meetings"].b
        assert "Police detective inspector" in panel["Meetings"].b
        strategy = {d.attribute: d for d in rows["strategy"].differences}
        assert "3 working days" in strategy["Timescales"].a and "5 working days" in strategy["Timescales"].b
        assessment = {d.attribute: d for d in rows["assessment"].differences}
        assert "20 working days" in assessment["Timescales"].a and "25 working days" in assessment["Timescales"].b
        assert 0 < comparison.commonality < 100

    def test_identical_definitions_are_fully_common(self) -> None:
        defs = shipped_definitions()
        assert alignment.compare(defs["child-protection@1"], defs["child-protection@1"]).commonality == 100

    def test_the_roadmap_integrates_within_areas_first_then_across(self, db: Any) -> None:
        defs = shipped_definitions()
        comparison = alignment.compare(defs["efh-city@1"], defs["efh-county@1"])
        steps = alignment.roadmap(
            within=[(defs["child-protection@1"], defs["efh-city@1"])], across=comparison, cases=Case.objects.all()
        )
        phases = [s.phase for s in steps]
        assert phases[0].startswith("1.") and phases[-1].startswith("2.")
        assert phases == sorted(phases)

    def test_the_alignment_page_and_pdf(self, world: Any) -> None:
        client = Client()
        client.force_login(world.users["strategic_lead"])
        page = client.get(reverse("pathways:align")).content.decode()
        assert "Commonality" in page and "County MACE (weekly)" in page and "Roadmap" in page
        assert client.get(reverse("pathways:align"), {"format": "pdf"}).content.startswith(b"%PDF")


class TestAccess:
    def test_a_practitioner_sees_only_cases_in_their_work(self, world: Any) -> None:
        mine = open_case(world)
        theirs = open_case(world, agency="county_csc", area=world.county)
        client = Client()
        client.force_login(world.users["practitioner"])
        assert client.get(reverse("pathways:case", args=[mine.uuid])).status_code == 200
        assert client.get(reverse("pathways:case", args=[theirs.uuid])).status_code == 404

    def test_only_the_lead_agency_changes_a_case(self, world: Any) -> None:
        from joinedup.conftest import make_agreement

        make_agreement(world, categories=("identity", "social_care"))
        case = open_case(world)
        police = make_record(world, agency="police")
        police.child = case.child
        police.save()
        client = Client()
        client.force_login(make_user(world, role=Role.PRACTITIONER, agency="police"))
        response = client.post(reverse("pathways:case_event", args=[case.uuid]), {"event": "assessment_completed"})
        assert response.status_code == 403

    def test_case_changes_are_audited(self, world: Any) -> None:
        case = open_case(world)
        services.case_record_event(actor=world.users["screener"], case=case, event="assessment_completed")
        assert AuditEvent.objects.filter(event="case.opened").exists()
        assert AuditEvent.objects.filter(event="case.event", detail__event="assessment_completed").exists()


class TestRevision:
    def _v2(self) -> Any:
        from joinedup.pathways.definitions import parse_text

        source = shipped_definitions()["efh-city@1"].source
        source = source.replace("version: 1", "version: 2", 1).replace(
            "within: {working_days: 3}, completed_by: strategy_discussion_held",
            "within: {working_days: 2}, completed_by: strategy_discussion_held",
        )
        return parse_text(source, "efh-city-v2.yaml")

    def test_cases_keep_their_version_until_migrated_with_a_preview(self, world: Any) -> None:
        from joinedup.pathways.migration import migrate_cases, preview

        case = open_case(world, shipped_definitions()["efh-city@1"])
        services.case_record_event(
            actor=world.users["screener"], case=case, event="screening_decided", at=at(2025, 12, 22, 15)
        )
        before = case.tasks.get(clock_id="strategy_meeting").due_at
        v2 = self._v2()
        changes, rows = preview(old=shipped_definitions()["efh-city@1"], new=v2)
        assert changes.clocks_changed == ["Exploitation strategy meeting: 3 working days becomes 2 working days"]
        assert [r.case for r in rows] == [case]
        assert migrate_cases(actor=world.users["screener"], old=shipped_definitions()["efh-city@1"], new=v2) == 1
        case.refresh_from_db()
        assert case.pathway.version == 2
        assert case.tasks.get(clock_id="strategy_meeting").due_at < before
        assert case.events.filter(kind="pathway_migrated").exists()

    def test_migrating_backwards_is_refused(self, world: Any) -> None:
        from joinedup.pathways.migration import migrate_cases

        with pytest.raises(ValueError):
            migrate_cases(actor=None, old=self._v2(), new=shipped_definitions()["efh-city@1"])


def test_an_overdue_task_taken_by_someone_shows_in_their_own_list(world: Any) -> None:
    case = open_case(world, started=at(2025, 1, 6))
    task = case.tasks.get(clock_id="referral_decision")
    client = Client()
    client.force_login(world.users["screener"])
    client.post(reverse("pathways:task_take", args=[case.uuid]), {"task": str(task.uuid)})
    task.refresh_from_db()
    assert task.owner == world.users["screener"]
    mine = client.get(reverse("pathways:tasks")).content.decode().split('id="my-tasks"')[1].split("</ul>")[0]
    assert "Referral decision" in mine and "Overdue" in mine


def test_key_people_are_recorded_on_the_case(world: Any) -> None:
    case = open_case(world)
    client = Client()
    client.force_login(world.users["screener"])
    client.post(reverse("pathways:case_key_people", args=[case.uuid]), {"key_people": "Lead: A Worker (City CSC)"})
    case.refresh_from_db()
    assert case.key_people == "Lead: A Worker (City CSC)"
    assert "Lead: A Worker" in client.get(reverse("pathways:case", args=[case.uuid])).content.decode()


def test_another_agency_sees_a_case_only_under_an_agreement_sharing_social_care(world: Any) -> None:
    from joinedup.conftest import make_agreement

    case = open_case(world)
    police_record = make_record(world, agency="police")
    police_record.child = case.child
    police_record.save()
    officer = make_user(world, role=Role.PRACTITIONER, agency="police")
    client = Client()
    client.force_login(officer)
    assert client.get(reverse("pathways:case", args=[case.uuid])).status_code == 404
    child_page = client.get(reverse("children:detail", args=[case.child.uuid])).content.decode()
    assert "a process led by City Children" in child_page
    make_agreement(world, categories=("identity", "social_care"))
    assert client.get(reverse("pathways:case", args=[case.uuid])).status_code == 200
