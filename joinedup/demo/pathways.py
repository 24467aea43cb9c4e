"""Demo referrals and cases over the last two years, in all pathways and both areas.

Includes what a partnership actually has: referrals still waiting (some past
their one-working-day clock), cases at every stage, closed cases, children
who moved across the boundary and were handed over (accepted and declined),
children in parallel processes, and overdue tasks.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from joinedup.children.models import AgencyRecord
from joinedup.core.models import User
from joinedup.demo.models import TruthLink
from joinedup.partnership.models import Agency, AgencyType, Area, Partnership
from joinedup.pathways import services as pathway_services
from joinedup.pathways.definitions import MEETING_EVENTS
from joinedup.pathways.engine import definition_for, definition_of
from joinedup.pathways.models import Case
from joinedup.referrals import services as referral_services

LONDON = ZoneInfo("Europe/London")
_INDICATORS = [
    "Found out of area late at night with cash and a second phone.",
    "Older males seen collecting the child from school.",
    "Missing three times this month; returns with new clothes.",
    "Disclosed being asked to hold a package for someone.",
    "School reports a sudden drop in attendance and new associates.",
    "Injury seen at school; child says it happened at home.",
]
_HARMS = [
    ["county_lines", "going_missing"],
    ["criminal_exploitation"],
    ["sexual_exploitation", "online_harm"],
    ["serious_youth_violence"],
    ["child_on_child_abuse"],
    ["physical_abuse"],
    ["neglect"],
]


def _working_hours(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randint(9, 16), rng.choice((0, 15, 30, 45))), tzinfo=LONDON)


def seed_pathways(*, partnership: Partnership, seed: int, count: int) -> dict[str, int]:
    rng = random.Random(seed + 5)  # noqa: S311 - synthetic data
    # Its own stream, so doing the clocks' work leaves the referrals and cases as they were.
    clock_rng = random.Random(seed + 11)  # noqa: S311 - synthetic data
    now = timezone.now()
    areas = {a.short_name: a for a in Area.objects.filter(partnership=partnership)}
    screeners = {
        "City": User.objects.get(username="screener.city"),
        "County": User.objects.get(username="screener.county"),
    }
    referrers = list(
        User.objects.filter(username__in=["sw.city", "police.officer", "school.nurse", "youth.worker", "sw.county"])
    )
    csc = {
        short: Agency.objects.get(partnership=partnership, agency_type=AgencyType.CHILDRENS_SOCIAL_CARE, areas=area)
        for short, area in areas.items()
    }
    records = list(
        AgencyRecord.objects.filter(agency__partnership=partnership, area__isnull=False, date_of_birth__isnull=False)
        .select_related("area", "child")
        .order_by("id")[: count * 3]
    )
    rng.shuffle(records)
    counts = {"referrals": 0, "cases": 0, "handovers": 0, "parallel": 0}
    used: set[int] = set()
    for record in records:
        if counts["referrals"] >= count or record.child_id in used:
            continue
        used.add(record.child_id)
        referrer = rng.choice(referrers)
        home = record.area
        if home is None:
            continue
        found = areas["County" if home.short_name == "City" else "City"] if rng.random() < 0.15 else home
        # A front door always has work waiting: the last tenth of referrals arrived in the
        # last few days and are not screened yet (some past their one-working-day clock).
        waiting = counts["referrals"] >= count - max(4, count // 10)
        received_day = (now - dt.timedelta(days=rng.randint(0, 3 if waiting else 700))).date()
        while received_day.weekday() >= 5:
            received_day -= dt.timedelta(days=1)
        received = _working_hours(received_day, rng)
        if received > now:
            received = now - dt.timedelta(hours=2)
        harms = rng.choice(_HARMS)
        draft = referral_services.referral_draft_save(
            actor=referrer,
            referral=None,
            data={
                "child_details": {
                    "given_names": record.given_names,
                    "family_name": record.family_name,
                    "date_of_birth": record.date_of_birth,
                    "nhs_number": record.nhs_number,
                },
                "harm_types": harms,
                "indicators": rng.choice(_INDICATORS),
                "consent": rng.choice(["given", "not_sought_risk"]),
                "family_informed": True,
                "home_area": home,
                "found_area": found,
                "referrer_contact": "Via the agency's duty line (demo)",
            },
        )
        referral = referral_services.referral_submit(actor=referrer, referral=draft, at=received)
        counts["referrals"] += 1
        _keep_ground_truth(record, referral)
        # The most recent few are still waiting, some of them past their clock.
        if waiting or ((now - received).days < 4 and rng.random() < 0.7):
            continue
        extra = any(
            h
            in {
                "county_lines",
                "criminal_exploitation",
                "sexual_exploitation",
                "serious_youth_violence",
                "child_on_child_abuse",
            }
            for h in harms
        )
        decision = rng.choices(
            ["nfa", "early_help", "child_protection", "adolescent", "mace"],
            weights=[10, 15, 15 if not extra else 8, 5 if not extra else 40, 0 if not extra else 10],
        )[0]
        screened = received + dt.timedelta(hours=rng.choice([3, 20, 26, 70]))
        screened = min(screened, now)
        case = pathway_services.referral_screen(
            actor=screeners[home.short_name],
            referral=referral,
            decision=decision,
            reasons="Demo screening decision.",
            at=screened,
        )
        if case is None:
            continue
        counts["cases"] += 1
        _progress(case, rng, now, screeners[case.area.short_name])
        case.refresh_from_db()
        if case.status == "open" and (now - case.opened_at).days > 300 and rng.random() < 0.8:
            pathway_services.case_close(
                actor=screeners[case.area.short_name],
                case=case,
                outcome="Risk reduced and sustained (demo)",
                at=case.opened_at + dt.timedelta(days=rng.randint(90, 250)),
            )
        if case.status == "open" and found != home and rng.random() < 0.6:
            _handover(case, areas, csc, screeners, rng, now)
            counts["handovers"] += 1
        if extra and case.pathway.definition_id.startswith("efh") and rng.random() < 0.15:
            # A parallel process: the child is also on child protection.
            definition = definition_for(area_short_name=case.area.short_name, kind="child-protection")
            parallel = pathway_services.case_open(
                actor=screeners[case.area.short_name],
                child=case.child,
                definition=definition,
                area=case.area,
                lead_agency=case.lead_agency,
                started_at=screened + dt.timedelta(days=2),
            )
            _keep_clocks_realistic(parallel, clock_rng, now, screeners[case.area.short_name], late=False)
            counts["parallel"] += 1
        case.refresh_from_db()
        if case.status == "open":
            counts["kept"] = counts.get("kept", 0) + 1
            late = counts["kept"] % 4 == 1
            _keep_clocks_realistic(case, clock_rng, now, screeners[case.area.short_name], late=late)
    counts.pop("kept", None)
    return counts


def _keep_clocks_realistic(case: Case, rng: random.Random, now: dt.datetime, actor: User, *, late: bool) -> None:
    """Do the work each clock waits for, as a partnership does: mostly on time, some days or weeks late.

    Without this a case left at a stage keeps the clock it started with, and the demo
    shows tasks 22 months overdue. Most cases end with nothing overdue; about one in
    four (`late`) keeps a task that is late by a few days or weeks, as a real list would.
    """
    definition = definition_of(case)
    clocks = {c.id: c for c in definition.clocks}
    meeting_for = {event: kind for kind, event in MEETING_EVENTS.items()}
    held_here = {m.kind for s in definition.stages for m in s.meetings}
    allowed_late = dt.timedelta(days=rng.randint(7, 40)) if late else dt.timedelta(0)
    for _ in range(60):
        task = (
            case.tasks.filter(completed_at__isnull=True, cancelled_at__isnull=True, due_at__lt=now - allowed_late)
            .order_by("due_at")
            .first()
        )
        if task is None or task.clock_id not in clocks:
            return
        if rng.random() < 0.85:
            done = task.due_at - dt.timedelta(days=rng.randint(0, 3), hours=rng.randint(1, 8))
        else:
            done = task.due_at + dt.timedelta(days=rng.randint(1, 15))
        done = min(max(done, task.started_at + dt.timedelta(hours=1)), now - dt.timedelta(hours=1))
        event = clocks[task.clock_id].completed_by
        kind = meeting_for.get(event)
        if kind in held_here:
            pathway_services.meeting_record(
                actor=actor,
                case=case,
                kind=kind,
                held_at=done,
                attendees="Social care; police; health; education (demo)",
                decisions="Agreed actions (demo)",
            )
        else:
            pathway_services.case_record_event(actor=actor, case=case, event=event, at=done)


def _keep_ground_truth(source: AgencyRecord, referral: Any) -> None:
    """A referral from an agency that did not know the child creates its record: it is the same person."""
    truth = TruthLink.objects.filter(record=source).first()
    if truth is None:
        return
    for created in AgencyRecord.objects.filter(child=referral.child, local_id__startswith="REFERRAL-"):
        TruthLink.objects.get_or_create(
            record=created,
            defaults={
                "person_key": truth.person_key,
                "family_key": truth.family_key,
                "corruptions": "referral_intake",
                "heritage": truth.heritage,
            },
        )


def _progress(case: Case, rng: random.Random, now: dt.datetime, actor: User) -> None:
    """Hold some of the meetings, on time or late, and move some cases on or close them."""
    definition = definition_of(case)
    when = case.opened_at
    for stage in definition.stages[1:]:
        if rng.random() < 0.35:
            return  # stays here, with its clocks running (some will be overdue)
        transition = next((t for t in definition.next_stages(case.stage_id) if t.target == stage.id), None)
        if transition is None:
            return
        when = when + dt.timedelta(days=rng.randint(2, 25))
        if when >= now:
            return
        for meeting in stage.meetings[:1]:
            pathway_services.meeting_record(
                actor=actor,
                case=case,
                kind=meeting.kind,
                held_at=when,
                attendees="Social care; police; health; education (demo)",
                decisions="Agreed actions (demo)",
            )
        if stage.purpose == "assessment":
            pathway_services.case_record_event(actor=actor, case=case, event="assessment_completed", at=when)
        pathway_services.case_move(actor=actor, case=case, to_stage=stage.id, reason=transition.when, at=when)
        case.refresh_from_db()
        if case.status != "open":
            return


def _handover(
    case: Case,
    areas: dict[str, Area],
    csc: dict[str, Agency],
    screeners: dict[str, User],
    rng: random.Random,
    now: dt.datetime,
) -> None:
    other = "County" if case.area.short_name == "City" else "City"
    offered_at = min(case.opened_at + dt.timedelta(days=rng.randint(5, 40)), now - dt.timedelta(hours=1))
    handover = pathway_services.handover_offer(
        actor=screeners[case.area.short_name],
        case=case,
        to_area=areas[other],
        to_agency=csc[other],
        reason="The child has moved to live with family across the boundary.",
        at=offered_at,
    )
    roll = rng.random()
    if roll < 0.6:
        pathway_services.handover_accept(
            actor=screeners[other], handover=handover, at=min(offered_at + dt.timedelta(days=2), now)
        )
    elif roll < 0.8:
        pathway_services.handover_decline(
            actor=screeners[other],
            handover=handover,
            reason="The move is temporary; the child returns home at weekends.",
        )
