"""Two partnerships on one installation: each DPO sees only their own partnership's governance data.

Builds a second partnership beside the test world, gives each an audit trail,
disclosures, a break-glass grant, an agreement and a record past retention,
then walks every governance page, export and API endpoint as each
partnership's DPO, looking for the other's identifiers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from joinedup.audit.services import audit_record
from joinedup.children.models import AgencyRecord
from joinedup.children.selectors import child_view
from joinedup.children.services import break_glass_open
from joinedup.conftest import World, make_agreement, make_record, make_user, valid_nhs
from joinedup.partnership.models import Agency, Area, Partnership
from joinedup.shell.services import api_token_create


@dataclass
class Side:
    dpo: Any
    child: Any
    nhs: str
    grant: Any
    agreement: Any
    old: Any
    markers: list[str]


def _side(world: World, *, csc: str, police: str, family: str, n: int) -> Side:
    """One partnership's governance data: a child seen under break-glass, an agreement, an old record."""
    nhs = valid_nhs(9000 + n)
    own = make_record(world, agency=police, family_name=family, nhs_number=nhs, local_id=f"{family}-P")
    practitioner = make_user(world, role="practitioner", agency=csc)
    grant = break_glass_open(actor=practitioner, child=own.child, reason="missing", explanation=f"{family} missing.")
    child_view(user=practitioner, child_uuid=own.child.uuid, purpose="direct_work")
    audit_record(actor=practitioner, event="children.searched", detail={"query": f"{family} search"})
    agreement = make_agreement(world, parties=(csc, police), reference=f"ISA-{family}")
    old = make_record(world, agency=csc, family_name=family, local_id=f"{family}-OLD")
    AgencyRecord.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=365 * 40))
    dpo = make_user(world, role="dpo", agency=csc)
    return Side(
        dpo=dpo,
        child=own.child,
        nhs=nhs,
        grant=grant,
        agreement=agreement,
        old=old,
        markers=[
            str(own.child.uuid),
            family,
            f"ISA-{family}",
            f"{family}-OLD",
            str(grant.uuid),
            nhs,
            world.agencies[csc].name,
            world.agencies[police].name,
        ],
    )


@pytest.fixture
def two(world: World) -> tuple[Side, Side]:
    first = _side(world, csc="city_csc", police="police", family="Firstpartnership", n=1)
    partnership = Partnership.objects.create(name="Second Partnership")
    area = Area.objects.create(partnership=partnership, name="Second Town", short_name="Second", code="E06000099")
    agencies = {}
    for key, name, kind in (
        ("csc", "Second Children's Services", "childrens_social_care"),
        ("police", "Second Police", "police"),
    ):
        agency = Agency.objects.create(partnership=partnership, name=name, agency_type=kind, contact_route="Phone")
        agency.areas.set([area])
        agencies[key] = agency
    other = World(partnership=partnership, city=area, county=area, agencies=agencies)
    second = _side(other, csc="csc", police="police", family="Secondpartnership", n=2)
    return first, second


def _pages(side: Side, other: Side) -> dict[str, str]:
    """Every governance page and export that lists things, as `side` opens them."""
    # Pages where the DPO types one of the other's identifiers come last: the DPO's own audit
    # trail then (rightly) records what they typed.
    return {
        "index": reverse("governance:index"),
        "agreements": reverse("governance:agreements"),
        "break-glass": reverse("governance:break_glass"),
        "disclosures": reverse("governance:disclosures"),
        "audit": reverse("governance:audit"),
        "audit csv": reverse("governance:audit") + "?format=csv",
        "retention": reverse("governance:retention"),
        "disclosures by other's child": reverse("governance:disclosures") + f"?child={other.child.uuid}",
        "audit by other's child": reverse("governance:audit") + f"?child={other.child.uuid}",
        "subject access by other's NHS number": reverse("governance:subject_access") + f"?q={other.nhs}",
        "subject access by other's child": reverse("governance:subject_access") + f"?q={other.child.uuid}",
    }


def _details(other: Side) -> dict[str, str]:
    """Pages about one of the other partnership's objects: each must be a 404."""
    return {
        "break-glass review": reverse("governance:break_glass_review", args=[other.grant.uuid]),
        "agreement edit": reverse("governance:agreement_edit", args=[other.agreement.uuid]),
        "agreement review": reverse("governance:agreement_review", args=[other.agreement.uuid]),
        "subject access review": reverse("governance:subject_access_review", args=[other.child.uuid]),
        "subject access letter": reverse("governance:subject_access_letter", args=[other.child.uuid]),
        "subject access json": reverse("governance:subject_access_json", args=[other.child.uuid]),
        "subject access pdf": reverse("governance:subject_access_pdf", args=[other.child.uuid]),
        "retention decision": reverse("governance:retention_decide", args=[other.old.uuid]),
    }


@pytest.mark.parametrize("who", ["first", "second"])
def test_each_dpo_sees_only_their_own_partnership(two: tuple[Side, Side], who: str) -> None:
    side, other = two if who == "first" else (two[1], two[0])
    client = Client()
    client.force_login(side.dpo)
    leaks = []
    for name, url in _pages(side, other).items():
        response = client.get(url)
        assert response.status_code == 200, f"{name}: {response.status_code}"
        # The value typed into a filter is echoed in its box; anything else of the other's is a leak.
        typed = url.split("=", 1)[1] if "=" in url else None
        content = response.content.decode()
        content = content.replace(typed, "") if typed and typed != "csv" else content
        leaks += [f"{name} shows {marker}" for marker in other.markers if marker in content]
    for name, url in _details(other).items():
        status = client.get(url).status_code
        if status != 404:
            leaks.append(f"{name} of the other partnership answered {status}")
        if client.post(url, {}).status_code not in {404, 405}:
            leaks.append(f"{name} of the other partnership accepted a POST")
    _, token = api_token_create(actor=side.dpo, name="walk", expires_in_days=1)
    headers = {"Authorization": f"Bearer {token}"}
    for url in (
        "/api/v1/audit/events?limit=200",
        f"/api/v1/audit/events?child={other.child.uuid}",
        "/api/v1/agreements",
    ):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        leaks += [f"{url} shows {marker}" for marker in other.markers if marker in response.content.decode()]
    assert not leaks, "\n".join(leaks)


def test_each_dpo_still_sees_their_own(two: tuple[Side, Side]) -> None:
    """The walk above could pass by showing nothing: the DPO's own data is there."""
    for side in two:
        client = Client()
        client.force_login(side.dpo)
        csv_text = client.get(reverse("governance:audit") + "?format=csv").content.decode()
        assert str(side.child.uuid) in csv_text and f"{side.markers[1]} search" in csv_text
        assert side.markers[2] in client.get(reverse("governance:agreements")).content.decode()
        assert side.markers[3] in client.get(reverse("governance:retention")).content.decode()
        assert str(side.grant.uuid) in client.get(reverse("governance:break_glass")).content.decode()
        found = client.get(reverse("governance:subject_access") + f"?q={side.nhs}").content.decode()
        assert str(side.child.uuid) in found
        events = client.get(
            "/api/v1/audit/events?limit=200",
            headers={"Authorization": f"Bearer {api_token_create(actor=side.dpo, name='own', expires_in_days=1)[1]}"},
        ).json()
        assert any(e["child_uuid"] == str(side.child.uuid) for e in events["items"])
