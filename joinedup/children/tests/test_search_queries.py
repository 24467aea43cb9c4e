"""A search's queries do not grow with its results: known-elsewhere disclosures go in one insert."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from joinedup.children.models import Disclosure
from joinedup.children.selectors import child_search
from joinedup.conftest import make_agreement, make_record, same_child


def _grow(world: Any, start: int, n: int) -> None:
    """n children in the practitioner's work (City's records) and n known only to the police and health."""
    for i in range(start, start + n):
        make_record(world, given_names="Kayden", family_name=f"Mercer{i}")
        police = make_record(world, agency="police", given_names="Kayden", family_name=f"Far{i}", postcode="S80 1AB")
        health = make_record(world, agency="health", given_names="Kayden", family_name=f"Far{i}", postcode="S80 1AB")
        same_child(police, health)


def _search(world: Any) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        results = child_search(user=world.users["practitioner"], query="kayden")
    return results, [q["sql"] for q in queries.captured_queries]


def test_a_search_writes_its_know_of_disclosures_in_one_insert_whatever_the_results(
    world: Any, django_assert_num_queries: Any
) -> None:
    make_agreement(world, parties=("city_csc", "police", "health"), know_of_only=True)
    _grow(world, 0, 3)
    child_search(user=world.users["practitioner"], query="kayden")  # warm per-process caches
    Disclosure.objects.all().delete()  # test set-up only: count what the measured search writes
    results, queries = _search(world)
    assert len(results.children) == 3 and len(results.known_elsewhere) == 3
    assert Disclosure.objects.count() == 6  # two holders for each child known elsewhere
    inserts = [q for q in queries if q.startswith('INSERT INTO "children_disclosure"')]
    assert len(inserts) == 1

    _grow(world, 3, 6)
    Disclosure.objects.all().delete()
    with django_assert_num_queries(len(queries)):
        results = child_search(user=world.users["practitioner"], query="kayden")
    assert len(results.children) == 9 and len(results.known_elsewhere) == 9
    assert Disclosure.objects.count() == 18


def test_a_name_matching_more_records_than_a_search_reads_still_finds_the_childs_own_and_says_so(
    world: Any, client: Any
) -> None:
    """More partner records match than the search reads (it takes 200, in no order, so the database
    stops there): the child in the user's own work is still found, 25 of the others are listed as
    known elsewhere, and the page says only some are shown and how to narrow the search."""
    from django.urls import reverse

    from joinedup.children.selectors import KNOWN_ELSEWHERE_LIMIT, SEARCH_LIMIT

    make_agreement(world, parties=("city_csc", "police"), know_of_only=True)
    own = make_record(world, given_names="Tamsin", family_name="Quarrie")
    for i in range(SEARCH_LIMIT * 4 + 20):
        make_record(world, agency="police", given_names=f"Child{i}", family_name="Quarrie", postcode="S80 1AB")
    results = child_search(user=world.users["practitioner"], query="quarrie")
    assert [r.child.pk for r in results.children] == [own.child_id]
    assert len(results.known_elsewhere) == KNOWN_ELSEWHERE_LIMIT
    client.force_login(world.users["practitioner"])
    page = client.get(reverse("children:search"), {"q": "Quarrie"}).content.decode()
    assert "Only 25 of the matches are shown. Add a date of birth or more of the name" in page


def test_a_result_lists_the_childs_records_newest_first_and_only_those_the_user_may_see(world: Any) -> None:
    """records_by_child: each child's own-agency records, newest first, and partners' only as
    know-of; never another child's, and the agency and area each record names are read whole."""
    import datetime as dt

    from django.utils import timezone

    from joinedup.children.models import AgencyRecord

    make_agreement(world, parties=("city_csc", "police"), know_of_only=True)
    older = make_record(world, given_names="Ottilie", family_name="Brackwater", local_id="OLD-1")
    newer = make_record(world, given_names="Ottilie", family_name="Brackwater", local_id="NEW-1", postcode="NG2 1AA")
    police = make_record(world, agency="police", given_names="Ottilie", family_name="Brackwater")
    child = same_child(older, newer, police)
    other = make_record(world, given_names="Ottilie", family_name="Brackwater", date_of_birth=dt.date(2012, 1, 2))
    now = timezone.now()
    # test set-up only: fix which record is newest
    AgencyRecord.objects.filter(pk=older.pk).update(updated_at=now - dt.timedelta(days=3))
    AgencyRecord.objects.filter(pk=newer.pk).update(updated_at=now - dt.timedelta(days=1))

    results = child_search(user=world.users["practitioner"], query="ottilie brackwater")
    by_child = {r.child.pk: r for r in results.children}
    assert set(by_child) == {child.pk, other.child_id}
    mine = by_child[child.pk]
    assert [r.local_id for r in mine.records] == ["NEW-1", "OLD-1"]
    assert [r.local_id for r in by_child[other.child_id].records] == [other.local_id]
    assert [record.agency.name for record, _ in mine.know_of] == ["Shire Police"]
    assert mine.areas == ["City"] and mine.records[0].agency.name == "City Children's Services"


