"""Who may read a young person's own words on their child page, built on the policy core.

A young person's words belong to the agency that heard them: the agency of
the worker who recorded a contribution, or the agency that raised a referral
carrying them. The rules, for a child the user has already opened through
`partnership.access.child_access`:

1. Withdrawn words are never shown: the young person took them back.
2. The holding agency's own staff see its words, whatever the consent.
3. Another agency's staff see them only when both hold:
   - the young person agreed to their words being used with their name, for
     their own plan or to change services ("anonymised" words are never tied
     to the child outside the agency that heard them), and a referral's
     words count as given for the child's own plan;
   - the child page already shares the holder's record with the user for
     this purpose, under a grant that covers the holder's record type (an
     agreement's content categories, or break-glass). A know-of-only
     agreement or no agreement shows nothing.
4. Every partner's words shown are one disclosure row, against the holder's
   record through which the grant runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from joinedup.children.access import ChildAccess, SharedRecord, read_once
from joinedup.participation.models import Cohort, CohortStatus, ConsentUse, Contribution, Opportunity
from joinedup.partnership.access import (
    _NOT_FOUND,
    membership_for,
    require,
)
from joinedup.partnership.roles import Perm, role_can

# Consents that let a young person's words travel with their name beyond the agency that heard them.
IDENTIFIABLE_USE = frozenset({ConsentUse.MY_PLAN_ONLY, ConsentUse.NAMED})


@dataclass(frozen=True)
class Shown:
    """One piece of a young person's words the user may read, and the partner record it crossed by."""

    item: Any  # a Contribution or a Referral
    holder: Any  # the Agency that holds the words
    via: SharedRecord | None  # None for the user's own agency's words


def _holder_of_contribution(contribution: Contribution) -> Any:
    membership = getattr(contribution.heard_by, "membership", None)
    return membership.agency if membership is not None else None


def _shared_record_of(access: ChildAccess, holder: Any) -> SharedRecord | None:
    """The holder's record as the child page shares it, if the grant covers the record's own type."""
    for shared in access.shared:
        if shared.record.agency_id == holder.pk and shared.grant.covers(shared.record.record_type):
            return shared
    return None


def _may_read(*, access: ChildAccess, holder: Any, consent: str) -> tuple[bool, SharedRecord | None]:
    if holder is None:
        return False, None
    if holder.pk == access.membership.agency_id:
        return True, None
    if consent not in IDENTIFIABLE_USE:
        return False, None
    via = _shared_record_of(access, holder)
    return via is not None, via


def contributions_of_opened_child(access: ChildAccess) -> list[Contribution]:
    """The opened child's words not withdrawn, newest first, each with who heard them (and their
    agency), the response, the opportunity and the question: read once for the request (the
    child page's voices and its chronology both show them; contributions_readable decides which
    may be read). Kept on the ChildAccess, which lives for one request."""
    return read_once(
        access,
        "participation.contributions_of_opened_child",
        lambda: list(
            # access: the child the policy opened; contributions_readable decides which show
            Contribution.objects.filter(child=access.child, withdrawn_at__isnull=True)
            .select_related("heard_by__membership__agency", "response", "opportunity", "question")
            .order_by("-heard_on", "-id")
        ),
    )


def contributions_readable(*, access: ChildAccess, contributions: list[Contribution]) -> list[Shown]:
    """Of a child's contributions, those this user may read, with the partner record each crossed by."""
    shown = []
    for c in contributions:
        if c.withdrawn_at is not None:
            continue
        holder = _holder_of_contribution(c)
        allowed, via = _may_read(access=access, holder=holder, consent=c.consent_use)
        if allowed:
            shown.append(Shown(item=c, holder=holder, via=via))
    return shown


def referral_words_readable(*, access: ChildAccess, referrals: list[Any]) -> list[Shown]:
    """Of a child's submitted referrals carrying their words, those this user may read."""
    shown = []
    for r in referrals:
        if not r.child_says.strip():
            continue
        # The referrer wrote the child's words down to get them help: their own plan.
        allowed, via = _may_read(access=access, holder=r.referring_agency, consent=ConsentUse.MY_PLAN_ONLY)
        if allowed:
            shown.append(Shown(item=r, holder=r.referring_agency, via=via))
    return shown


def cohort_get_for_officer(*, user: Any, cohort_uuid: UUID | str) -> Cohort:
    """A cohort in the officer's partnership; 403 for other roles, 404 if none."""

    membership = require(user, Perm.MANAGE_PARTICIPATION)
    try:
        return Cohort.objects.select_related("opportunity").get(
            uuid=cohort_uuid, opportunity__provider__partnership_id=membership.agency.partnership_id
        )
    except _NOT_FOUND as exc:
        raise Http404 from exc


def cohorts_open_to(user: Any) -> QuerySet[Cohort]:
    """Cohorts still forming in the practitioner's partnership, to put young people forward to."""

    membership = require(user, Perm.PUT_FORWARD_FOR_COHORT)
    return Cohort.objects.filter(
        status=CohortStatus.FORMING, opportunity__provider__partnership_id=membership.agency.partnership_id
    ).select_related("opportunity")


def opportunity_get_for_change(*, user: Any, opportunity_uuid: UUID | str) -> Opportunity:

    membership = require(user, Perm.MANAGE_PARTICIPATION)
    try:
        return Opportunity.objects.get(uuid=opportunity_uuid, provider__partnership_id=membership.agency.partnership_id)
    except _NOT_FOUND as exc:
        raise Http404 from exc


def contribution_get_for_withdrawal(*, user: Any, contribution_uuid: UUID | str) -> tuple[Contribution, bool]:
    """Words a young person asks to take back, and whether the user withdraws them as the agency
    that heard them (from the child's page) rather than as the participation officer who closes
    the loop on them. 403 for roles that may do neither, 404 for words that are not theirs."""
    membership = membership_for(user)
    officer = membership is not None and role_can(membership.role, Perm.MANAGE_PARTICIPATION)
    holder = membership is not None and role_can(membership.role, Perm.CREATE_AGENCY_RECORD)
    if membership is None or not (officer or holder):
        raise PermissionDenied
    try:
        contribution = Contribution.objects.select_related("heard_by__membership").get(
            uuid=contribution_uuid, heard_by__membership__agency__partnership_id=membership.agency.partnership_id
        )
    except _NOT_FOUND as exc:
        raise Http404 from exc
    heard_here = getattr(contribution.heard_by, "membership", None)
    if holder and contribution.child_id and heard_here is not None and heard_here.agency_id == membership.agency_id:
        return contribution, True
    if officer:
        from joinedup.participation.selectors import for_the_officer

        if for_the_officer(user=user, partnership=membership.agency.partnership).filter(pk=contribution.pk).exists():
            return contribution, False
    raise Http404


def contribution_get_for_officer(*, user: Any, contribution_uuid: UUID | str) -> Contribution:

    membership = require(user, Perm.MANAGE_PARTICIPATION)
    try:
        return Contribution.objects.get(
            uuid=contribution_uuid, heard_by__membership__agency__partnership_id=membership.agency.partnership_id
        )
    except _NOT_FOUND as exc:
        raise Http404 from exc
