"""The child page's "In their own words" section: what the young person said, as the policy allows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from joinedup.audit.services import audit_record
from joinedup.children.models import Channel
from joinedup.children.services import disclosures_record
from joinedup.participation.access import (
    Shown,
    contributions_of_opened_child,
    contributions_readable,
    referral_words_readable,
)
from joinedup.participation.models import ConsentUse
from joinedup.partnership.access import user_can
from joinedup.partnership.roles import Perm
from joinedup.referrals.access import referrals_of_opened_child


@dataclass(frozen=True)
class Words:
    """One thing the young person said, ready for the page (labels, never codes)."""

    words: str
    said_on: dt.date
    source: str  # what it was said to, in words
    recorded_by: str
    holder: str
    kind: str = ""
    consent: str = ""
    response: Any = None
    awaiting_feedback: bool = False
    # The contribution, where the user's agency heard it and may withdraw it at the young person's request.
    withdraw_uuid: Any = None


def _from_contribution(shown: Shown, *, withdraws: bool = False) -> Words:
    c = shown.item
    if c.opportunity_id:
        source = f"at {c.opportunity.title}"
    elif c.question_id:
        source = f"about “{c.question.title}”"
    else:
        source = "about their own plan"
    response = getattr(c, "response", None)
    return Words(
        words=c.words,
        said_on=c.heard_on,
        source=source,
        recorded_by=str(c.heard_by),
        holder=shown.holder.name,
        kind=c.get_kind_display(),
        consent=c.get_consent_use_display(),
        response=response,
        # Someone closes the loop on words given to an opportunity or a question, or agreed to
        # help change services; words for their own plan only are answered within that work.
        awaiting_feedback=response is None and not (c.about_own_plan and c.consent_use == ConsentUse.MY_PLAN_ONLY),
        withdraw_uuid=c.uuid if withdraws and shown.via is None and c.child_id else None,
    )


def _from_referral(shown: Shown) -> Words:
    r = shown.item
    said_on = timezone.localtime(r.received_at).date() if r.received_at else r.created_at.date()
    return Words(
        words=r.child_says,
        said_on=said_on,
        source="in the referral",
        recorded_by=r.referrer_name or str(r.created_by),
        holder=shown.holder.name,
        consent="Shared to get them help (a referral)",
    )


def voices_section(user: Any, access: Any) -> tuple[str, dict[str, Any]] | None:
    """The young person's own words the user may read; the read and each partner's words crossing are logged.

    Which words show is `participation.access`'s decision. Withdrawn words are never shown.
    """
    contributions = contributions_of_opened_child(access)
    # The opened child's submitted referrals carrying words; participation.access decides which show.
    referrals = [r for r in referrals_of_opened_child(user, access) if r.child_says != ""]
    shown_contributions = contributions_readable(access=access, contributions=contributions)
    shown_referrals = referral_words_readable(access=access, referrals=referrals)
    shown = [*shown_contributions, *shown_referrals]
    if shown:
        with transaction.atomic():
            crossings = {s.via.record.pk: s.via for s in shown if s.via is not None}
            disclosures_record(
                user=user,
                child=access.child,
                items=[(v.record, [v.record.record_type], v.grant) for v in crossings.values()],
                purpose=access.purpose,
                channel=Channel.PAGE,
            )
            audit_record(
                actor=user,
                event="child.words_viewed",
                obj=access.child,
                child_uuid=access.child.uuid,
                purpose=access.purpose,
                detail={
                    "contributions": [str(s.item.uuid) for s in shown_contributions],
                    "referrals": [str(s.item.uuid) for s in shown_referrals],
                    "partner_records": sorted(str(v.record.uuid) for v in crossings.values()),
                },
            )
    words = sorted(
        [
            # The agency that heard the words withdraws them when the young person asks.
            *(_from_contribution(s, withdraws=user_can(user, Perm.CREATE_AGENCY_RECORD)) for s in shown_contributions),
            *map(_from_referral, shown_referrals),
        ],
        key=lambda w: w.said_on,
        reverse=True,
    )
    return (
        "participation/partials/child_voices.html",
        {
            "words": words,
            "child": access.child,
            "can_put_forward": user_can(user, Perm.PUT_FORWARD_FOR_COHORT),
            "can_record_words": user_can(user, Perm.CREATE_AGENCY_RECORD),
        },
    )
