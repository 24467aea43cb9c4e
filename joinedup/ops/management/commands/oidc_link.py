from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from joinedup.core.models import User
from joinedup.ops.services import oidc_identity_link


class Command(BaseCommand):
    help = "Let a person's identity-provider account (its subject / object id) sign in as a Joined Up user."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username", help="The Joined Up username.")
        parser.add_argument("subject", help="The provider's stable id: Entra ID's object id (oid), CIS2's UUID.")

    def handle(self, *args: Any, username: str, subject: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user called {username!r}: check the username on the admin site.")
        try:
            oidc_identity_link(actor=None, user=user, subject=subject)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"{username} now signs in through the identity provider."))
