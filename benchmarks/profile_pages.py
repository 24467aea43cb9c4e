"""Where the web load benchmark's pages spend their time: queries, their count and the slowest.

    .venv/bin/python benchmarks/profile_pages.py [--database-url URL] [--explain] [--slowest 3]

Opens the five pages of benchmarks/web_load.py (home, a child page, a search,
the screening queue and a case page) with Django's test client as the City
screener (the case page as the City social worker; --user, --case-user),
against an already seeded database (benchmarks/bulk_seed.py), and
prints each page's median time, split into Python (wall time less the queries')
and SQL, with the process's CPU time (steadier than wall time on a busy machine),
its query count and its slowest queries, then a table of all pages; with
--explain, PostgreSQL's EXPLAIN ANALYZE of each.
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
DEFAULT_URL = "postgres://joinedup:joinedup@127.0.0.1:5432/joinedup_webload"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("WEB_LOAD_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--slowest", type=int, default=3)
    parser.add_argument(
        "--repeat", type=int, default=5, help="times each page is opened (after one warm-up; medians are reported)"
    )
    parser.add_argument("--page", default="", help="only pages whose name contains this")
    parser.add_argument("--cprofile", action="store_true", help="also print where Python spends the time")
    parser.add_argument(
        "--callers", default="", help="with --cprofile, who calls the functions matching this (a pstats pattern)"
    )
    parser.add_argument("--user", default="screener.city", help="who opens the pages")
    parser.add_argument(
        "--case-user", default="sw.city", help="who opens the case page (a caseworker; empty for --user)"
    )
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.setdefault("HTTPS", "false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from joinedup.children.access import children_visible_to
    from joinedup.children.models import AgencyRecord
    from joinedup.core.models import User
    from joinedup.pathways.access import cases_visible_to

    setup_test_environment()
    user = User.objects.get(username=args.user)
    case_user = User.objects.get(username=args.case_user) if args.case_user else user
    rng = random.Random(1)  # noqa: S311
    child = rng.choice(list(children_visible_to(user).order_by("id").values_list("uuid", flat=True)[:500]))
    case = rng.choice(list(cases_visible_to(case_user).order_by("id").values_list("uuid", flat=True)[:200]))
    name = rng.choice(list(AgencyRecord.objects.order_by("id").values_list("family_name", flat=True)[:2000]))
    pages = {
        "home": "/",
        "child page": f"/children/{child}/",
        "search": f"/children/?q={name}",
        "screening queue": "/pathways/screening/",
        "case page": f"/pathways/cases/{case}/",
    }
    clients = {}
    for who in {user, case_user}:
        clients[who.pk] = Client()
        clients[who.pk].force_login(who)
    summary = []
    for page, url in pages.items():
        if args.page and args.page not in page:
            continue
        client = clients[(case_user if page == "case page" else user).pk]
        client.get(url)  # warm-up: per-process caches, connection
        times, sql_times, counts, cpu_times = [], [], [], []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                started, cpu_started = time.perf_counter(), time.process_time()
                response = client.get(url)
                elapsed = (time.perf_counter() - started) * 1000
                cpu = (time.process_time() - cpu_started) * 1000
            times.append(elapsed)
            cpu_times.append(cpu)
            sql_times.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
            counts.append(len(queries))
        if args.cprofile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(client.get, url)
            stats = pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "tottime"))
            stats.print_stats(int(os.environ.get("PROFILE_LINES", "25")))
            if args.callers:
                stats.print_callers(args.callers)
        total, sql = statistics.median(times), statistics.median(sql_times)
        python = statistics.median(t - q for t, q in zip(times, sql_times, strict=True))
        cpu = statistics.median(cpu_times)
        summary.append((page, response.status_code, total, python, cpu, sql, counts[-1]))
        print(f"\n== {page} {url}: {response.status_code}, median {total:.0f} ms "
              f"(Python {python:.0f} ms, of it CPU {cpu:.0f} ms; SQL {sql:.0f} ms), {counts[-1]} queries")  # fmt: skip
        slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[: args.slowest]
        for q in slowest:
            print(f"-- {float(q['time']) * 1000:.1f} ms: {q['sql'][:1500]}")
            if args.explain and q["sql"].lstrip().upper().startswith("SELECT"):
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {q['sql']}")
                    for (line,) in cursor.fetchall():
                        print(f"     {line}")
    print(f"\n{'page':<16} {'status':>6} {'total ms':>9} {'Python ms':>10} {'CPU ms':>7} {'SQL ms':>7} {'queries':>8}")
    for page, status, total, python, cpu, sql, count in summary:
        print(f"{page:<16} {status:>6} {total:>9.0f} {python:>10.0f} {cpu:>7.0f} {sql:>7.0f} {count:>8}")


if __name__ == "__main__":
    main()
