"""Seed PostgreSQL with a million synthetic children in minutes, for benchmarks/web_load.py.

    .venv/bin/python benchmarks/bulk_seed.py [--children 1000000] [--database-url URL] [--base 2400]

`seed_demo` writes every row through the ORM and the services (hours at a
million children on two cores). This seeder:

1. Runs the ordinary demo seed (`demo_seed`, no linkage) at `--base` children:
   partnership, areas, agencies, users, agreements, intelligence, participation,
   and referrals and cases made through the real services (screening, stages,
   clocks, meetings, handovers), so that part of the data has the app's own shape.
2. Generates the other children with the demo's own generator
   (joinedup/demo/generator.py: Faker en_GB name lists, typos, nicknames, moves
   across the boundary, siblings and twins) and loads them with PostgreSQL COPY.
   The records of one generated person are placed on one child: the structure
   linkage would build, taken from the generator's ground truth (no model is
   trained and nothing is linked at this scale). About a tenth of police records
   carry intelligence, and about one child in twelve has significant events in
   its chronology, as agencies record them.
3. Copies the referral and case graphs of step 1 (referrals, cases, their
   events, tasks, meetings and handovers) onto generated children of the same
   area, `--copies` times, in SQL: about 3 referrals per 100 children, as a
   front door sees over two years. Waiting (unscreened) referrals are copied
   only a few times, so the screening queue holds what a busy front door has.

The database is dropped and recreated. Everything is synthetic: NHS numbers
come from the 999 range, which is never issued; when that range runs out (it
holds about 900,000 valid numbers) the remaining children have none.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import random
import sys
import time
from bisect import bisect
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://joinedup:joinedup@127.0.0.1:5432/joinedup_webload"
BATCH = 20_000
# Waiting referrals are copied this many times at most (a front door's queue, not two years of it).
WAITING_COPIES = 3


def recreate_database(url: str) -> None:
    """Drop and create the database the URL names (web_load.py uses it too)."""
    import psycopg
    from psycopg import sql

    split = urlsplit(url)
    name = split.path.lstrip("/")
    admin = urlunsplit(split._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _fast_generator(base: Any) -> Any:
    """The demo generator with cumulative weights precomputed (the same draws, much faster),
    and NHS numbers drawn without replacement from the 999 range until it runs out."""
    from joinedup.core.validators import nhs_check_digit
    from joinedup.demo.generator import Generator

    class Fast(Generator):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            acc = itertools.accumulate
            self._cum = {
                "F": list(acc(self.pools.female_w)),
                "M": list(acc(self.pools.male_w)),
                "S": list(acc(self.pools.surname_w)),
            }
            self._nhs_pool: Iterator[str] = iter(())

        def use_nhs(self, used: set[str]) -> None:
            bodies = [f"999{n:06d}" for n in range(1_000_000)]
            self.rng.shuffle(bodies)
            self._nhs_pool = (
                f"{b}{c}" for b in bodies if (c := nhs_check_digit(b)) is not None and f"{b}{c}" not in used
            )

        def _given(self, sex: str) -> str:
            pool = self.pools.female if sex == "F" else self.pools.male
            return pool[bisect(self._cum[sex], self.rng.random() * self._cum[sex][-1])]

        def _surname(self) -> str:
            return self.pools.surnames[bisect(self._cum["S"], self.rng.random() * self._cum["S"][-1])]

        def _nhs(self) -> str:
            return next(self._nhs_pool, "")

    return Fast(**base)


def _seed_base(base_children: int) -> None:
    from joinedup.demo.services import demo_seed

    demo_seed(children=base_children, seed=1)


def _copy(cursor: Any, table: str, columns: list[str], rows: Iterator[tuple[Any, ...]]) -> int:
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    n = 0
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def _columns(model: Any) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def _drop_indexes(cursor: Any, table: str) -> list[str]:
    """Drop the table's plain indexes (not those behind constraints) and return how to rebuild them."""
    rows = cursor.execute(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
           WHERE i.tablename = %s AND NOT EXISTS (
             SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
        [table],
    ).fetchall()
    for name, _ in rows:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in rows]


