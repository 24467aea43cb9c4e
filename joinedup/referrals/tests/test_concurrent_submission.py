"""16.12: several people sending referrals about the same new child at once make one child, not many.

Run on PostgreSQL (DATABASE_URL=postgres://...): SQLite serialises writers itself.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from joinedup.children.models import AgencyRecord
from joinedup.conftest import make_user
from joinedup.partnership.roles import Role
from joinedup.referrals import services
from joinedup.referrals.models import Referral, ReferralStatus

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency is PostgreSQL's to test")

THREADS = 8


def _draft(world: Any, author: Any) -> Referral:
    return services.referral_draft_save(
        actor=author,
        referral=None,
        data={
            "child_details": {"given_names": "Zara", "family_name": "Pennington", "date_of_birth": "2012-02-14"},
            "harm_types": ["county_lines"],
            "indicators": "Seen at the station late at night.",
            "consent": "given",
            "family_informed": True,
            "home_area": world.city,
            "referrer_contact": "Duty line",
        },
    )


def _at_once(work: list[Any]) -> list[BaseException]:
    """Run each callable in its own thread, all released together; the errors they raised."""
    barrier = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def run(job: Any) -> None:
        try:
            barrier.wait()
            job()
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


def test_people_referring_the_same_new_child_at_once_make_one_record(transactional_db: Any, world: Any) -> None:
    authors = [make_user(world, role=Role.PRACTITIONER, agency="city_csc") for _ in range(THREADS)]
    drafts = [_draft(world, a) for a in authors]
    errors = _at_once(
        [lambda a=a, d=d: services.referral_submit(actor=a, referral=d) for a, d in zip(authors, drafts, strict=True)]
    )
    assert errors == []
    records = AgencyRecord.objects.filter(agency=world.agencies["city_csc"], family_name="Pennington")
    assert records.count() == 1
    submitted = Referral.objects.filter(status=ReferralStatus.SUBMITTED)
    assert submitted.count() == THREADS
    assert set(submitted.values_list("child_id", flat=True)) == {records.get().child_id}


def test_one_referral_sent_many_times_at_once_is_sent_once(transactional_db: Any, world: Any) -> None:
    author = make_user(world, role=Role.PRACTITIONER, agency="city_csc")
    draft = _draft(world, author)
    errors = _at_once(
        [lambda: services.referral_submit(actor=author, referral=Referral.objects.get(pk=draft.pk))] * THREADS
    )
    # All but one are told it has gone already: a clear message, never a database error.
    assert len(errors) == THREADS - 1
    assert all(isinstance(e, ValidationError) and "already been submitted" in str(e) for e in errors)
    assert AgencyRecord.objects.filter(family_name="Pennington").count() == 1
