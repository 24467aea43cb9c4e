"""The main pages' query counts do not grow with the number of children (no N+1 queries).

Each page is opened once to warm caches and measured with N children, then
measured again with 3N (each with records at two agencies, a referral,
every other one a case, a possible match waiting for review, and a child
known only to the police that searches find as "known elsewhere"),
including ones the page lists. The counts must be equal: a page whose
queries grow with the data would not hold at a million children.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from joinedup.conftest import make_agreement, make_city_case, make_record, same_child
from joinedup.linkage.models import CandidatePair
from joinedup.referrals.services import referral_draft_save, referral_submit

N = 4


def _grow(world: Any, n: int, start: int) -> list[Any]:
    """n more children known to City children's services and the police, each referred, every other one a
    case, each with a possible match at health waiting for review; and n children only the police know."""
    children = []
    for i in range(start, start + n):
        own = make_record(world, given_names="Jordan", family_name=f"Grow{i}", actor=world.users["practitioner"])
        police = make_record(world, agency="police", given_names="Jordan", family_name=f"Grow{i}")
        child = same_child(own, police)
        # A factory for what a linkage run leaves: a pair in the review band (as linkage's own tests make them).
        maybe = make_record(world, agency="health", given_names="Jordan", family_name=f"Grow{i}", sex="F")
        low, high = sorted((own, maybe), key=lambda r: r.pk)
        CandidatePair.objects.create(record_a=low, record_b=high, probability=0.7, match_weight=2, waterfall=[])
        # Outside the screener's work: search shows only that the police hold a record.
        make_record(world, agency="police", given_names="Jordan", family_name=f"Far{i}", postcode="S80 1AB")
        draft = referral_draft_save(
            actor=world.users["practitioner"],
            referral=None,
            data={
                "child_details": {"given_names": "Jordan", "family_name": f"Grow{i}", "postcode": "NG7 1AA"},
                "harm_types": ["county_lines"],
                "indicators": "Seen with older youths late at night.",
                "consent": "given",
                "family_informed": True,
                "home_area": world.city,
                "referrer_contact": "01632 960000",
            },
        )
        referral_submit(actor=world.users["practitioner"], referral=draft)
        if i % 2 == 0:
            make_city_case(world, child)
        children.append(child)
    return children


def _count(client: Client, url: str) -> int:
    client.get(url)  # warm: per-process caches (frequencies, definitions) are not what is measured
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return len(queries)


def test_main_page_query_counts_do_not_grow_with_the_number_of_children(world: Any) -> None:
    from joinedup.pathways.models import Case

    make_agreement(world, parties=("city_csc", "police"), purposes=("direct_work", "screening"))
    first = _grow(world, N, 0)
    screener = Client()
    screener.force_login(world.users["screener"])
    case = Case.objects.filter(child=first[0]).get()
    pages = {
        "home": "/",
        "child page": f"/children/{first[1].uuid}/",
        "search": "/children/?q=Jordan",
        "screening queue": "/pathways/screening/",
        "case page": f"/pathways/cases/{case.uuid}/",
        "linkage review queue": "/linkage/review/",
    }
    # The screener has opened children, so home lists recently seen ones too.
    for child in first:
        screener.get(f"/children/{child.uuid}/")
    before = {name: _count(screener, url) for name, url in pages.items()}
    # One emergency-access link per child known only elsewhere.
    assert _listed(screener, "/children/?q=Jordan", "/emergency-access/") == N
    assert _listed(screener, "/linkage/review/", 'name="pairs"') == N

    more = _grow(world, 2 * N, N)
    for child in more:
        screener.get(f"/children/{child.uuid}/")
    after = {name: _count(screener, url) for name, url in pages.items()}

    assert after == before, f"queries grew with the data: before {before}, after {after}"
    # The pages did list the new children: the counts were measured on pages that grew.
    assert _listed(screener, "/linkage/review/", 'name="pairs"') == 3 * N
    assert _listed(screener, "/children/?q=Jordan", "/emergency-access/") == 3 * N


def _listed(client: Client, url: str, text: str) -> int:
    return client.get(url).content.decode().count(text)


def test_home_survives_a_recently_opened_child_with_no_record_at_the_users_agency(world: Any) -> None:
    """Found by benchmarks/web_load.py: a person opens a child they may see with no record at their own
    agency (here through break-glass), and home then failed with a 500 (a listed child with no records)."""
    from joinedup.children.services import break_glass_open

    practitioner = world.users["practitioner"]
    child = make_record(world, agency="health", given_names="Lena", family_name="Novak").child
    break_glass_open(actor=practitioner, child=child, reason="immediate_risk", explanation="Missing overnight.")
    client = Client()
    client.force_login(practitioner)
    assert client.get(f"/children/{child.uuid}/").status_code == 200
    home = client.get("/")
    assert home.status_code == 200
    assert "Children you opened recently" in home.content.decode()
