"""ids_in finds the same rows as `__in`, as one array parameter on PostgreSQL, and refuses non-ids."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from joinedup.core.lookups import ids_in
from joinedup.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _notes(n: int) -> list[Notification]:
    user = get_user_model().objects.create_user("reader")
    return [Notification.objects.create(user=user, kind="k", title=f"Note {i}") for i in range(n)]


def test_it_finds_the_rows_in_finds_and_sends_one_parameter_on_postgresql() -> None:
    notes = _notes(5)
    wanted = [notes[0].pk, notes[3].pk, notes[4].pk, 10**12]  # an id that is no row's
    with CaptureQueriesContext(connection) as queries:
        found = sorted(Notification.objects.filter(ids_in("pk", wanted)).values_list("pk", flat=True))
    assert found == sorted(Notification.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    assert found == [notes[0].pk, notes[3].pk, notes[4].pk]
    sql = queries.captured_queries[-1]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and "::bigint[]" in sql
    else:
        assert " IN (" in sql


def test_no_ids_is_no_rows_and_leaves_an_or_beside_it_answering() -> None:
    notes = _notes(2)
    assert not Notification.objects.filter(ids_in("pk", [])).exists()
    either = Notification.objects.filter(Q(ids_in("pk", [])) | Q(title="Note 1"))
    assert list(either.values_list("pk", flat=True)) == [notes[1].pk]
    # and beside a condition with &, as children_in_work_among uses it
    both = Notification.objects.filter(Q(ids_in("pk", [n.pk for n in notes])) & Q(title="Note 0"))
    assert list(both.values_list("pk", flat=True)) == [notes[0].pk]


@pytest.mark.parametrize("bad", [["1"], [1.5], [True], [None]])
def test_anything_but_an_integer_id_is_refused_before_the_database(bad: list[object]) -> None:
    with pytest.raises(TypeError):
        Notification.objects.filter(ids_in("pk", bad))  # type: ignore[arg-type]
