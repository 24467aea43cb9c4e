""" "In my work" is asked of each child by index, not by reading the agency's whole work.

PostgreSQL hashes an `IN (subquery)` under an OR, reading every row of it to check one
child (docs/decisions/0005-search-and-work-checks-at-scale.md); the rules are EXISTS.
"""

from __future__ import annotations

from typing import Any

from joinedup.children.access import children_visible_to
from joinedup.conftest import make_record


def test_each_in_work_rule_is_a_correlated_exists(world: Any) -> None:
    sql = str(children_visible_to(world.users["practitioner"]).query)
    assert sql.count("EXISTS") >= 3
    assert '"children_child"."id" IN (SELECT' not in sql


def test_it_still_finds_exactly_the_children_in_work(world: Any) -> None:
    own = make_record(world, given_names="Ava", family_name="Inwork")
    other = make_record(world, agency="police", given_names="Ava", family_name="Elsewhere")
    visible = set(children_visible_to(world.users["practitioner"]).values_list("pk", flat=True))
    assert own.child_id in visible and other.child_id not in visible
