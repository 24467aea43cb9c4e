"""Seeding the demo partnership: configuration, demo users and synthetic children."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from joinedup.audit.services import audit_record
from joinedup.children.models import AgencyRecord, Child, IntelligenceItem
from joinedup.children.services import derive_fields
from joinedup.core.cachekeys import SYNTHETIC_DATA as SYNTHETIC_CACHE_KEY
from joinedup.core.models import User
from joinedup.core.validators import postcode_prefixes
from joinedup.demo.config import DemoConfig, load_config
from joinedup.demo.generator import AgencySpec, Generator, Prefix
from joinedup.demo.models import TruthLink
from joinedup.demo.participation import seed_participation
from joinedup.demo.pathways import seed_pathways
from joinedup.partnership.models import (
    Agency,
    AgencyType,
    AgreementStatus,
    Area,
    District,
    InformationSharingAgreement,
    Membership,
    Partnership,
    PostcodePrefix,
    Team,
)

# Printed by `make run` and in the README. Demo accounts only ever hold synthetic data.
DEMO_PASSWORD = "synthetic-demo-only"
BATCH = 5_000


@dataclass
class SeedResult:
    created: bool
    children: int = 0
    records: int = 0
    users: list[str] | None = None


def _agency_code(name: str) -> str:
    words = [w for w in name.replace("'", "").split() if w[0].isalpha()]
    return "".join(w[0] for w in words).upper()[:6]


def _seed_partnership(config: DemoConfig) -> tuple[Partnership, dict[str, PostcodePrefix], dict[str, Agency]]:
    partnership = Partnership.objects.create(name=config.name, is_synthetic=True)
    prefixes: dict[str, PostcodePrefix] = {}
    areas: dict[str, Area] = {}
    for area_data in config.areas:
        area = Area.objects.create(
            partnership=partnership, name=area_data["name"], short_name=area_data["short_name"], code=area_data["code"]
        )
        areas[area.short_name] = area
        for district_data in area_data["districts"]:
            district = District.objects.create(area=area, name=district_data["name"])
            for prefix, lat, lon in district_data["prefixes"]:
                row = PostcodePrefix.objects.create(
                    partnership=partnership,
                    prefix=prefix,
                    district=district,
                    latitude=Decimal(str(lat)),
                    longitude=Decimal(str(lon)),
                )
                row.district = district  # keep the area reachable without a query
                prefixes[prefix] = row
    agencies: dict[str, Agency] = {}
    for data in config.agencies:
        agency = Agency.objects.create(
            partnership=partnership,
            name=data["name"],
            agency_type=data["type"],
            contact_route=data.get("contact_route", ""),
        )
        agency.areas.set([areas[a] for a in data["areas"]])
        for team in data["teams"]:
            Team.objects.create(agency=agency, name=team)
        agencies[agency.name] = agency
    return partnership, prefixes, agencies


def _seed_users(config: DemoConfig, agencies: dict[str, Agency]) -> list[str]:
    names = []
    for data in config.users:
        user = User(
            username=data["username"],
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
            email=f"{data['username']}@example.invalid",
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        agency = agencies[data["agency"]]
        team = agency.teams.get(name=data["team"]) if data.get("team") else None
        Membership.objects.create(user=user, agency=agency, team=team, role=data["role"])
        names.append(user.username)
    return names


def _resolver(prefixes: dict[str, PostcodePrefix]) -> Callable[[str], PostcodePrefix | None]:
    def resolve(postcode: str) -> PostcodePrefix | None:
        for candidate in postcode_prefixes(postcode):
            if candidate in prefixes:
                return prefixes[candidate]
        return None

    return resolve


@transaction.atomic
def demo_seed(
    *,
    children: int,
    seed: int,
    today: dt.date | None = None,
    progress: Callable[[int, int], Any] | None = None,
) -> SeedResult:
    """Create the demo partnership and `children` synthetic children, all or nothing.

    Idempotent: if any partnership exists already, nothing is written.
    """
    if Partnership.objects.exists():
        return SeedResult(created=False)
    config = load_config()
    partnership, prefixes, agencies = _seed_partnership(config)
    users = _seed_users(config, agencies)
    today = today or timezone.localdate()
    generator = Generator(
        seed=seed,
        prefixes=[Prefix(p, row.district.name, row.district.area.short_name) for p, row in prefixes.items()],
        agencies=[
            AgencySpec(data["name"], data["type"], tuple(data["areas"]), _agency_code(data["name"]))
            for data in config.agencies
            if data.get("holds_child_records", True)
        ],
        schools=config.schools,
        today=today,
    )
    resolve = _resolver(prefixes)
    record_count = 0
    done = 0
    batch_people = []
    for person in generator.generate_people(children):
        batch_people.append(person)
        if len(batch_people) == BATCH:
            record_count += _write_batch(generator, batch_people, agencies, resolve)
            done += len(batch_people)
            batch_people = []
            if progress:
                progress(done, children)
    if batch_people:
        record_count += _write_batch(generator, batch_people, agencies, resolve)
        done += len(batch_people)
        if progress:
            progress(done, children)
    _seed_agreements(config, partnership, agencies, today)
    intelligence = _seed_intelligence(seed, today)
    participation = seed_participation(partnership=partnership, seed=seed, today=today)
    pathways = seed_pathways(partnership=partnership, seed=seed, count=max(20, min(300, children // 8)))
    # Referrals from agencies that did not know the child add their records too.
    record_count = AgencyRecord.objects.filter(agency__partnership=partnership).count()
    audit_record(
        actor=None,
        event="demo.seeded",
        obj=partnership,
        detail={
            "children": children,
            "records": record_count,
            "intelligence": intelligence,
            "participation": participation,
            "pathways": pathways,
            "seed": seed,
        },
    )
    transaction.on_commit(lambda: cache.delete(SYNTHETIC_CACHE_KEY))
    return SeedResult(created=True, children=children, records=record_count, users=users)


def _write_batch(
    generator: Generator,
    people: list[Any],
    agencies: dict[str, Agency],
    resolve: Callable[[str], PostcodePrefix | None],
) -> int:
    specs = [spec for person in people for spec in generator.records_for(person)]
    # Until matching joins them, every agency record stands for its own child.
    kids = Child.objects.bulk_create([Child.new() for _ in specs], batch_size=BATCH)
    records = []
    for spec, child in zip(specs, kids, strict=True):
        record = AgencyRecord(
            child=child,
            agency=agencies[spec.agency],
            local_id=spec.local_id,
            given_names=spec.given_names,
            family_name=spec.family_name,
            other_names=spec.other_names,
            date_of_birth=spec.date_of_birth,
            sex=spec.sex,
            nhs_number=spec.nhs_number,
            upn=spec.upn,
            address=spec.address,
            postcode=spec.postcode,
            school=spec.school,
        )
        derive_fields(record, resolve)
        records.append(record)
    AgencyRecord.objects.bulk_create(records, batch_size=BATCH)
    TruthLink.objects.bulk_create(
        [
            TruthLink(
                record=record,
                person_key=spec.person_key,
                family_key=spec.family_key,
                corruptions=",".join(spec.corruptions)[:200],
                heritage=spec.heritage,
            )
            for spec, record in zip(specs, records, strict=True)
        ],
        batch_size=BATCH,
    )
    return len(records)


def demo_usernames() -> list[tuple[str, str, str]]:
    """(username, role, agency) of the demo users, when the demo partnership is loaded."""
    if not Partnership.objects.filter(is_synthetic=True).exists():
        return []
    usernames = [u["username"] for u in load_config().users]
    memberships = Membership.objects.filter(user__username__in=usernames).select_related("user", "agency")
    by_name = {m.user.username: m for m in memberships}
    return [
        (name, by_name[name].get_role_display(), by_name[name].agency.name) for name in usernames if name in by_name
    ]


def _seed_agreements(config: DemoConfig, partnership: Partnership, agencies: dict[str, Agency], today: dt.date) -> None:
    for data in config.agreements:
        agreement = InformationSharingAgreement.objects.create(
            partnership=partnership,
            reference=data["reference"],
            title=data["title"],
            purposes=data["purposes"],
            categories=data.get("categories", []),
            know_of_only=data.get("know_of_only", False),
            accepts_conditional_intelligence=data.get("accepts_conditional_intelligence", False),
            lawful_basis=data["lawful_basis"],
            dpia_reference=data["dpia_reference"],
            start_date=today - dt.timedelta(days=400),
            review_date=today + dt.timedelta(days=data["review_in_days"]),
            status=AgreementStatus.ACTIVE,
        )
        agreement.parties.set([agencies[name] for name in data["parties"]])


_INTELLIGENCE = (
    "Seen getting into a car with older males near {place}; believed to be carrying packages.",
    "Named by another young person as running errands for an adult known as '{nick}'.",
    "Found {distance} miles from home in the early hours with a second phone and cash.",
    "Reported to be spending time at an address near {place} linked to drug supply.",
    "Associating with a peer group that gathers at {place} after school.",
)
_PLACES = ("the bus station", "the retail park", "the canal towpath", "a takeaway on the high street", "the skate park")
_NICKS = ("Bigs", "Tee", "Uncle", "Snow", "K")


def _seed_intelligence(seed: int, today: dt.date) -> int:
    """Graded intelligence on about a tenth of the police force's records (synthetic text)."""
    import random

    rng = random.Random(seed)  # noqa: S311 - synthetic data
    items = []
    now = timezone.now()
    police_records = AgencyRecord.objects.filter(agency__agency_type=AgencyType.POLICE).only("pk")
    for record in police_records.iterator(chunk_size=5000):
        if rng.random() > 0.1:
            continue
        for _ in range(rng.choice((1, 1, 2))):
            conditional = rng.random() < 0.25
            items.append(
                IntelligenceItem(
                    record=record,
                    summary=rng.choice(_INTELLIGENCE).format(
                        place=rng.choice(_PLACES), nick=rng.choice(_NICKS), distance=rng.randint(10, 60)
                    ),
                    source_grade=rng.choice("1122223"),
                    information_grade=rng.choice("ABBCCD"),
                    handling_code="C" if conditional else "P",
                    handling_conditions="Not to be disclosed to the family; discuss with the PPU before acting."
                    if conditional
                    else "",
                    recorded_at=now - dt.timedelta(days=rng.randint(1, 700)),
                )
            )
    IntelligenceItem.objects.bulk_create(items, batch_size=BATCH)
    return len(items)
