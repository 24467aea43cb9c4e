from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from joinedup.audit.models import AuditEvent
from joinedup.conftest import PASSWORD


class TestSignIn:
    def test_a_user_signs_in_and_it_is_audited(self, world: Any) -> None:
        client = Client()
        response = client.post(reverse("login"), {"username": "practitioner", "password": PASSWORD})
        assert response.status_code == 302
        assert response["Location"] == reverse("home")
        assert AuditEvent.objects.filter(event="user.signed_in", actor=world.users["practitioner"]).exists()

    def test_a_wrong_password_is_explained_and_the_username_kept(self, world: Any) -> None:
        response = Client().post(reverse("login"), {"username": "practitioner", "password": "wrong"})
        content = response.content.decode()
        assert response.status_code == 200
        assert "Enter a correct username and password" in content
        assert 'value="practitioner"' in content

    def test_repeated_failures_lock_the_account(self, world: Any, settings: Any) -> None:
        client = Client()
        for _ in range(settings.AXES_FAILURE_LIMIT):
            client.post(reverse("login"), {"username": "practitioner", "password": "wrong"})
        response = client.post(reverse("login"), {"username": "practitioner", "password": PASSWORD})
        assert response.status_code == 429
        assert b"This account is locked for now" in response.content

    def test_sign_out_needs_post_and_is_audited(self, world: Any) -> None:
        client = Client()
        client.force_login(world.users["practitioner"])
        assert client.get(reverse("logout")).status_code == 405
        response = client.post(reverse("logout"))
        assert response.status_code == 302
        assert AuditEvent.objects.filter(event="user.signed_out").exists()
        assert client.get(reverse("home")).status_code == 302


class TestAdmin:
    def test_partnership_admins_reach_the_admin(self, world: Any) -> None:
        client = Client()
        client.force_login(world.users["partnership_admin"])
        response = client.get("/admin/")
        assert response.status_code == 200
        assert b"Agencies" in response.content
        # Children's records are not configuration: they are not in the admin at all.
        assert b"Agency records" not in response.content
        assert client.get("/admin/children/agencyrecord/").status_code == 404

    def test_other_roles_are_sent_to_the_admin_sign_in(self, world: Any) -> None:
        client = Client()
        client.force_login(world.users["practitioner"])
        response = client.get("/admin/partnership/agency/")
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]

    def test_admin_changes_are_audited_and_nothing_can_be_deleted(self, world: Any) -> None:
        client = Client()
        client.force_login(world.users["partnership_admin"])
        agency = world.agencies["police"]
        response = client.post(
            f"/admin/partnership/agency/{agency.pk}/change/",
            {
                "partnership": world.partnership.pk,
                "name": "Shire Constabulary",
                "agency_type": "police",
                "areas": [world.city.pk, world.county.pk],
                "contact_route": "Phone",
                "is_active": "on",
                "teams-TOTAL_FORMS": "0",
                "teams-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        event = AuditEvent.objects.get(event="admin.agency.changed")
        assert event.old["name"] == "Shire Police" and event.new["name"] == "Shire Constabulary"
        assert client.get(f"/admin/partnership/agency/{agency.pk}/delete/").status_code == 403


class TestErrorPages:
    def test_404_uses_the_service_look(self, world: Any) -> None:
        client = Client()
        client.force_login(world.users["practitioner"])
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        assert b"govuk-template" in response.content and b"Page not found" in response.content

    def test_500_renders_without_the_database(self, rf: Any) -> None:
        from joinedup.shell.views import error_500

        response = error_500(rf.get("/"))
        assert response.status_code == 500
        assert b"Sorry, there is a problem with the service" in response.content

    def test_pages_carry_security_headers(self, world: Any) -> None:
        response = Client().get(reverse("login"))
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
