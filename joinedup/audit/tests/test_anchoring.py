"""The chain is keyed and anchored: cutting it short or re-hashing it fails verification.

Each test plays an attacker who can run SQL against the audit table (and, on
PostgreSQL, even disable its trigger as the table owner) but who has neither
the HMAC key in the environment nor the checkpoint file on the app's disk.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from joinedup.audit.chain import GENESIS, HASHED_FIELDS, KEYED_MARKER, event_hash, key_id
from joinedup.audit.checkpoints import checkpoint_write, checkpoints_read
from joinedup.audit.models import AuditEvent
from joinedup.audit.selectors import audit_chain_verify
from joinedup.audit.services import _fields, audit_record, audit_record_many


def _events(n: int, **extra: Any) -> list[AuditEvent]:
    return [audit_record(actor=None, event="test.event", detail={"n": i, **extra}) for i in range(n)]


def _sql(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only")
        cursor.execute(sql, params or [])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_append_only")


def _rehash(key: bytes | None = None) -> None:
    """Re-chain every remaining row as the attacker can: plain SHA-256, or a key they chose."""
    prev = GENESIS
    rows = list(AuditEvent.objects.order_by("id").values("id", *HASHED_FIELDS))
    # Park every hash first: the column is unique and new values may collide with old ones mid-way.
    _sql("UPDATE audit_auditevent SET hash = 'x' || id")
    for row in rows:
        new = event_hash(row, prev, key)
        _sql("UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE id = %s", [prev, new, row["id"]])
        prev = new


def _checkpoint_head() -> None:
    call_command("audit_checkpoint")


def _broken() -> Any:
    result = audit_chain_verify()
    assert result.broken is not None, "verification should have failed"
    return result.broken


def test_every_new_chain_starts_with_a_marker_naming_the_key(world: Any) -> None:
    _events(1)
    first = AuditEvent.objects.order_by("id").first()
    assert first is not None and first.event == KEYED_MARKER
    assert first.detail["key_id"] == key_id(settings.AUDIT_HMAC_KEY.encode())
    assert settings.AUDIT_HMAC_KEY not in json.dumps(first.detail)
    # Keyed: the plain SHA-256 of the event does not match its hash.
    event = _events(1)[0]
    assert event.hash != event_hash(event.__dict__ | {"actor_id": None}, event.prev_hash)
    result = audit_chain_verify()
    assert result.broken is None and result.keyed_from == first.id


def test_truncating_the_tail_is_detected(world: Any) -> None:
    events = _events(20)
    _checkpoint_head()
    _sql("DELETE FROM audit_auditevent WHERE id >= %s", [events[-5].id])
    broken = _broken()
    assert broken.event_id == events[-1].id
    assert "no longer in the chain" in broken.reason and "cut short" in broken.reason


def test_deleting_and_rehashing_without_the_key_is_detected(world: Any) -> None:
    events = _events(10)
    _sql("DELETE FROM audit_auditevent WHERE id IN (%s, %s)", [events[3].id, events[4].id])
    _rehash(key=None)
    assert "does not match its hash" in _broken().reason


def test_rehashing_with_a_key_of_ones_own_is_detected(world: Any) -> None:
    events = _events(10)
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [events[5].id])
    _rehash(key=b"the attacker's own key")
    assert "does not match its hash" in _broken().reason


def test_replacing_the_keyed_chain_with_a_legacy_one_is_detected_by_the_checkpoint(world: Any) -> None:
    events = _events(10)
    _checkpoint_head()
    # Remove the markers and re-chain everything in the unkeyed legacy format.
    _sql("DELETE FROM audit_auditevent WHERE event = %s", [KEYED_MARKER])
    _rehash(key=None)
    broken = _broken()
    assert broken.event_id == events[-1].id and "rewritten" in broken.reason


def test_editing_a_row_and_rehashing_the_rest_is_detected(world: Any) -> None:
    events = _events(5)
    _checkpoint_head()
    _sql("UPDATE audit_auditevent SET actor_label = 'someone else' WHERE id = %s", [events[2].id])
    _rehash(key=None)
    assert _broken().event_id <= events[2].id


def test_reordering_is_detected(world: Any) -> None:
    events = _events(4)
    a, b = events[1].id, events[2].id
    _sql("UPDATE audit_auditevent SET id = %s WHERE id = %s", [10_000_000, a])
    _sql("UPDATE audit_auditevent SET id = %s WHERE id = %s", [a, b])
    _sql("UPDATE audit_auditevent SET id = %s WHERE id = %s", [b, 10_000_000])
    assert _broken().event_id == a


def test_rows_chained_before_the_key_keep_verifying(world: Any) -> None:
    """The migration path: an existing unkeyed chain is kept, and keyed from a recorded point on."""
    _sql("DELETE FROM audit_auditevent")
    prev = GENESIS
    for i in range(3):
        fields = _fields(actor=None, event="legacy.event", detail={"i": i}) | {
            "uuid": f"00000000-0000-0000-0000-00000000000{i}"
        }
        fields["prev_hash"] = prev
        fields["hash"] = prev = event_hash(fields, prev)
        AuditEvent(**fields).save()
    legacy_head = AuditEvent.objects.order_by("-id").first()
    assert legacy_head is not None
    assert audit_chain_verify().broken is None and audit_chain_verify().keyed_from is None

    new = audit_record(actor=None, event="after.upgrade")
    marker = AuditEvent.objects.get(event=KEYED_MARKER)
    assert marker.prev_hash == legacy_head.hash and marker.detail["after_event"] == legacy_head.id
    assert new.prev_hash == marker.hash
    result = audit_chain_verify()
    assert result.broken is None and result.keyed_from == marker.id and result.count == 5


def test_a_rotated_key_verifies_only_while_the_old_key_is_configured(world: Any, settings: Any) -> None:
    old_key = settings.AUDIT_HMAC_KEY
    _events(2)
    settings.AUDIT_HMAC_KEY = "a-new-key-for-the-next-year"
    _events(2)
    markers = list(AuditEvent.objects.filter(event=KEYED_MARKER).order_by("id"))
    assert len(markers) == 2 and markers[1].detail["previous_key_id"] == markers[0].detail["key_id"]
    assert "not configured" in _broken().reason
    settings.AUDIT_HMAC_PREVIOUS_KEYS = [old_key]
    assert audit_chain_verify().broken is None


def test_writes_checkpoint_after_commit_every_n_events(
    world: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.AUDIT_CHECKPOINT_EVERY = 5
    with django_capture_on_commit_callbacks(execute=True):
        _events(12)
    checkpoints = checkpoints_read()
    assert checkpoints, "crossing multiples of 5 should have checkpointed"
    heads = dict(AuditEvent.objects.values_list("id", "hash"))
    assert all(heads[c.seq] == c.hash for c in checkpoints)
    seqs = [c.seq for c in checkpoints]
    # Every multiple of five crossed is anchored by the event that crossed it.
    assert {s // 5 for s in seqs} >= {i // 5 for i in heads if i >= min(heads) + 4}


def test_bulk_writes_checkpoint_too(world: Any, settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.AUDIT_CHECKPOINT_EVERY = 10
    with django_capture_on_commit_callbacks(execute=True):
        audit_record_many([{"actor": None, "event": "bulk.event", "detail": {"i": i}} for i in range(25)])
    head = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
    assert checkpoints_read()[-1].seq == head[0] and checkpoints_read()[-1].hash == head[1]
    assert audit_chain_verify().broken is None


def test_a_rolled_back_write_leaves_no_checkpoint(world: Any, settings: Any) -> None:
    settings.AUDIT_CHECKPOINT_EVERY = 1
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, event="never.committed")
        raise RuntimeError
    assert checkpoints_read() == []


def test_checkpoint_command_writes_the_file_and_the_log(world: Any, caplog: Any) -> None:
    _events(3)
    with caplog.at_level("INFO", logger="joinedup.audit"):
        _checkpoint_head()
    head = AuditEvent.objects.order_by("-id").first()
    assert head is not None
    (line,) = Path(settings.AUDIT_CHECKPOINT_FILE).read_text().splitlines()
    assert json.loads(line)["seq"] == head.id and json.loads(line)["hash"] == head.hash
    assert head.hash in caplog.text


def test_an_unwritable_checkpoint_file_is_logged_not_raised(
    world: Any, settings: Any, caplog: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.AUDIT_CHECKPOINT_FILE = str(blocker / "checkpoints.jsonl")
    settings.AUDIT_CHECKPOINT_EVERY = 1
    with caplog.at_level("INFO", logger="joinedup.audit"), django_capture_on_commit_callbacks(execute=True):
        event = audit_record(actor=None, event="still.recorded")
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert "audit checkpoint not written" in caplog.text and event.hash in caplog.text


def test_checkpoint_command_refuses_to_anchor_a_broken_chain(world: Any) -> None:
    events = _events(3)
    _sql("UPDATE audit_auditevent SET event = 'x' WHERE id = %s", [events[1].id])
    with pytest.raises(CommandError, match="Not checkpointed"):
        _checkpoint_head()
    assert checkpoints_read() == []


def test_a_damaged_checkpoint_file_fails_verification(world: Any) -> None:
    _events(2)
    Path(settings.AUDIT_CHECKPOINT_FILE).write_text("not json\n")
    assert "not a checkpoint line" in _broken().reason


def test_verify_command_reports_anchoring(world: Any, capsys: Any) -> None:
    _events(3)
    checkpoint_write(seq=AuditEvent.objects.order_by("-id").values_list("id", flat=True).first(), hash="0" * 64)
    with pytest.raises(CommandError, match="rewritten"):
        call_command("audit_verify")
    Path(settings.AUDIT_CHECKPOINT_FILE).unlink()
    _checkpoint_head()
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "intact" in out and "keyed from event" in out and "1 checkpoint matched" in out


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_postgresql_refuses_truncate(world: Any) -> None:
    _events(2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            # Deferred foreign-key checks would refuse it first; let the trigger answer.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE audit_auditevent CASCADE")
    assert AuditEvent.objects.count() >= 2
