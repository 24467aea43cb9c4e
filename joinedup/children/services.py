"""Writes to children and agency records. Each service audits in its own transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from joinedup.audit.services import audit_record
from joinedup.children.models import AgencyRecord, Child
from joinedup.core.text import name_key
from joinedup.core.validators import normalise_nhs_number, normalise_postcode, normalise_upn
from joinedup.partnership.models import Agency, PostcodePrefix
from joinedup.partnership.selectors import postcode_prefix_for

# The fields a user may set on an agency record; everything else is derived.
EDITABLE_FIELDS = (
    "local_id",
    "given_names",
    "family_name",
    "other_names",
    "date_of_birth",
    "sex",
    "gender",
    "nhs_number",
    "upn",
    "address",
    "postcode",
    "school",
)
DERIVED_FIELDS = ("given_key", "family_key", "other_keys", "district", "area")


class StaleVersionError(Exception):
    """The record changed since the editor loaded it."""

    def __init__(self, current: AgencyRecord) -> None:
        super().__init__(f"Agency record {current.uuid} is now at version {current.version}.")
        self.current = current


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "uuid"):
        return str(value.uuid)
    return value


def snapshot(record: AgencyRecord, fields: tuple[str, ...] = EDITABLE_FIELDS) -> dict[str, Any]:
    return {name: _json_value(getattr(record, name)) for name in fields}


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    """Canonical forms of identifiers; bad ones raise ValidationError naming the field."""
    clean = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
    errors: dict[str, list[str]] = {}
    for name, normalise in (
        ("nhs_number", normalise_nhs_number),
        ("upn", normalise_upn),
        ("postcode", normalise_postcode),
    ):
        if clean.get(name):
            try:
                clean[name] = normalise(clean[name])
            except ValidationError as exc:
                errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    return clean


def _check_local_id(record: AgencyRecord) -> None:
    clash = AgencyRecord.objects.filter(agency_id=record.agency_id, local_id=record.local_id).exclude(pk=record.pk)
    if clash.exists():
        raise ValidationError(
            {
                "local_id": "Your agency already has a record with this reference. "
                "Find that record instead of adding another, or check the reference."
            }
        )


def derive_fields(record: AgencyRecord, resolve_prefix: Callable[[str], PostcodePrefix | None]) -> None:
    """Fill the search keys and the area of residence from the record's own fields.

    `resolve_prefix` maps a normalised postcode to the partnership's prefix row;
    bulk loaders pass an in-memory lookup instead of one query per record.
    """
    record.given_key = name_key(record.given_names)
    record.family_key = name_key(record.family_name)
    record.other_keys = " ".join(name_key(n) for n in record.other_names.split(",") if n.strip())
    prefix = resolve_prefix(record.postcode) if record.postcode else None
    record.district = prefix.district if prefix else None
    record.area = prefix.district.area if prefix else None


def _derive(record: AgencyRecord) -> None:
    partnership = record.agency.partnership
    derive_fields(record, lambda postcode: postcode_prefix_for(partnership=partnership, postcode=postcode))


@transaction.atomic
def agency_record_create(*, actor: Any, agency: Agency, data: dict[str, Any]) -> AgencyRecord:
    """Create an agency record and, until matching places it, a new child for it."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    child = Child()
    child.full_clean()
    child.save()
    record = AgencyRecord(child=child, agency=agency, created_by=actor, updated_by=actor, **_normalise(data))
    _derive(record)
    _check_local_id(record)
    record.full_clean()
    record.save()
    audit_record(
        actor=actor,
        event="agency_record.created",
        obj=record,
        child_uuid=child.uuid,
        new=snapshot(record),
    )
    return record


@transaction.atomic
def agency_record_update(
    *, actor: Any, record: AgencyRecord, data: dict[str, Any], expected_version: int
) -> AgencyRecord:
    """Change an agency record, refusing with StaleVersionError if someone else saved first."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    current = AgencyRecord.objects.select_for_update().select_related("agency__partnership").get(pk=record.pk)
    if current.version != expected_version:
        raise StaleVersionError(current)
    clean = _normalise(data)
    old = snapshot(current)
    changed = [name for name, value in clean.items() if getattr(current, name) != value]
    if not changed:
        return current
    for name in changed:
        setattr(current, name, clean[name])
    _derive(current)
    _check_local_id(current)
    current.full_clean()
    current.version += 1
    current.updated_by = actor
    current.save(update_fields=[*changed, *DERIVED_FIELDS, "version", "updated_by", "updated_at"])
    new = snapshot(current)
    audit_record(
        actor=actor,
        event="agency_record.updated",
        obj=current,
        child_uuid=current.child.uuid,
        old={name: old[name] for name in changed},
        new={name: new[name] for name in changed},
    )
    return current
