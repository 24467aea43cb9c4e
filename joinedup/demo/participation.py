"""Demo youth participation: about 40 opportunities with realistic gaps, cohorts, voices.

The gaps are deliberate, because they are the ones partnerships report:
nothing for 11 to 13 year olds in Bassetlaw, and little in the county aimed
at young people affected by exploitation.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from joinedup.children.models import AgencyRecord, AssociationType, ChildAssociation, Confidence
from joinedup.core.models import User
from joinedup.participation.models import (
    Cohort,
    CohortMember,
    ConsentUse,
    Contribution,
    FeedbackResponse,
    Opportunity,
    OpportunityStatus,
    ParentConsent,
    StrategicQuestion,
)
from joinedup.partnership.models import Agency, AgencyType, District, Partnership, PostcodePrefix

# (title, type, groups, youngest, oldest, online, hart rung)
_TEMPLATES = [
    ("Youth Forum", "youth_forum", ["open"], 14, 18, False, 6),
    (
        "Young Advisers to the Safeguarding Partnership",
        "young_advisers",
        ["open", "care_experienced"],
        15,
        21,
        False,
        6,
    ),
    ("Children in Care Council", "youth_council", ["care_experienced"], 11, 18, False, 7),
    ("Peer Researchers: Safe Spaces", "peer_research", ["affected_by_exploitation"], 15, 21, False, 6),
    ("Street Art and Safety Project", "creative_or_sport", ["open"], 11, 16, False, 5),
    ("Football and Voice", "creative_or_sport", ["open", "justice_involved"], 12, 18, False, 5),
    ("Online Safety Panel", "consultation", ["open"], 12, 17, True, 5),
    ("LGBTQ+ Youth Voice", "youth_forum", ["lgbtq"], 13, 19, False, 7),
    ("Young Carers Say", "consultation", ["young_carers"], 8, 17, False, 5),
    ("SEND Youth Voice", "co_production", ["send"], 11, 25, False, 6),
    ("Junior Youth Club Council", "youth_council", ["open"], 8, 12, False, 5),
    ("Summer Voice Festival", "one_off_event", ["open"], 8, 18, False, 4),
]

_PLAN = {
    # district name -> template indexes placed there
    "Nottingham Central": [0, 1, 3, 6, 7],
    "Nottingham East": [4, 5, 10],
    "Nottingham North": [5, 8, 10],
    "Nottingham West": [2, 9, 11],
    "Nottingham South": [4, 10],
    "Ashfield": [0, 5, 8, 11],
    # The county's one opportunity aimed at young people affected by exploitation.
    "Mansfield": [0, 2, 3, 4, 9],
    "Gedling": [5, 10, 11],
    "Broxtowe": [0, 4, 8],
    "Rushcliffe": [1, 7, 10],
    "Newark and Sherwood": [0, 4, 8],
    # Bassetlaw: deliberately nothing that covers 11 to 13 year olds.
    "Bassetlaw": [0, 8],
}


def seed_participation(*, partnership: Partnership, seed: int, today: dt.date) -> dict[str, int]:
    rng = random.Random(seed)  # noqa: S311 - synthetic data
    prefixes: dict[int, list[PostcodePrefix]] = {}
    for prefix in PostcodePrefix.objects.filter(partnership=partnership).select_related("district__area"):
        prefixes.setdefault(prefix.district_id, []).append(prefix)
    providers = {
        area: list(
            Agency.objects.filter(partnership=partnership, areas__short_name=area).exclude(
                agency_type=AgencyType.POLICE
            )
        )
        for area in ("City", "County")
    }
    opportunities = []
    for district in District.objects.filter(area__partnership=partnership).select_related("area"):
        for index in _PLAN.get(district.name, []):
            title, kind, groups, low, high, online, rung = _TEMPLATES[index]
            if district.name == "Bassetlaw" and index == 8:
                # Young carers in Bassetlaw: 14 and over only (the gap the demo shows).
                low = 14
            prefix = rng.choice(prefixes[district.pk])
            outward, sector = (prefix.prefix.split(" ") + [str(rng.randint(1, 9))])[:2]
            postcode = f"{outward} {sector}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
            reviewed = today - dt.timedelta(days=rng.choice([20, 60, 90, 150, 240]))
            opportunities.append(
                Opportunity(
                    title=f"{district.name} {title}" if not online else f"{district.area.name} {title}",
                    summary=f"A {title.lower()} for young people in {district.name}: "
                    "share ideas about what keeps young people safe and what needs to change.",
                    opportunity_type=kind,
                    provider=rng.choice(providers[district.area.short_name]),
                    area=district.area,
                    district=None if online else district,
                    is_online=online,
                    venue="" if online else f"{district.name} Youth Centre",
                    venue_postcode="" if online else postcode,
                    latitude=None if online else prefix.latitude,
                    longitude=None if online else prefix.longitude,
                    age_min=low,
                    age_max=high,
                    groups=groups,
                    accessibility=rng.sample(
                        ["transport", "after_school", "interpreters", "bsl", "step_free", "quiet_space"], 3
                    ),
                    schedule=rng.choice(
                        ["Tuesdays 5pm to 7pm", "Every other Saturday morning", "Monthly, Thursday evenings"]
                    ),
                    capacity=rng.choice([12, 15, 20, 30]),
                    contact="Ask your youth worker, or message the project (demo contact)",
                    safeguards=["trained_staff", "trauma_informed", "support_after", "no_abuse_accounts"],
                    views_will_shape="What the partnership's youth offer and safety campaigns look like in this area.",
                    out_of_scope="Decisions about individual children, and police operations.",
                    audience="The Strategic Leadership Group and the area's youth service manager",
                    feedback_plan="A 'you said, we did' session within 8 weeks of each meeting.",
                    hart_rung=rung,
                    status=OpportunityStatus.PUBLISHED,
                    last_reviewed_on=reviewed,
                )
            )
    Opportunity.objects.bulk_create(opportunities)

    questions = [
        StrategicQuestion.objects.create(
            partnership=partnership, title=title, board=board, area=None, asked_on=today - dt.timedelta(days=days)
        )
        for title, board, days in (
            ("What would make the bus station feel safer?", "Strategic Leadership Group", 200),
            ("How should professionals talk to you about exploitation?", "City Safeguarding Children Partnership", 120),
            ("What should the new adolescent pathway stop doing?", "County Safeguarding Children Partnership", 60),
        )
    ]
    officer = User.objects.get(username="participation.officer")
    city_sw = User.objects.get(username="sw.city")
    county_sw = User.objects.get(username="sw.county")

    # Cohorts: young people known to the two councils' workers, one pair of them linked.
    city_children = list(
        AgencyRecord.objects.filter(agency=city_sw.membership.agency, date_of_birth__isnull=False)
        .order_by("id")
        .values_list("child_id", "given_names")[:4]
    )
    county_children = list(
        AgencyRecord.objects.filter(agency=county_sw.membership.agency, date_of_birth__isnull=False)
        .order_by("id")
        .values_list("child_id", "given_names")[:3]
    )
    peer = next((o for o in opportunities if "Peer Researchers" in o.title), opportunities[0])
    forum = next((o for o in opportunities if "Youth Forum" in o.title), opportunities[0])
    peer_cohort = Cohort.objects.create(opportunity=peer, name="Peer researchers, spring intake", created_by=officer)
    forum_cohort = Cohort.objects.create(opportunity=forum, name="Forum new members", created_by=officer)
    members = []
    for child_id, given in city_children[:3]:
        members.append(
            CohortMember(
                cohort=peer_cohort,
                child_id=child_id,
                display_name=given.split()[0],
                lead_practitioner=city_sw,
                young_person_consent=True,
                parent_consent=ParentConsent.GIVEN,
            )
        )
    for child_id, given in county_children[:2]:
        members.append(
            CohortMember(
                cohort=peer_cohort,
                child_id=child_id,
                display_name=given.split()[0],
                lead_practitioner=county_sw,
                young_person_consent=True,
                parent_consent=ParentConsent.NOT_NEEDED,
            )
        )
    for child_id, given in city_children[3:] + county_children[2:]:
        members.append(
            CohortMember(
                cohort=forum_cohort,
                child_id=child_id,
                display_name=given.split()[0],
                lead_practitioner=city_sw,
                young_person_consent=True,
                parent_consent=ParentConsent.GIVEN,
            )
        )
    CohortMember.objects.bulk_create(members)
    linked = sorted([city_children[0][0], county_children[0][0]])
    police = Agency.objects.get(partnership=partnership, agency_type=AgencyType.POLICE)
    ChildAssociation.objects.create(
        child_a_id=linked[0],
        child_b_id=linked[1],
        association_type=AssociationType.EXPLOITED_TOGETHER,
        source_agency=police,
        recorded_on=today - dt.timedelta(days=40),
        confidence=Confidence.MEDIUM,
    )

    words = [
        ("worry", "The bus station after dark is where older lads wait for you.", ["safety_in_public", "transport"]),
        ("idea", "Put youth workers where we actually are, not in an office.", ["things_to_do", "being_heard"]),
        ("view", "I had four different workers asking me the same questions.", ["too_many_meetings", "being_heard"]),
        ("worry", "People add you on Snap and then they know where you live.", ["online"]),
        ("idea", "Teach us about county lines before Year 9, not after.", ["school"]),
        ("view", "Police stop us for standing around. We have nowhere else to go.", ["police", "things_to_do"]),
        ("idea", "One worker who stays with you even if you move to the county.", ["too_many_meetings"]),
        ("worry", "The skate park has no lights so nobody goes there after school.", ["safety_in_public"]),
    ]
    areas = list(partnership.areas.all())
    contributions = []
    for i, (kind, text, themes) in enumerate(words * 2):
        contributions.append(
            Contribution(
                child_id=city_children[i % len(city_children)][0] if i % 3 == 0 else None,
                opportunity=opportunities[i % len(opportunities)] if i % 2 else None,
                question=questions[i % 3] if not i % 2 else None,
                kind=kind,
                words=text,
                heard_by=officer,
                heard_on=today - dt.timedelta(days=10 + 9 * i),
                consent_use=ConsentUse.ANONYMISED,
                themes=themes,
                area=areas[i % len(areas)],
            )
        )
    Contribution.objects.bulk_create(contributions)
    responses = [
        FeedbackResponse(
            contribution=c,
            what_changed="Lighting and a youth work session were added; the route was reviewed with the bus company.",
            decided_by="Strategic Leadership Group",
            decided_on=c.heard_on + dt.timedelta(days=20),
            told_how="At the next forum session, and by text",
            told_on=c.heard_on + dt.timedelta(days=30),
            recorded_by=officer,
        )
        for c in contributions[::2]
        if c.heard_on + dt.timedelta(days=30) <= today
    ]
    FeedbackResponse.objects.bulk_create(responses)
    return {"opportunities": len(opportunities), "contributions": len(contributions), "cohort_members": len(members)}


__all__: list[Any] = ["seed_participation"]
