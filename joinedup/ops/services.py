"""Writes for sign-in through OpenID Connect: each audited in its own transaction."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from joinedup.audit.services import audit_record
from joinedup.ops.models import AgencyEmailDomain, OidcIdentity
from joinedup.partnership.models import Agency

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@transaction.atomic
def oidc_identity_link(*, actor: Any, user: Any, subject: str, issuer: str | None = None) -> OidcIdentity:
    """Let the provider account `subject` sign in as `user`, replacing any earlier link of that user."""
    issuer = issuer if issuer is not None else settings.OIDC_OP_ISSUER
    subject = subject.strip()
    if not subject:
        raise ValidationError({"subject": "Enter the subject (object id) the identity provider gives this person."})
    if not issuer:
        raise ValidationError({"issuer": "Set OIDC_OP_ISSUER, or give the issuer."})
    taken = OidcIdentity.objects.filter(issuer=issuer, subject=subject).exclude(user=user).first()
    if taken is not None:
        raise ValidationError({"subject": f"That subject already signs in as {taken.user.username}."})
    identity = OidcIdentity.objects.filter(user=user).first()
    old = {"issuer": identity.issuer, "subject": identity.subject} if identity else None
    if identity is None:
        identity = OidcIdentity(user=user, issuer=issuer, subject=subject)
        identity.full_clean()
        identity.save()
    else:
        identity.issuer, identity.subject = issuer, subject
        identity.full_clean()
        identity.save(update_fields=["issuer", "subject", "updated_at"])
    audit_record(
        actor=actor,
        event="oidc_identity.linked",
        obj=identity,
        old=old,
        new={"user": user.username, "issuer": issuer, "subject": subject},
    )
    return identity


@transaction.atomic
def agency_email_domain_add(*, actor: Any, agency: Agency, domain: str) -> AgencyEmailDomain:
    """Allow `agency`'s staff to sign in from addresses at `domain`."""
    domain = domain.strip().lower().lstrip("@")
    if not _DOMAIN.match(domain):
        raise ValidationError({"domain": f"{domain!r} is not a domain name: give it as, for example, city.gov.uk."})
    row = AgencyEmailDomain(agency=agency, domain=domain)
    row.full_clean()
    row.save()
    audit_record(actor=actor, event="agency_email_domain.added", obj=agency, new={"domain": domain})
    return row


@transaction.atomic
def oidc_sign_in_record(*, identity: OidcIdentity) -> None:
    """Note a successful sign-in through the provider (the user is the actor)."""
    identity.last_signed_in_at = timezone.now()
    identity.save(update_fields=["last_signed_in_at", "updated_at"])
    audit_record(actor=identity.user, event="user.signed_in", detail={"method": "oidc"})


@transaction.atomic
def oidc_sign_in_refuse(*, subject: str, reason: str, user: Any = None) -> None:
    """Record a refused sign-in through the provider: who it was, if known, and why."""
    audit_record(
        actor=user, event="user.sign_in_refused", detail={"method": "oidc", "subject": subject, "reason": reason}
    )
