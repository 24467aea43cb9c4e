"""How the child seen whole shows values: NHS numbers grouped, the child's words quoted once,
and a page whose queries do not grow with the child's history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from joinedup.chronology.models import SignificantEvent
from joinedup.chronology.sources import category_for
from joinedup.conftest import make_record, make_words
from joinedup.core.text import quoted


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _glance(content: str) -> str:
    start = content.index('id="at-a-glance"')
    return content[start : content.index("</section>", start)]


def test_the_nhs_number_at_a_glance_is_grouped_as_people_read_it(world: Any) -> None:
    child = make_record(world, agency="city_csc", nhs_number="9434765919").child
    glance = _glance(
        _client(world.users["practitioner"]).get(reverse("children:detail", args=[child.uuid])).content.decode()
    )
    assert "943 476 5919" in glance and "9434765919" not in glance


def test_the_same_nhs_number_typed_two_ways_is_one_value(world: Any) -> None:
    from joinedup.children.access import child_access
    from joinedup.chronology.glance import child_glance
    from joinedup.conftest import make_agreement, same_child

    make_agreement(world, parties=("city_csc", "health"), categories=("identity",))
    child = same_child(
        make_record(world, agency="city_csc", nhs_number="9434765919"),
        make_record(world, agency="health", nhs_number="9434765919"),
    )
    access = child_access(user=world.users["practitioner"], child_uuid=child.uuid, purpose="direct_work")
    nhs = next(d for d in child_glance(access).details if d.key == "nhs_number")
    assert [v.text for v in nhs.values] == ["943 476 5919"] and not nhs.disagrees


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("I want to stay at my school.", "\u201cI want to stay at my school.\u201d"),
        ('"I want to stay at my school."', "\u201cI want to stay at my school.\u201d"),
        ("\u201cI want to stay at my school.\u201d", "\u201cI want to stay at my school.\u201d"),
        ("'I want to stay'", "\u201cI want to stay\u201d"),
        ('He said "wait here" and left.', '\u201cHe said "wait here" and left.\u201d'),
        ("  ", "\u201c\u201d"),
    ],
)
def test_words_are_quoted_once(typed: str, shown: str) -> None:
    assert quoted(typed) == shown


def test_long_words_are_cut_inside_the_quotes() -> None:
    assert quoted('"' + "a" * 50 + '"', 10) == "\u201c" + "a" * 10 + "\u2026\u201d"


def test_the_childs_words_typed_in_quotes_show_quoted_once(world: Any) -> None:
    child = make_record(world, agency="city_csc").child
    make_words(world, child, '"I want to stay at my school."')
    client = _client(world.users["practitioner"])
    for url in (reverse("chronology:chronology", args=[child.uuid]), reverse("children:detail", args=[child.uuid])):
        content = client.get(url).content.decode()
        assert "\u201cI want to stay at my school.\u201d" in content, url
        assert "&quot;I want" not in content and "\u201c\u201c" not in content, url


def _events(child: Any, agency: Any, user: Any, n: int, start: int = 0) -> None:
    SignificantEvent.objects.bulk_create(
        SignificantEvent(
            child=child,
            agency=agency,
            category=category_for(agency),
            kind="missing_episode",
            occurred_on=dt.date(2020, 1, 1) + dt.timedelta(days=i),
            summary=f"Event {i}",
            source="Return interview",
            recorded_by=user,
        )
        for i in range(start, start + n)
    )


def test_queries_do_not_grow_with_the_childs_history(world: Any) -> None:
    """The child page (glance and latest chronology) and the full chronology cost the same number
    of queries for a child with 10 events as for one with 500."""
    user = world.users["practitioner"]
    child = make_record(world, agency="city_csc").child
    agency = world.agencies["city_csc"]
    client = _client(user)
    pages = [reverse("children:detail", args=[child.uuid]), reverse("chronology:chronology", args=[child.uuid])]
    _events(child, agency, user, 10)
    for url in pages:
        client.get(url)  # first visits write what later ones find (recent children, caches)
    counts = {}
    for url in pages:
        with CaptureQueriesContext(connection) as ten:
            assert "Event 9" in client.get(url).content.decode()
        counts[url] = len(ten.captured_queries)
    _events(child, agency, user, 490, start=10)
    for url in pages:
        with CaptureQueriesContext(connection) as five_hundred:
            response = client.get(url)
        assert "Event 499" in response.content.decode()
        assert len(five_hundred.captured_queries) == counts[url], url
    full = client.get(pages[1]).content.decode()
    assert "500 of 501 shown" not in full and "501 of 501 shown" in full  # 500 events and the record
