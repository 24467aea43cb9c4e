from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from joinedup.audit.models import AuditEvent
from joinedup.children.models import AgencyRecord, Child
from joinedup.children.services import StaleVersionError, agency_record_create, agency_record_update
from joinedup.conftest import make_record, valid_nhs


def test_create_makes_a_child_derives_area_and_audits(world: Any) -> None:
    actor = world.users["practitioner"]
    record = make_record(world, actor=actor, given_names="Zoë", family_name="O'Brien", postcode="ng7 1ab")
    assert record.postcode == "NG7 1AB"
    assert record.area == world.city
    assert record.district.name == "City West"
    assert record.given_key == "zoe" and record.family_key == "obrien"
    event = AuditEvent.objects.get(event="agency_record.created")
    assert event.actor == actor
    assert event.child_uuid == record.child.uuid
    assert event.new["given_names"] == "Zoë"


def test_a_postcode_sector_overrides_its_district(world: Any) -> None:
    record = make_record(world, postcode="NG2 5AB")
    assert record.area == world.county
    assert record.district.name == "Rushcliffe"
    assert make_record(world, postcode="NG2 1AB").area == world.city


def test_a_postcode_outside_the_partnership_has_no_area(world: Any) -> None:
    record = make_record(world, postcode="EC1A 1BB")
    assert record.area is None and record.district is None


def test_create_rejects_a_bad_nhs_number_and_writes_nothing(world: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        make_record(world, nhs_number="943 476 5918")
    assert "nhs_number" in exc.value.message_dict
    assert not AgencyRecord.objects.exists()
    assert not Child.objects.exists()
    assert not AuditEvent.objects.filter(event="agency_record.created").exists()


def test_create_refuses_a_duplicate_reference_in_the_same_agency(world: Any) -> None:
    make_record(world, local_id="CASE-1")
    with pytest.raises(ValidationError) as exc:
        make_record(world, local_id="CASE-1")
    assert "already has a record" in exc.value.message_dict["local_id"][0]
    # Another agency may use the same reference for its own record.
    make_record(world, local_id="CASE-1", agency="police")


def test_update_records_old_and_new_values_and_bumps_the_version(world: Any) -> None:
    actor = world.users["practitioner"]
    record = make_record(world, actor=actor)
    updated = agency_record_update(
        actor=actor, record=record, data={"family_name": "Changed", "nhs_number": valid_nhs(1)}, expected_version=1
    )
    assert updated.version == 2
    assert updated.family_key == "changed"
    event = AuditEvent.objects.get(event="agency_record.updated")
    assert event.old == {"family_name": "Test-Child", "nhs_number": ""}
    assert event.new == {"family_name": "Changed", "nhs_number": valid_nhs(1)}


def test_update_with_a_stale_version_is_refused_and_changes_nothing(world: Any) -> None:
    actor = world.users["practitioner"]
    record = make_record(world, actor=actor)
    agency_record_update(actor=actor, record=record, data={"family_name": "First"}, expected_version=1)
    with pytest.raises(StaleVersionError) as exc:
        agency_record_update(actor=actor, record=record, data={"family_name": "Second"}, expected_version=1)
    assert exc.value.current.version == 2
    record.refresh_from_db()
    assert record.family_name == "First"


def test_update_without_changes_writes_nothing(world: Any) -> None:
    record = make_record(world)
    before = AuditEvent.objects.count()
    same = agency_record_update(
        actor=None, record=record, data={"date_of_birth": dt.date(2011, 3, 27)}, expected_version=1
    )
    assert same.version == 1
    assert AuditEvent.objects.count() == before


def test_update_refuses_fields_that_are_not_editable(world: Any) -> None:
    record = make_record(world)
    with pytest.raises(ValueError, match="Not editable"):
        agency_record_update(actor=None, record=record, data={"agency": None}, expected_version=1)
    with pytest.raises(ValueError, match="Not editable"):
        agency_record_create(actor=None, agency=world.agencies["police"], data={"child": None})
