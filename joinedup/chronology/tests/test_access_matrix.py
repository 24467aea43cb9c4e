"""The chronology and the at-a-glance panel over every role and every relation a record can have to the user.

The user's agency is City children's services. Each relation is one child:

- own: only City holds a record, and City recorded an event;
- shared: the police hold a record and an event, shared with City under an agreement
  (identity, contact and police intelligence, for direct work and screening);
- known-of: the health trust holds a record and an event, under a know-of-only agreement;
- break-glass: only the police know the child; the user has opened emergency access
  (roles that may not break glass have no grant, and cannot open the child);
- other partnership: another partnership's agency holds the only record.

For each role and relation the table states the number of chronology entries the user may see (None:
the child does not open at all, 404); the test checks the count shown, that every
marker from a record the user may see is there and that none from a hidden one is, on
the chronology, its PDF's source, the child page's latest events and the glance.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from joinedup.children.services import break_glass_open
from joinedup.chronology.models import SignificantEvent
from joinedup.chronology.sources import category_for
from joinedup.conftest import make_agreement, make_record, make_user, same_child
from joinedup.partnership.models import Agency, Area, Partnership
from joinedup.partnership.roles import Perm, Role, role_can

RELATIONS = ("own", "shared", "known_of", "break_glass", "other_partnership")
CASEWORK = {"own": 2, "shared": 3, "known_of": 1, "break_glass": 2, "other_partnership": None}
NOTHING = dict.fromkeys(RELATIONS)
EXPECTED: dict[str, dict[str, int | None]] = {
    Role.PRACTITIONER: CASEWORK,
    Role.SCREENER: CASEWORK,
    Role.EXPLOITATION_COORDINATOR: CASEWORK,
    # The DPO acts for data protection, which the casework agreements do not cover: own records
    # only, and no emergency access.
    Role.DATA_PROTECTION_OFFICER: {
        "own": 2,
        "shared": 1,
        "known_of": 1,
        "break_glass": None,
        "other_partnership": None,
    },
    Role.STRATEGIC_LEAD: NOTHING,
    Role.ANALYST: NOTHING,
    Role.PARTICIPATION_OFFICER: NOTHING,
    Role.PARTNERSHIP_ADMIN: NOTHING,
    # Imports the agency's records; opens no child.
    Role.DATA_OFFICER: NOTHING,
}

# What each child's records and events say: shown only where the cell's relation allows.
VISIBLE_MARKERS = {
    "own": ["EV-OWN-CITY", "Owena"],
    "shared": ["EV-SHARED-POLICE", "Sharona", "Shire Police"],
    "known_of": ["Kenna"],
    "break_glass": ["EV-GLASS-POLICE", "Glassina"],
    "other_partnership": [],
}
HIDDEN_MARKERS = {
    "own": ["EV-HIDDEN"],
    "shared": ["EV-HIDDEN"],
    # The health trust's record is known of only: neither its content nor its event, nor its
    # name as a source of anything, ever reaches the chronology or the glance.
    "known_of": ["EV-KNOWN-HEALTH", "Knowna", "Shire Health Trust"],
    "break_glass": [],
    "other_partnership": ["EV-OTHER"],
}
# Markers a user who may see the partner record sees, but one acting for another purpose does not.
PARTNER_ONLY = {"shared": ["EV-SHARED-POLICE", "Sharona", "Shire Police"]}


def test_the_matrix_covers_every_role() -> None:
    assert set(EXPECTED) == set(Role.values)


def _event(child: Any, agency: Any, user: Any, summary: str) -> None:
    SignificantEvent.objects.create(
        child=child,
        agency=agency,
        category=category_for(agency),
        kind="missing_episode",
        occurred_on=dt.date(2025, 3, 1),
        summary=summary,
        source="Test",
        recorded_by=user,
    )


@pytest.fixture
def children(world: Any) -> dict[str, Any]:
    author = world.users["practitioner"]
    own = make_record(world, agency="city_csc", given_names="Owena", family_name="Matrix").child
    _event(own, world.agencies["city_csc"], author, "EV-OWN-CITY")

    city = make_record(
        world, agency="city_csc", given_names="Cityana", family_name="Matrix", date_of_birth=dt.date(2012, 6, 10)
    )
    police = make_record(
        world, agency="police", given_names="Sharona", family_name="Matrix", date_of_birth=dt.date(2012, 10, 6)
    )
    shared = same_child(city, police)
    _event(shared, world.agencies["police"], author, "EV-SHARED-POLICE")
    make_agreement(
        world,
        parties=("city_csc", "police"),
        purposes=("direct_work", "screening"),
        categories=("identity", "contact", "police_intelligence"),
    )

    city2 = make_record(world, agency="city_csc", given_names="Kenna", family_name="Matrix")
    health = make_record(world, agency="health", given_names="Knowna", family_name="Matrix")
    known = same_child(city2, health)
    _event(known, world.agencies["health"], author, "EV-KNOWN-HEALTH")
    make_agreement(world, parties=("city_csc", "health"), purposes=("direct_work", "screening"), know_of_only=True)
    # A health event on the shared child too: City and health share nothing but knowing-of.
    _event(shared, world.agencies["health"], author, "EV-HIDDEN")

    glass = make_record(world, agency="police", given_names="Glassina", family_name="Matrix").child
    _event(glass, world.agencies["police"], author, "EV-GLASS-POLICE")

    elsewhere = Partnership.objects.create(name="Another Partnership")
    area = Area.objects.create(partnership=elsewhere, name="Far Away", short_name="Far", code="E06000099")
    agency = Agency.objects.create(
        partnership=elsewhere,
        name="Far Children's Services",
        agency_type="childrens_social_care",
        contact_route="Phone",
    )
    agency.areas.set([area])
    world.agencies["far"] = agency
    other = make_record(world, agency="far", given_names="Otheria", family_name="Matrix").child
    _event(other, agency, author, "EV-OTHER")
    return {"own": own, "shared": shared, "known_of": known, "break_glass": glass, "other_partnership": other}


def _text(response: Any) -> str:
    return response.content.decode()


@pytest.mark.parametrize("role", Role.values)
def test_the_chronology_shows_exactly_what_the_policy_allows(world: Any, children: dict[str, Any], role: str) -> None:
    user = make_user(world, role=role, agency="city_csc")
    if role_can(role, Perm.BREAK_GLASS):
        break_glass_open(actor=user, child=children["break_glass"], reason="missing", explanation="Missing overnight.")
    client = Client()
    client.force_login(user)
    for relation in RELATIONS:
        _check_cell(client, role, relation, children[relation])


def _check_cell(client: Client, role: str, relation: str, child: Any) -> None:
    cell = f"{role} on {relation}"
    expected = EXPECTED[role][relation]
    chronology = client.get(reverse("chronology:chronology", args=[child.uuid]))
    page = client.get(reverse("children:detail", args=[child.uuid]))
    if expected is None:
        assert chronology.status_code == 404 and page.status_code == 404, cell
        assert client.get(reverse("chronology:chronology_pdf", args=[child.uuid])).status_code == 404, cell
        return
    assert chronology.status_code == 200 and page.status_code == 200, cell
    text, child_page = _text(chronology), _text(page)
    assert f"Every event you may see from every agency: {expected} of {expected} shown" in text, cell
    start = child_page.index('id="chronology-latest"')
    latest = child_page[start : child_page.index("</section>", start)]
    assert f"{min(expected, 8)} of {expected} event{'s' if expected != 1 else ''} you may see" in latest, cell
    start = child_page.index('id="at-a-glance"')
    glance = child_page[start : child_page.index("</section>", start)]
    sees_partner = expected == CASEWORK.get(relation)
    for marker in VISIBLE_MARKERS[relation]:
        if marker in PARTNER_ONLY.get(relation, []) and not sees_partner:
            assert marker not in text and marker not in glance, f"{cell}: {marker} shown"
            continue
        assert marker in text or marker in glance, f"{cell}: {marker} missing"
    for marker in HIDDEN_MARKERS[relation]:
        assert marker not in text, f"{cell}: {marker} in the chronology"
        assert marker not in glance, f"{cell}: {marker} at a glance"
        assert marker not in latest, f"{cell}: {marker} in the child page's latest events"
