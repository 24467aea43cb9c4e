from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from joinedup.ops.services import agency_email_domain_add
from joinedup.partnership.models import Agency


class Command(BaseCommand):
    help = "Allow an agency's staff to sign in through the identity provider from an email domain."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("agency", help="The agency's name, as on the admin site.")
        parser.add_argument("domain", help="For example city.gov.uk or nhs.net.")

    def handle(self, *args: Any, agency: str, domain: str, **options: Any) -> None:
        found = Agency.objects.filter(name=agency).first()
        if found is None:
            names = ", ".join(Agency.objects.values_list("name", flat=True)[:20])
            raise CommandError(f"No agency called {agency!r}. Agencies: {names}.")
        try:
            agency_email_domain_add(actor=None, agency=found, domain=domain)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"{found.name} staff may sign in from @{domain.strip().lower()}."))
