"""Children and agency records over the JSON API, through the same access policy and selectors."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import BeforeValidator

from joinedup.children import selectors, services
from joinedup.children.access import agency_for_new_record, agency_record_get_for_change, agency_record_get_for_user
from joinedup.children.matching import possible_matches_count
from joinedup.children.models import AgencyRecord, Sex
from joinedup.core.api import ERRORS, ErrorEnvelope, Page, clamp_page, envelope
from joinedup.core.validators import format_nhs_number
from joinedup.partnership.access import membership_for, require
from joinedup.partnership.roles import Perm, Purpose, default_purpose

router = Router(tags=["children"])


class RecordOut(Schema):
    uuid: UUID
    child: UUID
    agency: str
    local_id: str
    given_names: str
    family_name: str
    other_names: str
    date_of_birth: dt.date | None
    sex: str
    gender: str
    nhs_number: str
    upn: str
    address: str
    postcode: str
    area: str | None
    school: str
    version: int
    updated_at: dt.datetime

    @staticmethod
    def of(record: AgencyRecord) -> dict[str, Any]:
        return {
            "uuid": record.uuid,
            "child": record.child.uuid,
            "agency": record.agency.name,
            "local_id": record.local_id,
            "given_names": record.given_names,
            "family_name": record.family_name,
            "other_names": record.other_names,
            "date_of_birth": record.date_of_birth,
            "sex": record.sex,
            "gender": record.gender,
            "nhs_number": format_nhs_number(record.nhs_number) if record.nhs_number else "",
            "upn": record.upn,
            "address": record.address,
            "postcode": record.postcode,
            "area": record.area.short_name if record.area else None,
            "school": record.school,
            "version": record.version,
            "updated_at": record.updated_at,
        }


class SharedRecordOut(Schema):
    uuid: UUID
    agency: str
    categories: list[str]
    basis: str
    fields: dict[str, Any]


class KnowOfOut(Schema):
    agency: str
    record_type: str
    areas: list[str]
    last_updated: dt.datetime
    contact_route: str


class ChildOut(Schema):
    uuid: UUID
    known_in: list[str]
    records: list[RecordOut]
    shared: list[SharedRecordOut]
    known_to: list[KnowOfOut]
    break_glass_until: dt.datetime | None


class ChildSummaryOut(Schema):
    uuid: UUID
    known_in: list[str]
    records: list[RecordOut]
    known_to: list[str]


class KnownElsewhereOut(Schema):
    child: UUID
    held_by: list[KnowOfOut]


class ChildSearchOut(Page):
    items: list[ChildSummaryOut]
    known_elsewhere: list[KnownElsewhereOut]


def _date_as_text(value: Any) -> Any:
    """A date of birth comes as text (2011-03-27): pydantic would read a number as seconds since 1970."""
    if value is None or isinstance(value, str | dt.date):
        return value
    raise ValueError("Give the date of birth as text in the form YYYY-MM-DD, such as 2011-03-27, or null.")


DateOfBirth = Annotated[dt.date | None, BeforeValidator(_date_as_text)]


class RecordIn(Schema):
    local_id: str = Field(min_length=1, max_length=60)
    given_names: str = Field(min_length=1, max_length=120)
    family_name: str = Field(min_length=1, max_length=120)
    other_names: str = Field("", max_length=300)
    date_of_birth: DateOfBirth = None
    sex: Literal["F", "M", "U"] = Sex.UNKNOWN
    gender: str = Field("", max_length=60)
    nhs_number: str = Field("", max_length=14)
    upn: str = Field("", max_length=15)
    address: str = Field("", max_length=300)
    postcode: str = Field("", max_length=10)
    school: str = Field("", max_length=200)


class RecordUpdateIn(RecordIn):
    version: int = Field(ge=1, description="The version you read; a stale one gets 409 with the current record.")


class ConflictOut(Schema):
    error: dict[str, Any]
    current: RecordOut


def _know_of(record: AgencyRecord) -> dict[str, Any]:
    return {
        "agency": record.agency.name,
        "record_type": record.record_type_label,
        "areas": [a.short_name for a in record.agency.areas.all()],
        "last_updated": record.updated_at,
        "contact_route": record.agency.contact_route,
    }


def _check_dob(date_of_birth: dt.date | None) -> None:
    if date_of_birth is not None and not dt.date(1900, 1, 1) <= date_of_birth <= dt.date.today():  # noqa: DTZ011
        raise ValidationError({"date_of_birth": "Date of birth must be a real date, after 1900 and not in the future."})


@router.get("/children", response={200: ChildSearchOut, **ERRORS}, summary="Search children")
def search_children(
    request: HttpRequest,
    q: str = "",
    date_of_birth: dt.date | None = None,
    limit: int = 20,
    offset: int = 0,
) -> Any:
    require(request.user, Perm.SEARCH_CHILDREN)
    if len(q) > 200:
        return Status(422, envelope("invalid", "The search is too long.", {"q": ["Use at most 200 characters."]}))
    if not q.strip() and date_of_birth is None:
        return Status(
            422,
            envelope("invalid", "Give q or date_of_birth to search for.", {"q": ["Enter something to search for."]}),
        )
    limit, offset = clamp_page(limit, offset)
    results = selectors.child_search(user=request.user, query=q, date_of_birth=date_of_birth)
    page = results.children[offset : offset + limit]
    return Status(
        200,
        {
            "count": len(results.children),
            "limit": limit,
            "offset": offset,
            "items": [
                {
                    "uuid": r.child.uuid,
                    "known_in": r.areas,
                    "records": [RecordOut.of(rec) for rec in r.records],
                    "known_to": sorted({rec.agency.name for rec, _ in r.know_of}),
                }
                for r in page
            ],
            "known_elsewhere": [
                {"child": e.child.uuid, "held_by": [_know_of(rec) for rec, _ in e.holders]}
                for e in results.known_elsewhere
            ],
        },
    )


@router.get("/children/{child_uuid}", response={200: ChildOut, **ERRORS}, summary="One child, as you may see it")
def get_child(request: HttpRequest, child_uuid: UUID, purpose: Purpose | None = None) -> Any:
    membership = membership_for(request.user)
    chosen = purpose or (default_purpose(membership.role) if membership else None) or ""
    view = selectors.child_view(user=request.user, child_uuid=child_uuid, purpose=chosen, channel="api")
    access = view.access
    return Status(
        200,
        {
            "uuid": access.child.uuid,
            "known_in": view.areas,
            "records": [RecordOut.of(r) for r in access.own_records],
            "shared": [
                {
                    "uuid": s.record.uuid,
                    "agency": s.record.agency.name,
                    "categories": s.categories_shown,
                    "basis": (
                        "break-glass"
                        if s.grant.break_glass
                        else (s.grant.agreement.reference if s.grant.agreement else "not recorded")
                    ),
                    "fields": {
                        k: (v.isoformat() if hasattr(v, "isoformat") else str(v) if v is not None else None)
                        for k, v in s.fields.items()
                    },
                }
                for s in access.shared
            ],
            "known_to": [_know_of(r) for r, _ in access.know_of],
            "break_glass_until": access.break_glass.expires_at if access.break_glass else None,
        },
    )


class NewRecordOut(RecordOut):
    # Set when intake matching found records that may be this child's, but not surely enough
    # to join them: see GET /records/{uuid}/matches, and decide with POST .../matches/{pair}.
    possible_matches: int


@router.post(
    "/records",
    response={201: NewRecordOut, **ERRORS},
    summary="Add your agency's record of a child (matched to known children as it is added)",
)
def create_record(request: HttpRequest, payload: RecordIn) -> Any:
    agency = agency_for_new_record(request.user)
    data = payload.dict()
    _check_dob(data["date_of_birth"])
    record = services.agency_record_create(actor=request.user, agency=agency, data=data)
    count = possible_matches_count(user=request.user, record=record)
    return Status(201, {**RecordOut.of(record), "possible_matches": count})


@router.get("/records/{record_uuid}", response={200: RecordOut, **ERRORS}, summary="One of your agency's records")
def get_record(request: HttpRequest, record_uuid: UUID) -> Any:
    with transaction.atomic():
        record = agency_record_get_for_user(user=request.user, record_uuid=record_uuid)
        from joinedup.audit.services import audit_record

        audit_record(actor=request.user, event="agency_record.read", obj=record, child_uuid=record.child.uuid)
    return Status(200, RecordOut.of(record))


@router.put(
    "/records/{record_uuid}",
    response={200: RecordOut, 409: ConflictOut, **ERRORS},
    summary="Change one of your agency's records (optimistic locking)",
)
def update_record(request: HttpRequest, record_uuid: UUID, payload: RecordUpdateIn) -> Any:
    record = agency_record_get_for_change(user=request.user, record_uuid=record_uuid)
    data = payload.dict()
    version = data.pop("version")
    _check_dob(data["date_of_birth"])
    try:
        record = services.agency_record_update(actor=request.user, record=record, data=data, expected_version=version)
    except services.StaleVersionError as stale:
        return Status(
            409,
            {
                **envelope(
                    "stale_version",
                    f"The record changed since you read it: it is now version {stale.current.version}. "
                    "Re-apply your change to the current record and send that version.",
                ),
                "current": RecordOut.of(stale.current),
            },
        )
    return Status(200, RecordOut.of(record))


__all__ = ["router", "ErrorEnvelope"]
