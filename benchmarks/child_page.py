"""How fast the child page and its chronology are for a child with a long history: p50, p95, p99.

    .venv/bin/python benchmarks/child_page.py [--events 500] [--children 2000] [--database-url URL] [--reuse]

Seeds the demo partnership (SQLite under var/bench/ unless --database-url names a
PostgreSQL database, which is flushed first unless --reuse), picks a child City
children's services holds, gives it --events significant events from City (a
long multi-agency history), and times, as the City social worker, the child page
(summary, latest chronology, every section) and the full chronology page through
Django's test client: the whole request, middleware and templates included, no
network. Prints the timings and the queries per page; never passes or fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--children", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()

    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        bench = ROOT / "var" / "bench"
        bench.mkdir(parents=True, exist_ok=True)
        db = bench / "child_page.sqlite3"
        if not args.reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.setdefault("HTTPS", "false")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.settings")
    os.environ.setdefault("AUDIT_CHECKPOINT_FILE", str(ROOT / "var" / "bench" / "child-page-checkpoints.jsonl"))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from joinedup.children.models import AgencyRecord
    from joinedup.chronology.models import SignificantEvent
    from joinedup.chronology.sources import category_for
    from joinedup.core.models import User
    from joinedup.demo.services import demo_seed

    if connection.vendor == "postgresql" and not args.reuse:
        call_command("flush", "--no-input", verbosity=0)
    call_command("migrate", "--no-input", verbosity=0)
    if not User.objects.filter(username="sw.city").exists():
        print(f"Seeding {args.children:,} children...", flush=True)
        started = time.perf_counter()
        demo_seed(children=args.children, seed=1)
        print(f"  seeded in {time.perf_counter() - started:.0f} s", flush=True)
    user = User.objects.get(username="sw.city")
    agency = user.membership.agency
    record = (
        AgencyRecord.objects.filter(agency=agency, erased_at__isnull=True, child__joined_into__isnull=True)
        .order_by("id")
        .first()
    )
    if record is None:
        raise SystemExit("The demo has no City record to open.")
    child = record.child
    have = SignificantEvent.objects.filter(child=child).count()
    if have < args.events:
        SignificantEvent.objects.bulk_create(
            SignificantEvent(
                child=child,
                agency=agency,
                category=category_for(agency),
                kind="missing_episode" if i % 3 else "return_interview",
                occurred_on=dt.date(2020, 1, 1) + dt.timedelta(days=i * 3),
                summary=f"Benchmark event {i}: missing overnight, found by police at the station.",
                source="Return interview record",
                recorded_by=user,
            )
            for i in range(have, args.events)
        )
    client = Client()
    client.force_login(user)
    pages = {
        "child page": reverse("children:detail", args=[child.uuid]),
        "chronology page": reverse("chronology:chronology", args=[child.uuid]),
    }
    print(f"Child {child.pseudonym}: {SignificantEvent.objects.filter(child=child).count()} significant events")
    print(f"Database: {connection.vendor}; {args.samples} requests per page after 5 to warm up")
    with override_settings(DEBUG=True):
        for name, url in pages.items():
            for _ in range(5):
                if client.get(url).status_code != 200:
                    raise SystemExit(f"{name} did not open ({url}).")
            reset_queries()
            client.get(url)
            queries = len(connection.queries)
            times, cpu = [], []
            for _ in range(args.samples):
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"{name} answered {response.status_code}.")
            times.sort()
            p = statistics.quantiles(times, n=100)
            c = statistics.quantiles(sorted(cpu), n=100)
            print(f"  {name:16} p50 {p[49]:6.1f} ms  p95 {p[94]:6.1f} ms  p99 {p[98]:6.1f} ms  queries {queries}")
            # On a shared machine wall time includes waiting for a CPU; the web process's own
            # CPU time (the database's is not in it) shows what the page costs when it is quiet.
            print(f"  {'':16} web process CPU p50 {c[49]:6.1f} ms  p95 {c[94]:6.1f} ms")
    print(f"Load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
