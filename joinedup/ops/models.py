"""Who may sign in through the partnership's identity provider.

A person is matched on the provider's stable subject (Entra ID's object id,
CIS2's UUID), never on email: email addresses are reused and renamed, and a
match on them would hand one person's account to another.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from joinedup.core.models import PublicModel
from joinedup.partnership.models import Agency


class OidcIdentity(PublicModel):
    """The provider account that signs in as a Joined Up user (one per user)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="oidc_identity")
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    last_signed_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="oidc_identity_unique")]

    def __str__(self) -> str:
        return f"{self.user} at {self.issuer}"


class AgencyEmailDomain(models.Model):
    """An email domain an agency's staff sign in from (e.g. city.gov.uk, nhs.net)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="email_domains")
    domain = models.CharField(max_length=253)

    class Meta:
        ordering = ["domain"]
        constraints = [models.UniqueConstraint(fields=["agency", "domain"], name="agency_email_domain_unique")]

    def __str__(self) -> str:
        return f"{self.domain} ({self.agency})"
