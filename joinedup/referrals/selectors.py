"""Reads of referrals: pages that show one are audited here, and the drafts a user has not sent."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from joinedup.audit.services import audit_record
from joinedup.children.models import AgencyRecord, Channel
from joinedup.children.services import disclosures_record
from joinedup.partnership.access import Grant, membership_for
from joinedup.partnership.roles import DataCategory
from joinedup.referrals.access import referral_import_get_for_user
from joinedup.referrals.models import Referral, ReferralImport, ReferralStatus

# What a referral page shows of the child: who they are, and the concerns and their words.
SHOWN = [DataCategory.IDENTITY, DataCategory.SOCIAL_CARE]


def referral_shown(*, user: Any, referral: Referral, purpose: str, event: str = "referral.viewed") -> None:
    """Audit a page showing this referral (the caller has checked the user may see it).

    A viewer outside the referring agency (a screener) receives the referrer's data:
    one disclosure row, on the referrer's record of the child, with the referral as
    its basis rather than an agreement.
    """
    membership = membership_for(user)
    with transaction.atomic():
        if (
            referral.child is not None
            and membership is not None
            and membership.agency_id != referral.referring_agency_id
        ):
            record = (
                # access: the referrer's record of a referral the user may read (referral_get_for_user)
                AgencyRecord.objects.filter(
                    child=referral.child, agency_id=referral.referring_agency_id, erased_at__isnull=True
                )
                .order_by("-updated_at")
                .first()
            )
            if record is not None:
                disclosures_record(
                    user=user,
                    child=referral.child,
                    items=[(record, list(SHOWN), Grant(level="content", categories=frozenset(SHOWN)))],
                    purpose=purpose,
                    channel=Channel.PAGE,
                )
        audit_record(
            actor=user,
            event=event,
            obj=referral,
            child_uuid=referral.child.uuid if referral.child else None,
            purpose=purpose,
            detail={"status": referral.status, "child_says_shown": bool(referral.child_says)},
        )


def drafts_for_user(user: Any) -> QuerySet[Referral]:
    """The user's own referrals not yet sent, newest first: a draft is its author's alone."""
    if membership_for(user) is None:
        # access: the user's own drafts
        return Referral.objects.none()
    # access: the user's own drafts
    return Referral.objects.filter(created_by=user, status=ReferralStatus.DRAFT).order_by("-updated_at")


def children_with_open_referrals() -> QuerySet[Any]:
    """For linkage's review queue (linkage.priority): children with a referral waiting for screening."""
    # access: ids only, to order a reviewer's queue; no referral is shown
    return Referral.objects.filter(status=ReferralStatus.SUBMITTED, child__isnull=False).values("child_id")


@transaction.atomic
def referral_import_view(*, user: Any, import_uuid: Any) -> ReferralImport:
    """One of the user's own referral imports, for its page; audited (its problems quote the file)."""
    imp = referral_import_get_for_user(user=user, import_uuid=import_uuid)
    audit_record(actor=user, event="referrals_import.viewed", obj=imp, detail={"problems_shown": len(imp.problems)})
    return imp