def _bulk_children(args: argparse.Namespace, cursor: Any, started: float) -> dict[str, list[int]]:
    """Generate and COPY the children beyond the base seed; return the new child ids by area."""
    import uuid

    from django.db import transaction
    from django.utils import timezone

    from joinedup.children.models import RECORD_TYPE_CATEGORY, AgencyRecord, Child, IntelligenceItem
    from joinedup.chronology.models import EventKind, SignificantEvent
    from joinedup.core.pseudonyms import pseudonym_for
    from joinedup.core.text import first_name_key, name_key
    from joinedup.core.validators import postcode_prefixes
    from joinedup.demo import services as demo
    from joinedup.demo.config import load_config
    from joinedup.demo.generator import AgencySpec, Prefix
    from joinedup.partnership.models import Agency, Membership, PostcodePrefix

    config = load_config()
    prefixes = {p.prefix: p for p in PostcodePrefix.objects.select_related("district__area")}
    agencies = {a.name: a for a in Agency.objects.all()}
    members: dict[int, list[int]] = {}
    for m in Membership.objects.all():
        members.setdefault(m.agency_id, []).append(m.user_id)
    any_user = next(iter(members.values()))[0]
    today = timezone.localdate()
    gen = _fast_generator(
        {
            "seed": args.seed + 1000,
            "prefixes": [Prefix(p, row.district.name, row.district.area.short_name) for p, row in prefixes.items()],
            "agencies": [
                AgencySpec(d["name"], d["type"], tuple(d["areas"]), demo._agency_code(d["name"]))
                for d in config.agencies
                if d.get("holds_child_records", True)
            ],
            "schools": config.schools,
            "today": today,
        }
    )
    gen.use_nhs(set(AgencyRecord.objects.exclude(nhs_number="").values_list("nhs_number", flat=True)))
    # Agency references continue from the base seed's (numbered by code, which agencies may share).
    for code in {spec.code for spec in gen.agencies}:
        gen._local_seq[code] = AgencyRecord.objects.filter(local_id__startswith=f"{code}-").count()

    def resolve(postcode: str) -> PostcodePrefix | None:
        for candidate in postcode_prefixes(postcode):
            if candidate in prefixes:
                return prefixes[candidate]
        return None

    next_child = (Child.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    next_record = (AgencyRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    next_intel = (IntelligenceItem.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    next_event = (SignificantEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    pseudonyms = set(Child.objects.values_list("pseudonym", flat=True))
    rng = random.Random(args.seed + 2000)  # noqa: S311 - synthetic data
    now = timezone.now()
    total = args.children - args.base
    by_area: dict[str, list[int]] = {}
    record_cols = _columns(AgencyRecord)
    child_cols = _columns(Child)
    intel_cols = _columns(IntelligenceItem)
    event_cols = _columns(SignificantEvent)
    kinds = [k for k in EventKind.values if k != EventKind.OTHER] + [EventKind.OTHER]
    summaries = {
        EventKind.MISSING_EPISODE: "Reported missing overnight; found by police {place} (synthetic).",
        EventKind.RETURN_INTERVIEW: "Return home interview held; child talked about time {place} (synthetic).",
        EventKind.SCHOOL_EXCLUSION: "Fixed-term suspension after an incident {place} (synthetic).",
        EventKind.HOSPITAL_ATTENDANCE: "Attended A&E with an injury said to have happened {place} (synthetic).",
        EventKind.ARREST: "Stopped and searched {place}; released with no further action (synthetic).",
        EventKind.NEW_ASSOCIATE: "Seen with an older associate of concern {place} (synthetic).",
        EventKind.DISCLOSURE: "Told a trusted adult about being asked to carry things {place} (synthetic).",
        EventKind.OTHER: "Significant change at home reported by the family (synthetic).",
    }
    places = demo._PLACES
    indexes = {t: _drop_indexes(cursor, t) for t in ("children_child", "children_agencyrecord")}
    done = 0
    last = time.perf_counter()
    people = gen.generate_people(total, start_key=args.base + 1)
    while done < total:
        batch = list(itertools.islice(people, BATCH))
        if not batch:
            break
        children, records, intel, events = [], [], [], []
        for person in batch:
            specs = gen.records_for(person)
            if not specs:
                continue
            child_id = next_child
            next_child += 1
            child_uuid = uuid.uuid4()
            pseudonym = pseudonym_for(child_uuid)
            while pseudonym in pseudonyms:
                child_uuid = uuid.uuid4()
                pseudonym = pseudonym_for(child_uuid)
            pseudonyms.add(pseudonym)
            children.append((child_id, child_uuid, now, now, pseudonym, None))
            by_area.setdefault(person.area, []).append(child_id)
            holders = []
            for spec in specs:
                agency = agencies[spec.agency]
                holders.append(agency)
                prefix = resolve(spec.postcode) if spec.postcode else None
                other_keys = " ".join(name_key(n) for n in spec.other_names.split(",") if n.strip())
                row = {
                    "id": next_record,
                    "uuid": uuid.uuid4(),
                    "created_at": now,
                    "updated_at": now,
                    "child_id": child_id,
                    "agency_id": agency.id,
                    "local_id": spec.local_id,
                    "given_names": spec.given_names,
                    "family_name": spec.family_name,
                    "other_names": spec.other_names,
                    "date_of_birth": spec.date_of_birth,
                    "sex": spec.sex,
                    "gender": "",
                    "nhs_number": spec.nhs_number,
                    "upn": spec.upn,
                    "address": spec.address,
                    "postcode": spec.postcode,
                    "district_id": prefix.district_id if prefix else None,
                    "area_id": prefix.district.area_id if prefix else None,
                    "school": spec.school,
                    "given_key": name_key(spec.given_names),
                    "first_given_key": first_name_key(spec.given_names),
                    "family_key": name_key(spec.family_name),
                    "other_keys": other_keys,
                    "created_by_id": None,
                    "updated_by_id": None,
                    "version": 1,
                    "erased_at": None,
                }
                records.append(tuple(row[c] for c in record_cols))
                if agency.agency_type == "police" and rng.random() < 0.1:
                    for _ in range(rng.choice((1, 1, 2))):
                        conditional = rng.random() < 0.25
                        intel.append(
                            (
                                next_intel,
                                uuid.uuid4(),
                                now,
                                now,
                                next_record,
                                rng.choice(demo._INTELLIGENCE).format(
                                    place=rng.choice(places), nick=rng.choice(demo._NICKS), distance=rng.randint(10, 60)
                                ),
                                rng.choice("1122223"),
                                rng.choice("ABBCCD"),
                                "C" if conditional else "P",
                                "Not to be disclosed to the family; discuss with the PPU before acting."
                                if conditional
                                else "",
                                "",
                                now - dt.timedelta(days=rng.randint(1, 700)),
                                None,
                            )
                        )
                        next_intel += 1
                next_record += 1
            if rng.random() < 0.08:
                # A chronology: one to a dozen significant events from the agencies that know the child.
                for _ in range(rng.choice((1, 1, 2, 2, 3, 4, 6, 12))):
                    agency = rng.choice(holders)
                    kind = rng.choice(kinds)
                    occurred = today - dt.timedelta(days=rng.randint(0, 900))
                    row = {
                        "id": next_event,
                        "uuid": uuid.uuid4(),
                        "created_at": now,
                        "updated_at": now,
                        "child_id": child_id,
                        "agency_id": agency.id,
                        "category": RECORD_TYPE_CATEGORY.get(agency.agency_type, "social_care"),
                        "kind": kind,
                        "occurred_on": occurred,
                        "summary": summaries[kind].format(place=rng.choice(places)),
                        "source": f"{agency.name} case notes (synthetic)",
                        "recorded_by_id": rng.choice(members.get(agency.id, [any_user])),
                    }
                    events.append(tuple(row[c] for c in event_cols))
                    next_event += 1
        # A transaction a batch: the foreign keys' deferred checks run at each commit.
        with transaction.atomic():
            _copy(cursor, "children_child", child_cols, iter(children))
            _copy(cursor, "children_agencyrecord", record_cols, iter(records))
            _copy(cursor, "children_intelligenceitem", intel_cols, iter(intel))
            _copy(cursor, "chronology_significantevent", event_cols, iter(events))
        done += len(batch)
        if time.perf_counter() - last > 15 or done >= total:
            print(
                f"  {done + args.base:>9,}/{args.children:,} children, {time.perf_counter() - started:7.0f} s",
                flush=True,
            )
            last = time.perf_counter()
    print(f"  rebuilding indexes, {time.perf_counter() - started:7.0f} s", flush=True)
    for definitions in indexes.values():
        for definition in definitions:
            cursor.execute(definition)
    for table in (
        "children_child",
        "children_agencyrecord",
        "children_intelligenceitem",
        "chronology_significantevent",
    ):
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
        )
    return by_area


# Tables copied with the referrals, in order, and the columns that point into copied tables.
_GRAPH = (
    ("referrals_referral", {}),
    ("pathways_case", {"referral_id": "referrals_referral"}),
    ("pathways_caseevent", {"case_id": "pathways_case"}),
    ("pathways_task", {"case_id": "pathways_case"}),
    ("pathways_meeting", {"case_id": "pathways_case"}),
    ("pathways_handover", {"case_id": "pathways_case"}),
)


def _copy_work(args: argparse.Namespace, cursor: Any, by_area: dict[str, list[int]]) -> dict[str, int]:
    """Copy the base seed's referral and case graphs onto generated children, in SQL."""
    from psycopg import sql

    strides = {}
    for table, _ in _GRAPH:
        strides[table] = cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0]  # noqa: S608
    # The children the referrals are about, and each one's area (from its records).
    olds = cursor.execute(
        """SELECT r.child_id, min(a.short_name), bool_or(r.status = 'submitted')
           FROM referrals_referral r JOIN partnership_area a ON a.id = r.home_area_id
           WHERE r.child_id IS NOT NULL GROUP BY r.child_id"""
    ).fetchall()
    rng = random.Random(args.seed + 3000)  # noqa: S311 - synthetic data
    pools = {area: rng.sample(ids, len(ids)) for area, ids in by_area.items()}
    cursor.execute("CREATE TEMP TABLE child_map (k int, old_id bigint, new_id bigint, PRIMARY KEY (k, old_id))")
    mapping = []
    for k in range(1, args.copies + 1):
        for old, area, _ in olds:
            pool = pools.get(area)
            if pool:
                mapping.append((k, old, pool.pop()))
    _copy(cursor, "child_map", ["k", "old_id", "new_id"], iter(mapping))
    # Other tables' rows pointing at the children (the case's child as well as the referral's).
    cursor.execute(
        "INSERT INTO child_map SELECT m.k, c.child_id, m.new_id FROM pathways_case c "
        "JOIN child_map m ON m.old_id = (SELECT r.child_id FROM referrals_referral r WHERE r.id = c.referral_id) "
        "WHERE c.child_id <> m.old_id ON CONFLICT DO NOTHING"
    )
    counts = {}
    for table, pointers in _GRAPH:
        columns = [
            r[0]
            for r in cursor.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
                [table],
            ).fetchall()
        ]
        select = []
        for column in columns:
            if column == "id":
                select.append(sql.SQL("t.id + m.k * {}").format(sql.Literal(strides[table])))
            elif column == "uuid":
                select.append(sql.SQL("gen_random_uuid()"))
            elif column == "child_id":
                select.append(sql.SQL("m.new_id"))
            elif column in pointers:
                select.append(
                    sql.SQL("t.{} + m.k * {}").format(sql.Identifier(column), sql.Literal(strides[pointers[column]]))
                )
            else:
                select.append(sql.SQL("t.{}").format(sql.Identifier(column)))
        if table == "referrals_referral":
            join = sql.SQL(
                "JOIN child_map m ON m.old_id = t.child_id WHERE (t.status <> 'submitted' OR m.k <= {})"
            ).format(sql.Literal(WAITING_COPIES))
        elif table == "pathways_case":
            join = sql.SQL(
                "JOIN child_map m ON m.old_id = t.child_id "
                "WHERE t.referral_id IS NULL OR EXISTS (SELECT 1 FROM referrals_referral r "
                "WHERE r.id = t.referral_id + m.k * {})"
            ).format(sql.Literal(strides["referrals_referral"]))
        else:
            join = sql.SQL(
                "JOIN pathways_case c ON c.id = t.case_id JOIN child_map m ON m.old_id = c.child_id "
                "WHERE EXISTS (SELECT 1 FROM pathways_case c2 WHERE c2.id = t.case_id + m.k * {})"
            ).format(sql.Literal(strides["pathways_case"]))
        statement = sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} t {}").format(
            sql.Identifier(table),
            sql.SQL(", ").join(sql.Identifier(c) for c in columns),
            sql.SQL(", ").join(select),
            sql.Identifier(table),
            join,
        )
        cursor.execute(statement)
        counts[table] = cursor.rowcount
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
        )
    return counts


