"""Sign-in through OpenID Connect, end to end in Chromium against a real provider on localhost.

The provider is django-oidc-provider (tests/oidc_provider), started as its
own process with its own database; nothing in the round trip is mocked.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from joinedup.audit.models import AuditEvent
from joinedup.conftest import BrowserChecks, make_user
from joinedup.ops.models import AgencyEmailDomain
from joinedup.ops.services import agency_email_domain_add, oidc_identity_link
from joinedup.ops.tests.oidc_provider.claims import subject

ROOT = Path(__file__).resolve().parents[3]
CLIENT_ID, CLIENT_SECRET = "joinedup-test", "joinedup-test-secret"
PEOPLE = [
    {"username": "asha", "password": "provider-pass-1", "email": "asha.patel@city.example.gov.uk"},
    {"username": "ben", "password": "provider-pass-2", "email": "ben.cole@gmail.example.com"},
    {"username": "cara", "password": "provider-pass-3", "email": "cara.jones@city.example.gov.uk"},
]


def _port() -> int:
    """The first free port of the ones set aside for servers the tests start (8106-8109)."""
    for port in range(8106, 8110):
        with socket.socket() as s:
            # As the provider's server binds (runserver reuses addresses): a port the last test's
            # provider left in TIME_WAIT is free to it, and must count as free here.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail("Ports 8106-8109 are all in use: stop whatever holds them and run again.")


@dataclass
class Provider:
    url: str
    database: Path

    def disable(self, username: str) -> None:
        """Disable the account at the provider, as an Entra ID admin would."""
        with sqlite3.connect(self.database) as db:
            db.execute("UPDATE auth_user SET is_active = 0 WHERE username = ?", (username,))


@pytest.fixture
def provider(live_server: Any, tmp_path: Path, settings: Any) -> Iterator[Provider]:
    port = _port()
    url = f"http://127.0.0.1:{port}"
    setup = {
        "port": port,
        "database": str(tmp_path / "provider.sqlite3"),
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": f"{live_server.url}/oidc/callback/",
        "people": PEOPLE,
    }
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "joinedup.ops.tests.oidc_provider.serve", json.dumps(setup)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        said = []
        while (line := process.stdout.readline()) and line.strip() != "ready":
            said.append(line)  # the provider's own set-up output
        assert line.strip() == "ready", "".join(said)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        settings.OIDC_ENABLED = True
        settings.OIDC_RP_CLIENT_ID = CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
        settings.OIDC_OP_ISSUER = f"{url}/openid"
        settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{url}/openid/authorize"
        settings.OIDC_OP_TOKEN_ENDPOINT = f"{url}/openid/token"
        settings.OIDC_OP_USER_ENDPOINT = f"{url}/openid/userinfo"
        settings.OIDC_OP_JWKS_ENDPOINT = f"{url}/openid/jwks"
        settings.OIDC_PROVIDER_NAME = "Test Council account"
        settings.OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS = 3
        yield Provider(url=url, database=tmp_path / "provider.sqlite3")
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def linked(transactional_db: Any, world: Any, provider: Provider) -> dict[str, Any]:
    agency_email_domain_add(actor=None, agency=world.agencies["city_csc"], domain="city.example.gov.uk")
    users = {}
    for person in PEOPLE:
        # The Joined Up username and email differ from the provider's: only the subject joins them.
        user = make_user(world, role="practitioner", username=f"jup-{person['username']}")
        user.email = "someone.else@city.example.gov.uk"
        user.save(update_fields=["email"])
        users[person["username"]] = user
    for name in ("asha", "ben"):
        oidc_identity_link(actor=None, user=users[name], subject=subject(type("U", (), {"username": name})()))
    return users


def _provider_sign_in(ui: BrowserChecks, provider: Provider, person: dict[str, str]) -> None:
    page = ui.page
    ui.goto("/sign-in/")
    page.click("#oidc-sign-in")
    page.wait_for_url(f"{provider.url}/login/**")
    page.fill("#id_username", person["username"])
    page.fill("#id_password", person["password"])
    page.click("#provider-sign-in")


@pytest.mark.browser
def test_a_linked_person_signs_in_through_the_provider_and_loses_access_when_disabled_there(
    linked: dict[str, Any], provider: Provider, browser_checks: BrowserChecks
) -> None:
    ui, page = browser_checks, browser_checks.page
    _provider_sign_in(ui, provider, PEOPLE[0])
    page.wait_for_url(f"{ui.base}/")
    ui.check()
    assert page.locator("form[action='/sign-out/'] button").inner_text() == "Sign out"
    event = AuditEvent.objects.filter(event="user.signed_in").latest("id")
    assert event.actor_id == linked["asha"].pk and event.detail == {"method": "oidc"}

    # Past the refresh interval the session is re-checked with the provider, silently while active.
    time.sleep(3.5)
    ui.goto("/")
    assert page.url == f"{ui.base}/"
    assert page.locator("form[action='/sign-out/'] button").inner_text() == "Sign out"

    provider.disable("asha")
    time.sleep(3.5)
    page.goto(f"{ui.base}/")
    page.wait_for_url(f"{ui.base}/sign-in/**")
    ui.check()
    assert "You could not be signed in with Test Council account" in page.inner_text("#oidc-failed")
    page.goto(f"{ui.base}/")
    page.wait_for_url(f"{ui.base}/sign-in/?next=/")


@pytest.mark.browser
@pytest.mark.parametrize(
    ("person", "reason"),
    [(PEOPLE[1], "email_domain_not_allowed"), (PEOPLE[2], "not_linked")],
    ids=["email-domain-not-allowed", "not-linked"],
)
def test_the_provider_cannot_sign_in_someone_not_linked_or_from_another_domain(
    linked: dict[str, Any], provider: Provider, browser_checks: BrowserChecks, person: dict[str, str], reason: str
) -> None:
    ui, page = browser_checks, browser_checks.page
    _provider_sign_in(ui, provider, person)
    page.wait_for_url(f"{ui.base}/sign-in/?oidc=failed")
    ui.check()
    assert "is not linked to Joined Up" in page.inner_text("#oidc-failed")
    assert not AuditEvent.objects.filter(event="user.signed_in").exists()
    refused = AuditEvent.objects.get(event="user.sign_in_refused")
    assert refused.detail["reason"] == reason


@pytest.mark.browser
def test_local_accounts_still_sign_in_when_oidc_is_on(
    linked: dict[str, Any], provider: Provider, browser_checks: BrowserChecks
) -> None:
    browser_checks.sign_in("screener")
    time.sleep(3.5)
    browser_checks.goto("/")  # no provider round trip for a local session
    assert browser_checks.page.url == f"{browser_checks.base}/"


def test_the_sign_in_page_offers_no_provider_when_oidc_is_off(client: Any, db: Any) -> None:
    page = client.get("/sign-in/").content.decode()
    assert "oidc-sign-in" not in page
    assert client.get("/oidc/authenticate/").status_code == 404


def test_a_domain_must_look_like_one(world: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        agency_email_domain_add(actor=None, agency=world.agencies["police"], domain="not a domain")
    assert exc.value.message_dict["domain"] == [
        "'not a domain' is not a domain name: give it as, for example, city.gov.uk."
    ]
    assert not AgencyEmailDomain.objects.exists()


def test_one_subject_signs_in_as_one_user_only(world: Any, settings: Any) -> None:
    from django.core.exceptions import ValidationError

    settings.OIDC_OP_ISSUER = "http://provider.example/openid"
    oidc_identity_link(actor=None, user=world.users["screener"], subject="abc")
    with pytest.raises(ValidationError) as exc:
        oidc_identity_link(actor=None, user=world.users["dpo"], subject="abc")
    assert exc.value.message_dict["subject"] == ["That subject already signs in as screener."]


def test_the_commands_link_a_subject_and_allow_a_domain_and_explain_bad_input(world: Any, settings: Any) -> None:
    from django.core.management import CommandError, call_command

    from joinedup.ops.models import OidcIdentity

    settings.OIDC_OP_ISSUER = "http://provider.example/openid"
    call_command("oidc_link", "screener", "0b6c9a1e-entra-oid", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert OidcIdentity.objects.get(user=world.users["screener"]).subject == "0b6c9a1e-entra-oid"
    call_command("oidc_domain", "Shire Police", "Police.Example.uk", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert AgencyEmailDomain.objects.get().domain == "police.example.uk"
    with pytest.raises(CommandError, match="No user called 'nobody'"):
        call_command("oidc_link", "nobody", "x")
    with pytest.raises(CommandError, match="No agency called 'Nowhere'"):
        call_command("oidc_domain", "Nowhere", "x.uk")


def test_an_expired_oidc_session_is_sent_to_the_provider_and_htmx_is_told_to_reload(world: Any, settings: Any) -> None:
    from django.test import Client

    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "http://127.0.0.1:8106/openid/authorize"
    client = Client()
    client.force_login(world.users["screener"], backend="joinedup.ops.oidc.SubjectBackend")
    session = client.session
    session["oidc_id_token_expiration"] = 0
    session.save()

    plain = client.get("/children/")
    assert plain.status_code == 302
    assert plain["Location"].startswith("http://127.0.0.1:8106/openid/authorize?")
    assert "prompt=none" in plain["Location"]
    htmx = client.get("/children/?q=x", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/children/"})
    assert htmx.status_code == 200 and htmx["HX-Redirect"] == "http://testserver/children/"
    # A local session is never sent to the provider.
    local = Client()
    local.force_login(world.users["screener"])
    assert local.get("/children/").status_code == 200
