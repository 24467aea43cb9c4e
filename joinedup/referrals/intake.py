"""Finding the child a referral is about, or creating them.

`find_or_create_child` asks each registered matcher in turn; the first that
finds the child wins. The matcher here looks in the referring agency's own
records by NHS number, or by name and date of birth. When none finds the
child, a new agency record is created, and the joining-the-dots capability
matches it probabilistically against every agency's records as it is created
(children.services.register_record_created_hook, linkage.intake).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.db import connection

from joinedup.children.models import AgencyRecord, Child
from joinedup.children.services import agency_record_create
from joinedup.core.text import name_key
from joinedup.core.validators import normalise_nhs_number

Matcher = Callable[[Any, dict[str, Any]], Child | None]
_MATCHERS: list[Matcher] = []


def register_intake_matcher(matcher: Matcher) -> None:
    if matcher not in _MATCHERS:
        _MATCHERS.append(matcher)


def _own_records(actor: Any, details: dict[str, Any]) -> Child | None:
    """An exact match in the referrer's own agency only. A partner's records are linkage's to
    match, scored and open to review; an exact lookup into them here would join without either."""
    # access: the actor's own agency's records
    records = AgencyRecord.objects.filter(agency=actor.membership.agency, erased_at__isnull=True)
    if details.get("nhs_number"):
        found = records.filter(nhs_number=normalise_nhs_number(details["nhs_number"])).first()
        if found is not None:
            return found.child
    if details.get("date_of_birth") and details.get("given_names") and details.get("family_name"):
        found = records.filter(
            given_key=name_key(details["given_names"]),
            family_key=name_key(details["family_name"]),
            date_of_birth=details["date_of_birth"],
        ).first()
        if found is not None:
            return found.child
    return None


register_intake_matcher(_own_records)


def _identity_lock(agency_id: int, details: dict[str, Any]) -> None:
    """Serialise, until the transaction ends, everyone finding or creating this child in this agency.

    Two people sending referrals about the same new child at once would otherwise
    both find no record and both create one. The key is what the matcher looks up
    by (NHS number, or name and date of birth), so the second waits, then finds the
    first's record. SQLite needs nothing: its IMMEDIATE transactions already serialise.
    """
    if connection.vendor != "postgresql":
        return
    if details.get("nhs_number"):
        identity = f"nhs:{normalise_nhs_number(details['nhs_number'])}"
    else:
        identity = "name:{}|{}|{}".format(
            name_key(details.get("given_names", "")),
            name_key(details.get("family_name", "")),
            details.get("date_of_birth") or "",
        )
    digest = hashlib.sha256(f"referral-intake|{agency_id}|{identity}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def find_or_create_child(*, actor: Any, details: dict[str, Any], reference: str) -> tuple[Child, bool]:
    """The child the referral is about and whether they were new to the referring agency.

    Call inside a transaction: the lock on the child's identifying details lasts until it ends.
    """
    _identity_lock(actor.membership.agency_id, details)
    for matcher in _MATCHERS:
        child = matcher(actor, details)
        if child is not None:
            return child, False
    record = agency_record_create(
        actor=actor,
        agency=actor.membership.agency,
        data={
            "local_id": reference,
            "given_names": details["given_names"],
            "family_name": details["family_name"],
            "date_of_birth": details.get("date_of_birth"),
            # The referral does not ask for sex; a record needs one, so it is recorded as unknown.
            "sex": details.get("sex") or "U",
            "nhs_number": details.get("nhs_number", ""),
            "postcode": details.get("postcode", ""),
        },
    )
    return record.child, True
