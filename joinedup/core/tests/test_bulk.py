"""insert_many writes what bulk_create would: prepared values, defaults, one timestamp."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from joinedup.core.bulk import insert_many
from joinedup.linkage.models import ChildJoin
from joinedup.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_rows_get_defaults_a_fresh_uuid_each_and_one_timestamp() -> None:
    user = get_user_model().objects.create_user("reader")
    count = insert_many(
        Notification,
        [
            {"user": user, "kind": "k", "title": "By instance"},  # a key as an instance...
            {"user_id": user.pk, "kind": "k", "title": "By id", "body": "Text"},  # ...or as its id
        ],
    )
    assert count == 2
    rows = list(Notification.objects.order_by("id"))
    assert [(n.user_id, n.title, n.body, n.read_at) for n in rows] == [
        (user.pk, "By instance", "", None),
        (user.pk, "By id", "Text", None),
    ]
    assert rows[0].uuid != rows[1].uuid
    assert rows[0].created_at == rows[0].updated_at == rows[1].created_at


def test_json_is_written_from_values_or_as_text_the_caller_encoded(world: Any) -> None:
    from joinedup.conftest import make_record

    record = make_record(world)
    moves = [{"record": record.pk, "from": record.child_id, "to": record.child_id}]
    base = {"kind": "merge", "target_id": record.child_id, "reason": "test"}
    insert_many(ChildJoin, [{**base, "moves": moves}])
    insert_many(ChildJoin, [{**base, "moves": json.dumps(moves)}], encoded={"moves"})
    assert [join.moves for join in ChildJoin.objects.order_by("id")] == [moves, moves]


def test_it_writes_in_chunks_from_a_stream() -> None:
    user = get_user_model().objects.create_user("reader")
    rows = ({"user_id": user.pk, "kind": "k", "title": f"n{i}"} for i in range(12))
    assert insert_many(Notification, rows, chunk=5) == 12
    assert sorted(Notification.objects.values_list("title", flat=True)) == sorted(f"n{i}" for i in range(12))
