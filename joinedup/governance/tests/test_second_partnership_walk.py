"""A second partnership on the same install sees none of the first's data, on any page or endpoint.

Every route of the access matrix, opened with the first partnership's object
ids by a user of every role in a second partnership (pages and the API),
must neither fail nor show anything of the first partnership: no id of its
children, records, referrals, cases, agreements, cohorts, words, pairs or
joins, and no child's name. Refused writes change nothing (the write matrix
covers that for every relation; here the POSTs are sent too).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from joinedup.core.models import User
from joinedup.governance.tests.test_access_matrix import (
    MATRIX,
    Fixture,
    matrix_world,  # noqa: F401 - the fixture, used by name
)
from joinedup.governance.tests.test_access_matrix_writes import API_BODIES, _fingerprint
from joinedup.partnership.models import Agency, Area, Membership, Partnership
from joinedup.partnership.roles import Role
from joinedup.shell.services import api_token_create

# Pages that show nothing of any partnership's people, whoever asks.
NOTHING_TO_LEAK = {
    "login": "the sign-in form",
    "public_opportunities": "published opportunities for young people: no one's data",
    "public_opportunities_for": "a partnership's published opportunities for young people: no one's data",
    "api:openapi-json": "the API's schema",
    "api:openapi-view": "the API's reference",
    "api:api-root": "nothing",
    "healthz": "the database's state",
    "linkage:models": "the install's linkage model: parameters, no one's data",
    "linkage:model": "the install's linkage model: parameters, no one's data",
}


def _secrets(w: Fixture) -> list[str]:
    ids = [
        w.child.uuid,
        w.own.uuid,
        w.police.uuid,
        w.old.uuid,
        w.agreement.uuid,
        w.grant.uuid,
        w.cohort.uuid,
        w.contribution.uuid,
        w.referral.uuid,
        w.case.uuid,
        w.handover.uuid,
        w.pair.uuid,
        w.join.uuid,
    ]
    return [str(i) for i in ids] + ["Test-Child", w.agreement.reference, w.child.pseudonym]


@pytest.fixture
def second(world: Any) -> dict[str, Any]:
    partnership = Partnership.objects.create(name="Second Partnership")
    area = Area.objects.create(partnership=partnership, name="Far Borough", short_name="Far", code="E06000097")
    agency = Agency.objects.create(
        partnership=partnership, name="Far Borough Council", agency_type="childrens_social_care", contact_route="Phone"
    )
    agency.areas.set([area])
    users = {}
    for role in Role.values:
        user = User.objects.create_user(username=f"second-{role}", password="x")
        Membership.objects.create(user=user, agency=agency, role=role)
        users[role] = user
    return users


@pytest.mark.parametrize("role", Role.values)
def test_nothing_of_the_first_partnership_reaches_the_second(
    world: Any,
    matrix_world: Fixture,  # noqa: F811
    second: dict[str, Any],
    role: str,
) -> None:
    user = second[role]
    page = Client()
    page.force_login(user)
    _, token = api_token_create(actor=user, name="walk", expires_in_days=1)
    headers = {"Authorization": f"Bearer {token}"}
    secrets = _secrets(matrix_world)
    failures = []
    for name, row in sorted(MATRIX.items(), key=lambda item: item[0] == "logout"):
        if name in NOTHING_TO_LEAK:
            continue
        url = row.url(matrix_world)
        got = page.get(url) if not row.api else Client().get(url, headers=headers)
        body = got.content.decode(errors="replace")
        if got.status_code >= 500:
            failures.append(f"GET {name} {url}: {got.status_code}")
        failures += [f"GET {name} {url} shows {s}" for s in secrets if s in body]
        if name == "logout":
            continue
        before = _fingerprint()
        if row.api:
            sent = Client().post(url, data=API_BODIES.get(name, {}), content_type="application/json", headers=headers)
        else:
            sent = page.post(url, data={})
        after = _fingerprint()
        if sent.status_code >= 500:
            failures.append(f"POST {name} {url}: {sent.status_code}")
        text = sent.content.decode(errors="replace")
        failures += [f"POST {name} {url} shows {s}" for s in secrets if s in text]
        if sent.status_code in {403, 404, 405} and after != before:
            failures.append(f"POST {name} {url}: refused ({sent.status_code}) but changed the database")
    assert not failures, "\n".join(failures)
