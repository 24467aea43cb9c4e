"""The backup procedure, run for real against PostgreSQL: dump, restore fresh, audit_verify, row counts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection

from joinedup.audit.models import AuditEvent
from joinedup.conftest import make_record

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="backups are of PostgreSQL (make test-postgres)"),
]
ROOT = Path(__file__).resolve().parents[3]


def _url() -> str:
    s = connection.settings_dict
    return f"postgres://{quote(s['USER'])}:{quote(s['PASSWORD'])}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


def _script(*args: str) -> subprocess.CompletedProcess[str]:
    from django.conf import settings

    # The script checks the restored chain against the checkpoints: this test's own file, never
    # whatever a developer's server left in var/ (that would make the result depend on the machine).
    env = {**os.environ, "AUDIT_CHECKPOINT_FILE": settings.AUDIT_CHECKPOINT_FILE}
    return subprocess.run(
        [sys.executable, "scripts/backup.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env
    )


def test_the_restore_drill_restores_a_copy_whose_audit_chain_verifies_and_whose_rows_match(world: Any) -> None:
    for i in range(5):
        make_record(world, given_names=f"Test{i}", actor=world.users["practitioner"])
    events = AuditEvent.objects.count()
    assert events >= 5

    result = _script("drill", "--database-url", _url())

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Audit chain intact: {events} events verified" in result.stdout
    assert "Row counts compared for" in result.stdout and "Restore drill passed." in result.stdout
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_database WHERE datname LIKE %s", [f"{connection.settings_dict['NAME']}_restore_%"]
        )
        assert cursor.fetchone()[0] == 0  # the copy is dropped afterwards


def test_restore_refuses_to_land_on_an_existing_database(tmp_path: Path, world: Any) -> None:
    archive = tmp_path / "backup.dump"
    assert _script("dump", "--database-url", _url(), "--out", str(archive)).returncode == 0
    assert archive.stat().st_size > 0
    result = _script("restore", "--file", str(archive), "--database-url", _url())
    assert result.returncode == 1
    assert (
        f"Database {connection.settings_dict['NAME']} already exists: restore into a new database name" in result.stderr
    )


def test_bad_input_gets_a_message_saying_what_to_fix(tmp_path: Path) -> None:
    result = _script("dump", "--database-url", "sqlite:///var/x.sqlite3", "--out", str(tmp_path / "x"))
    assert result.returncode == 1
    assert "Give a PostgreSQL URL with a database name" in result.stderr
    result = _script("restore", "--file", str(tmp_path / "missing.dump"), "--database-url", _url() + "_new")
    assert result.returncode == 1 and "No backup at" in result.stderr
