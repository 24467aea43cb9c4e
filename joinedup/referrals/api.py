"""Referrals over the JSON API: raise one (it goes straight to screening) and list your agency's."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from joinedup.core.api import ERRORS, Page, clamp_page
from joinedup.partnership.access import require
from joinedup.partnership.models import Area
from joinedup.partnership.roles import Perm
from joinedup.referrals import services
from joinedup.referrals.access import referrals_raised_by
from joinedup.referrals.models import Referral
from joinedup.referrals.taxonomy import harm_types

router = Router(tags=["referrals"])


class ChildIn(Schema):
    given_names: str = Field(min_length=1, max_length=120)
    family_name: str = Field(min_length=1, max_length=120)
    date_of_birth: dt.date | None = None
    nhs_number: str = Field("", max_length=14)
    postcode: str = Field("", max_length=10)


class ReferralIn(Schema):
    child: ChildIn
    harm_types: list[str] = Field(min_length=1)
    indicators: str = Field(min_length=1, max_length=6000)
    child_says: str = Field("", max_length=6000)
    places_mentioned: str = Field("", max_length=2000)
    people_mentioned: str = Field("", max_length=2000)
    consent: Literal["given", "not_sought_risk", "refused_overridden"]
    family_informed: bool
    family_not_informed_reason: str = Field("", max_length=300)
    home_area: str | None = Field(None, description="Area short name, e.g. City")
    found_area: str | None = None
    referrer_contact: str = Field(min_length=1, max_length=200)


class ReferralOut(Schema):
    uuid: UUID
    child: UUID | None
    status: str
    harm_types: list[str]
    received_at: dt.datetime | None
    decision_due_at: dt.datetime | None
    decision: str
    home_area: str | None
    found_area: str | None

    @staticmethod
    def of(r: Referral) -> dict[str, Any]:
        return {
            "uuid": r.uuid,
            "child": r.child.uuid if r.child else None,
            "status": r.status,
            "harm_types": r.harm_types,
            "received_at": r.received_at,
            "decision_due_at": r.decision_due_at,
            "decision": r.decision,
            "home_area": r.home_area.short_name if r.home_area else None,
            "found_area": r.found_area.short_name if r.found_area else None,
        }


class ReferralList(Page):
    items: list[ReferralOut]


@router.post("/referrals", response={201: ReferralOut, **ERRORS}, summary="Raise a referral (sent for screening)")
def create_referral(request: HttpRequest, payload: ReferralIn) -> Any:
    """An API client has no check-your-answers page: the referral is sent as it is saved."""
    membership = require(request.user, Perm.RAISE_REFERRAL)
    unknown = [h for h in payload.harm_types if h not in harm_types()]
    if unknown:
        # A ValidationError naming the field becomes the 422 error envelope (joinedup/api.py).
        raise ValidationError({"harm_types": [f"Not in the taxonomy: {', '.join(unknown)}"]})
    areas = {a.short_name: a for a in Area.objects.filter(partnership=membership.agency.partnership)}
    for name in ("home_area", "found_area"):
        value = getattr(payload, name)
        if value is not None and value not in areas:
            raise ValidationError({name: [f"Choose one of {', '.join(sorted(areas))}."]})
    data = payload.dict()
    child = data.pop("child")
    data["child_details"] = {k: v for k, v in child.items() if v not in ("", None)}
    data["home_area"] = areas.get(payload.home_area) if payload.home_area else None
    data["found_area"] = areas.get(payload.found_area) if payload.found_area else None
    # One transaction: a submit refused (a 422) must not leave a draft on the user's home page.
    with transaction.atomic():
        draft = services.referral_draft_save(actor=request.user, referral=None, data=data)
        referral = services.referral_submit(actor=request.user, referral=draft)
    return Status(201, ReferralOut.of(referral))


@router.get("/referrals", response={200: ReferralList, **ERRORS}, summary="Referrals your agency has raised")
def list_referrals(request: HttpRequest, limit: int = 50, offset: int = 0) -> Any:
    limit, offset = clamp_page(limit, offset)
    rows = referrals_raised_by(request.user).select_related("child", "home_area", "found_area").order_by("-received_at")
    return Status(
        200,
        {
            "count": rows.count(),
            "limit": limit,
            "offset": offset,
            "items": [ReferralOut.of(r) for r in rows[offset : offset + limit]],
        },
    )