def bulk_seed(args: argparse.Namespace) -> dict[str, Any]:
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    started = time.perf_counter()
    call_command("migrate", "--no-input", verbosity=0)
    print(f"Seeding the base partnership at {args.base:,} children through the services...", flush=True)
    _seed_base(args.base)
    print(f"  done, {time.perf_counter() - started:7.0f} s", flush=True)
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # the psycopg cursor, for COPY
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        by_area = _bulk_children(args, cursor, started)
        print(f"  copying referrals and cases {args.copies} times, {time.perf_counter() - started:7.0f} s", flush=True)
        with transaction.atomic():
            counts = _copy_work(args, cursor, by_area)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    elapsed = time.perf_counter() - started
    from joinedup.children.models import AgencyRecord, Child

    figures = {
        "children": Child.objects.count(),
        "agency_records": AgencyRecord.objects.count(),
        **{table: n for table, n in counts.items()},
        "seconds": round(elapsed),
    }
    print(f"Seeded in {elapsed:,.0f} s: {figures}", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, default=1_000_000)
    parser.add_argument("--base", type=int, default=2400, help="children seeded through the services first")
    parser.add_argument("--copies", type=int, default=0, help="copies of the base referrals (default: 3 per 100)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=os.environ.get("WEB_LOAD_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    if not urlsplit(args.database_url).scheme.startswith("postgres"):
        raise SystemExit("--database-url must name a PostgreSQL database (the seeder loads with COPY).")
    if args.children <= args.base:
        raise SystemExit(f"--children must be more than --base ({args.base:,}): use seed_demo for small seeds.")
    if not args.copies:
        args.copies = max(1, round(args.children * 0.03 / 300))
    recreate_database(args.database_url)
    bulk_seed(args)


if __name__ == "__main__":
    main()
