"""The production server's contract: health probe, deploy checks, static files after collectstatic."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client

ROOT = Path(__file__).resolve().parents[3]


def _production_env(**extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "HTTPS", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        HTTPS="true",
        SECURE_SSL_REDIRECT="true",
        ALLOWED_HOSTS="joinedup.example.org",
    )
    env.update(extra)
    return env


def test_healthz_answers_ok_without_sign_in_or_personal_data(db: Any) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_fails_when_a_migration_is_unapplied(db: Any) -> None:
    # The latest of an app's migrations: an earlier one missing under a later one counts as applied.
    recorded = MigrationRecorder(connection).migration_qs.filter(app="jobs").order_by("-name").first()
    assert recorded is not None
    recorded.delete()
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "failing", "database": "ok", "migrations": "1 unapplied"}


def test_healthz_refuses_other_methods(db: Any) -> None:
    assert Client().post("/healthz").status_code == 405


def test_check_deploy_is_clean_under_production_settings() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key() -> None:
    env = _production_env()
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "Set the environment variable SECRET_KEY" in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_gunicorn_serves_health_and_static_files_after_collectstatic(tmp_path: Path) -> None:
    """The production start as documented: migrate, collectstatic, gunicorn; WhiteNoise serves /static/."""
    database = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    env = _production_env(
        DATABASE_URL=database,
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(tmp_path / "static"),
        # Plain HTTP on loopback; only collectstatic's output is served, as in production.
        HTTPS="false",
        SECURE_SSL_REDIRECT="false",
        WHITENOISE_USE_FINDERS="false",
    )
    for command in (["migrate", "--no-input"], ["collectstatic", "--no-input"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    collected = tmp_path / "static" / "vendor" / "htmx"
    assert (collected / "htmx.min.js").is_file() and (collected / "htmx.min.js.gz").is_file()
    port = _free_port()
    server = subprocess.Popen(
        # gunicorn.conf.py in the working directory, as `make serve-production` runs it.
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        body = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:  # noqa: S310
                    body = json.loads(response.read())
                    break
            except OSError:
                time.sleep(0.2)
        assert body == {"status": "ok", "database": "ok", "migrations": "ok"}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/vendor/htmx/htmx.min.js", timeout=5) as r:  # noqa: S310
            assert r.status == 200
            assert "javascript" in r.headers["Content-Type"]
            assert r.headers.get("Cache-Control")
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_half_configured_oidc_refuses_to_start_and_names_the_missing_setting() -> None:
    env = _production_env(OIDC_RP_CLIENT_ID="joinedup", OIDC_OP_ISSUER="https://login.example/v2.0")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "OIDC_RP_CLIENT_ID is set, so set OIDC_OP_AUTHORIZATION_ENDPOINT too" in result.stderr


def test_postgresql_connections_do_not_compile_queries_first(db: Any) -> None:
    """JIT spent 200 ms compiling the review queue's count, which runs in 0.1 ms, at a million
    children (settings: POSTGRES_JIT)."""
    if connection.vendor != "postgresql":
        pytest.skip("JIT is PostgreSQL's (make test-postgres)")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_jit_off_keeps_the_options_the_database_url_gives() -> None:
    code = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS']['options'])"
    env = {
        **_production_env(),
        "DJANGO_SETTINGS_MODULE": "joinedup.settings",
        "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/db?options=-c%20statement_timeout%3D5000",
    }
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "-c statement_timeout=5000 -c jit=off"
    env["POSTGRES_JIT"] = "true"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "-c statement_timeout=5000"