def test_a_record_known_of_shows_the_areas_its_agency_serves_not_where_the_child_lives(world: Any, client: Any) -> None:
    """Knowing of a record is knowing who holds it, never what it says: where the child lives is
    the record's content. The table names the holder's areas served, as the child page does."""
    from django.urls import reverse

    make_agreement(world, parties=("city_csc", "police"), know_of_only=True)
    make_record(world, agency="police", given_names="Kayden", family_name="Far", postcode="S80 1AB")
    client.force_login(world.users["practitioner"])
    page = client.get(reverse("children:search"), {"q": "kayden far"}).content.decode()
    table = page[page.index('id="known-elsewhere"') :][:3000]
    row = table[table.index("Shire Police") :].split("</tr>")[0]
    assert "Areas served" in table and "City, County" in row
    assert '>Child 1</td><td class="govuk-table__cell">Shire Police' in table  # rows of one child share its number


def test_a_card_takes_the_nhs_number_from_the_record_that_holds_it_and_records_it_shown(
    world: Any, client: Any
) -> None:
    """Under emergency access the home page's card of a child just opened is named from the
    police record, which holds no NHS number; the health record holds it. The card shows it,
    as the child page's summary does, and the health record is recorded as disclosed."""
    import datetime as dt

    from django.urls import reverse

    from joinedup.children.services import break_glass_open

    health = make_record(
        world,
        agency="health",
        given_names="Ruby",
        family_name="Odonnell",
        nhs_number="9434765919",
        date_of_birth=dt.date(2011, 3, 27),
    )
    # The police record, changed last, comes first.
    police = make_record(world, agency="police", given_names="Ruby", family_name="Odonnell", nhs_number="")
    child = same_child(police, health)
    user = world.users["practitioner"]
    break_glass_open(actor=user, child=child, reason="missing", explanation="Missing since last night.")
    client.force_login(user)
    client.get(reverse("children:detail", args=[child.uuid]))
    Disclosure.objects.all().delete()  # test set-up only: count what the card discloses
    page = client.get(reverse("home")).content.decode()
    card = page[page.index("app-search-results") :][:3000]
    assert "943 476 5919" in card and "Not recorded" not in card
    assert Disclosure.objects.filter(user=user, record=health).exists()


def test_the_emergency_access_form_says_which_child_by_who_holds_their_records(world: Any, client: Any) -> None:
    """Before opening a child in an emergency, the form says which child: who holds their
    records, as the know-of table did, and nothing those records say."""
    from django.urls import reverse

    make_agreement(world, parties=("city_csc", "police"), know_of_only=True)
    police = make_record(world, agency="police", given_names="Kayden", family_name="Far", postcode="S80 1AB")
    client.force_login(world.users["practitioner"])
    page = client.get(reverse("children:break_glass", args=[police.child.uuid])).content.decode()
    said = page[page.index('id="break-glass-child"') :][:600]
    assert "held by Shire Police" in said and "Kayden" not in page and "S80" not in page
    assert Disclosure.objects.filter(user=world.users["practitioner"], record=police, categories=["know_of"]).exists()
