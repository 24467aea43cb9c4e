from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from joinedup.audit.models import AuditEvent
from joinedup.audit.selectors import audit_chain_verify
from joinedup.audit.services import audit_record


def _three_events(world: Any) -> list[AuditEvent]:
    user = world.users["practitioner"]
    return [
        audit_record(actor=user, event="child.viewed", new={"n": 1}),
        audit_record(actor=user, event="children.searched", detail={"query": "smith"}),
        audit_record(actor=None, event="demo.seeded", detail={"children": 3}),
    ]


def _raw(sql: str, params: list[Any]) -> None:
    """Change the table behind the application's back, as an attacker with SQL would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks must fire before the table can be altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_append_only")


def test_an_untouched_chain_verifies(world: Any) -> None:
    events = _three_events(world)
    result = audit_chain_verify()
    assert result.broken is None
    assert result.count == AuditEvent.objects.count() >= len(events)


def test_events_link_to_the_one_before(world: Any) -> None:
    first, second, _ = _three_events(world)
    assert second.prev_hash == first.hash
    assert first.actor_label == world.users["practitioner"].username
    assert first.agency_label == world.users["practitioner"].membership.agency.name


def test_editing_a_row_is_detected(world: Any) -> None:
    _, second, _ = _three_events(world)
    _raw("UPDATE audit_auditevent SET event = %s WHERE id = %s", ["nothing.happened", second.id])
    broken = audit_chain_verify().broken
    assert broken is not None
    assert broken.event_id == second.id
    assert "content" in broken.reason


def test_editing_json_values_is_detected(world: Any) -> None:
    first, _, _ = _three_events(world)
    _raw("UPDATE audit_auditevent SET new = %s WHERE id = %s", ['{"n": 2}', first.id])
    broken = audit_chain_verify().broken
    assert broken is not None and broken.event_id == first.id


def test_deleting_a_row_is_detected(world: Any) -> None:
    _, second, third = _three_events(world)
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [second.id])
    broken = audit_chain_verify().broken
    assert broken is not None
    assert broken.event_id == third.id
    assert "previous-hash" in broken.reason


def test_reordering_rows_is_detected(world: Any) -> None:
    _, second, third = _three_events(world)
    # Swap the ids of two events, so the chain order changes but every row's content stays.
    _raw("UPDATE audit_auditevent SET id = %s WHERE id = %s", [10_000_000, second.id])
    _raw("UPDATE audit_auditevent SET id = %s WHERE id = %s", [second.id, third.id])
    _raw("UPDATE audit_auditevent SET id = %s WHERE id = %s", [third.id, 10_000_000])
    broken = audit_chain_verify().broken
    assert broken is not None
    assert broken.event_id == second.id


def test_audit_verify_command_reports_the_first_broken_link(world: Any, capsys: Any) -> None:
    _, second, _ = _three_events(world)
    call_command("audit_verify")
    assert "intact" in capsys.readouterr().out
    _raw("UPDATE audit_auditevent SET actor_label = %s WHERE id = %s", ["someone-else", second.id])
    with pytest.raises(CommandError, match=f"broken at event id {second.id}"):
        call_command("audit_verify")


def test_the_application_refuses_to_rewrite_or_delete_events(world: Any) -> None:
    first, _, _ = _three_events(world)
    first.event = "changed"
    with pytest.raises(PermissionError):
        first.save()
    with pytest.raises(PermissionError):
        first.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_postgresql_refuses_update_and_delete(world: Any) -> None:
    from django.db import DatabaseError

    first, _, _ = _three_events(world)
    for sql in ("UPDATE audit_auditevent SET event = 'x' WHERE id = %s", "DELETE FROM audit_auditevent WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [first.id])
