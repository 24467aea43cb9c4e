"""How long one intake match takes against a large partnership: p50, p95, p99.

    .venv/bin/python benchmarks/intake_match.py [--records 1000000] [--database-url URL] [--reuse]

Builds a database of about --records agency records with the demo generator
(SQLite under var/bench/ unless --database-url names a PostgreSQL database,
which is flushed first; --reuse keeps a database already big enough), trains
and activates a linkage model on a sample of them unless one is active, then
times `linkage.intake.match_record` for new records: half are another
agency's record of a known child (with the errors agencies make), half are
children nobody knows. One match is: the exact-block lookups on indexed keys,
the term-frequency counts, and scoring every candidate with the model.
It prints figures and never passes or fails on time.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RECORDS_PER_CHILD = 2.42  # what the demo generator gives, measured by benchmarks/seed.py


def _database(args: argparse.Namespace) -> str:
    if args.database_url:
        return str(args.database_url)
    bench = ROOT / "var" / "bench"
    bench.mkdir(parents=True, exist_ok=True)
    db = bench / "intake.sqlite3"
    if not args.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{db}"


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=2000, help="intake matches to time")
    parser.add_argument("--train-sample", type=int, default=200_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--reuse", action="store_true", help="keep the database if it is big enough")
    parser.add_argument("--retrain", action="store_true", help="train a new model even if one is active")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="also print the N costliest functions")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = _database(args)
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from benchmarks.sampling import random_records
    from joinedup.children.models import AgencyRecord
    from joinedup.demo.services import demo_seed

    if connection.vendor == "postgresql" and not args.reuse:
        call_command("flush", "--no-input", verbosity=0)
    call_command("migrate", "--no-input", verbosity=0)
    have = AgencyRecord.objects.count()
    if have < args.records * 0.95:
        if have:
            call_command("flush", "--no-input", verbosity=0)
        children = round(args.records / RECORDS_PER_CHILD)
        print(f"Seeding {children:,} children (about {args.records:,} records)...", flush=True)
        started = time.perf_counter()
        demo_seed(children=children, seed=args.seed)
        print(f"  seeded in {time.perf_counter() - started:.0f} s", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE children_agencyrecord")

    from joinedup.linkage import model as splink_model
    from joinedup.linkage.access import agency_records_for_linkage
    from joinedup.linkage.features import records_to_rows
    from joinedup.linkage.intake import FIELDS, match_record, scorer_for
    from joinedup.linkage.services import active_model, intake_choice, linkage_model_activate, linkage_model_save

    live = agency_records_for_linkage()
    total = live.count()
    model = None if args.retrain else active_model()
    if model is None:
        started = time.perf_counter()
        # At random, not every n-th id: benchmarks/sampling.py says why.
        sample = random_records(live, target=args.train_sample, fields=[*FIELDS[:1], *FIELDS[2:]], seed=args.seed)
        rows = records_to_rows(sample)
        print(f"Training a model on {len(rows):,} of {total:,} records (drawn at random)...", flush=True)
        trained = splink_model.train(rows, seed=args.seed)
        model = linkage_model_activate(
            actor=None, model=linkage_model_save(actor=None, parameters=trained.model, summary=trained.summary)
        )
        print(f"  trained in {time.perf_counter() - started:.0f} s", flush=True)
    scorer_for(model)  # built once per process, as in a running server

    rng = random.Random(args.seed + 1)
    max_id = live.order_by("-id").values_list("id", flat=True).first() or 0
    agencies = list({r.agency for r in live.select_related("agency")[:2000]})
    probes: list[AgencyRecord] = []
    child_of: dict[int, int] = {}  # a known child's record: the child it is
    while len(probes) < args.samples // 2:
        known = live.filter(pk__gte=rng.randint(1, max_id)).order_by("pk").first()
        if known is None:
            continue
        probe = AgencyRecord(
            agency=rng.choice(agencies),
            given_names=_typo(rng, known.given_names) if rng.random() < 0.3 else known.given_names,
            family_name=known.family_name,
            other_names=known.other_names,
            date_of_birth=known.date_of_birth,
            sex=known.sex,
            postcode=known.postcode if rng.random() < 0.7 else "",
            nhs_number=known.nhs_number if rng.random() < 0.4 else "",
        )
        probes.append(probe)
        child_of[id(probe)] = known.child_id
    from faker import Faker

    fake = Faker("en_GB")
    fake.seed_instance(args.seed)
    while len(probes) < args.samples:
        probes.append(
            AgencyRecord(
                agency=rng.choice(agencies),
                given_names=fake.first_name(),
                family_name=fake.last_name(),
                date_of_birth=fake.date_of_birth(minimum_age=1, maximum_age=17),
                sex=rng.choice("MF"),
                postcode=fake.postcode(),
            )
        )
    known_probes = {id(p) for p in probes[: args.samples // 2]}
    rng.shuffle(probes)
    for probe in probes[:20]:  # warm the connection and caches, as a running server would be
        match_record(probe, model=model)

    times, candidates = [], []
    above = {True: 0, False: 0}  # known child's record, new child's record: a match above the threshold
    # ... joined by intake's rules (services.intake_choice: no conflict, corroborated beyond the
    # names): the known child's record to its own child; a new child's record to a stranger.
    joined = {True: 0, False: 0}
    for probe in probes:
        started = time.perf_counter()
        result = match_record(probe, model=model)
        times.append((time.perf_counter() - started) * 1000)
        candidates.append(result.candidates)
        known = id(probe) in known_probes
        above[known] += bool(result.matches and result.matches[0].probability >= model.upper_threshold)
        target, _ = intake_choice(result, model=model)
        joined[known] += target is not None and (not known or target == child_of[id(probe)])
    times.sort()
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for probe in probes:
            match_record(probe, model=model)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)

    def pct(p: float) -> float:
        return times[min(len(times) - 1, round(p / 100 * (len(times) - 1)))]

    print(f"database:         {connection.vendor}")
    print(f"agency records:   {total:,}")
    print(f"intake matches:   {len(times):,} (half known children, half new)")
    print(f"candidates:       median {statistics.median(candidates):.0f}, max {max(candidates):,}")
    half = len(times) // 2
    print(
        f"joined by intake's rules: {joined[True]:,} of {half:,} known children's records to their own child, "
        f"{joined[False]:,} of {len(times) - half:,} new children's to a stranger"
    )
    print(
        f"a match above the upper threshold: {above[True]:,} of {half:,} known children's records, "
        f"{above[False]:,} of {len(times) - half:,} new children's (a same-name stranger)"
    )
    print(f"p50:              {pct(50):.2f} ms")
    print(f"p95:              {pct(95):.2f} ms")
    print(f"p99:              {pct(99):.2f} ms")
    print(f"max:              {times[-1]:.2f} ms")


if __name__ == "__main__":
    main()
