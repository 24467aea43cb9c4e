"""How the main pages behave under load, served by the production server from PostgreSQL.

    .venv/bin/python benchmarks/web_load.py [--children 1000000] [--reuse] [--users 1,10,50]
        [--run-time 120] [--pause 5-15] [--database-url URL] [--port 8105] [--workers 3] [--no-linkage]

1. Seeds (or, with --reuse, reuses) a PostgreSQL database with the synthetic
   demo partnership at N children and their agency records. Up to 50,000
   children it runs `seed_demo`, which trains a linkage model and links them
   (--no-linkage skips it); above that it runs benchmarks/bulk_seed.py (COPY,
   about 15 minutes at a million on two cores; records placed on their child
   from the generator's ground truth, no model trained), unless --no-bulk.
2. Serves it with gunicorn and gunicorn.conf.py, as `make serve-production`.
3. Drives it with locust, headless, at each number of users: each user signs
   in as the City screener and opens the home page, a child page, a search,
   the screening queue and a case page, in turn at random, pausing between
   pages as a person does to read one: 5-15 s (--pause); they arrive over
   ten seconds, and the figures count from when all have. Fifty people
   open about five pages a second between them, a busy hour for a
   partnership's front door. `--pause 0.5-1.5` is a stress test instead
   (a page a second each: more than two cores can serve, so it measures
   capacity: see the pages a second it sustains).
4. Prints p50, p95 and p99 response times, the error count and the pages a
   second per page and per number of users, and the targets of issue 13
   (at 50 users: child page p95 <= 100 ms, search p95 <= 200 ms, no
   errors) with met / not met. It never passes or fails on time.

Everything runs on this machine against 127.0.0.1 only. Run it under `nice`;
`--reuse` then repeats the load alone on the seeded database.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://joinedup:joinedup@127.0.0.1:5432/joinedup_webload"
PAGES = ("home", "child page", "search", "screening queue", "case page")
USERNAME = "screener.city"
# Above this many children the seed is benchmarks/bulk_seed.py (seed_demo takes hours at a million).
BULK_ABOVE = 50_000
RAMP_SECONDS = 10


def prepare(args: argparse.Namespace) -> dict[str, object]:
    """Seed (or reuse) the database and choose what the simulated people open."""
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.settings")
    fresh = not args.reuse
    if args.reuse:
        import psycopg

        try:
            with psycopg.connect(args.database_url) as db:
                fresh = db.execute("SELECT count(*) FROM partnership_partnership").fetchone() == (0,)
        except psycopg.Error:
            fresh = True
        if fresh:
            print("Nothing to reuse: seeding.")
    if fresh:
        from benchmarks.bulk_seed import recreate_database

        recreate_database(args.database_url)
    bulk = fresh and not args.no_bulk and args.children > BULK_ABOVE
    if bulk:
        from benchmarks.bulk_seed import bulk_seed

        print(f"Seeding {args.children:,} children in bulk...", flush=True)
        bulk_seed(argparse.Namespace(
            children=args.children, base=2400, copies=max(1, round(args.children * 0.03 / 300)),
            seed=1, database_url=args.database_url,
        ))  # fmt: skip

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--no-input", verbosity=0)
    if fresh and not bulk:
        started = time.perf_counter()
        print(f"Seeding {args.children:,} children (this is the slow part)...", flush=True)
        command = ["seed_demo", "--children", str(args.children)]
        if args.no_linkage:
            command.append("--no-linkage")
        call_command(*command, stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"  seeded{'' if args.no_linkage else ' and linked'} in {time.perf_counter() - started:,.0f} s")

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from joinedup.children.access import children_visible_to
    from joinedup.children.models import AgencyRecord
    from joinedup.core.models import User
    from joinedup.pathways.access import cases_visible_to

    user = User.objects.get(username=USERNAME)
    rng = random.Random(1)
    children = list(children_visible_to(user).order_by("id").values_list("uuid", flat=True)[:5000])
    cases = list(cases_visible_to(user).order_by("id").values_list("uuid", flat=True)[:1000])
    names = list(AgencyRecord.objects.order_by("id").values_list("family_name", flat=True).distinct()[:2000])
    sessions = []
    for _ in range(max(args.levels)):
        # Signed-in sessions made here, so the figures are of the pages, not of password hashing
        # (the production hasher is slow on purpose: fifty sign-ins at once are seconds of CPU).
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        sessions.append(session.session_key)
    figures = {
        # Children that hold records: a join leaves the child it emptied behind, superseded.
        "children": AgencyRecord.objects.values("child_id").distinct().count(),
        "agency_records": AgencyRecord.objects.count(),
        "children_in_screener_work": children_visible_to(user).count(),
    }
    from django.db import connection

    with connection.cursor() as cursor:
        # PostgreSQL's own cache: its default (128 MB) holds a tenth of a million children's database.
        cursor.execute("SHOW shared_buffers")
        figures["shared_buffers"] = cursor.fetchone()[0]
    targets: dict[str, object] = {
        "sessions": sessions,
        "children": [str(u) for u in rng.sample(children, min(500, len(children)))],
        "cases": [str(u) for u in rng.sample(cases, min(200, len(cases)))],
        "names": rng.sample(names, min(200, len(names))),
        "figures": figures,
    }
    from django.db import connections

    connections.close_all()
    return targets


def _wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit("gunicorn stopped before it answered: see its output above.")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback only)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer {url} within a minute.")


def _read_stats(prefix: Path) -> dict[str, dict[str, float]]:
    rows = {}
    with open(f"{prefix}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["Name"] in PAGES:
                rows[row["Name"]] = {
                    "requests": int(row["Request Count"]),
                    "errors": int(row["Failure Count"]),
                    "p50": float(row["50%"] or 0),
                    "p95": float(row["95%"] or 0),
                    "p99": float(row["99%"] or 0),
                    "rps": float(row["Requests/s"] or 0),
                }
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="reuse the seeded database if it has a partnership")
    parser.add_argument("--no-linkage", action="store_true", help="seed without training a model or linking")
    parser.add_argument("--no-bulk", action="store_true", help=f"seed_demo even above {BULK_ABOVE:,} children")
    parser.add_argument("--users", default="1,10,50", help="comma-separated numbers of simultaneous users")
    parser.add_argument("--run-time", type=int, default=120, help="seconds at each number of users")
    parser.add_argument(
        "--pause", default="5-15", help="seconds each person pauses between pages, MIN-MAX (0.5-1.5: a stress test)"
    )
    parser.add_argument("--database-url", default=os.environ.get("WEB_LOAD_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--port", type=int, default=8105)
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="gunicorn worker processes (default: gunicorn.conf.py's, 2 x cores + 1; threads: GUNICORN_THREADS)",
    )
    args = parser.parse_args()
    try:
        levels = [int(n) for n in args.users.split(",")]
    except ValueError:
        raise SystemExit(
            f"--users takes whole numbers separated by commas, like 1,10,50, not {args.users!r}."
        ) from None
    try:
        low, high = (float(n) for n in args.pause.split("-"))
        if not 0 <= low <= high:
            raise ValueError
    except ValueError:
        raise SystemExit(f"--pause takes two numbers of seconds, MIN-MAX like 5-15, not {args.pause!r}.") from None
    if not urlsplit(args.database_url).scheme.startswith("postgres"):
        raise SystemExit("--database-url must name a PostgreSQL database: the load figures are for production.")
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", args.port)) == 0:
            raise SystemExit(f"Port {args.port} is in use: stop what is serving there or pass --port.")

    args.levels = levels
    # One key for the sessions made while preparing and for the server that reads them.
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    targets = prepare(args)
    targets["pause"] = [low, high]
    work = Path(tempfile.mkdtemp(prefix="web_load_"))
    (work / "targets.json").write_text(json.dumps(targets))
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG"}},
        "DATABASE_URL": args.database_url,
        "DEBUG": "false",
        "HTTPS": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "WEB_CONCURRENCY": str(args.workers or (os.cpu_count() or 1) * 2 + 1),
        "BIND": f"127.0.0.1:{args.port}",
    }
    host = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null"],
        cwd=ROOT,
        env=env,
    )
    results: dict[int, dict[str, dict[str, float]]] = {}
    try:
        _wait_for(f"{host}/healthz", server)
        for users in levels:
            # People arrive over RAMP_SECONDS, not all in one instant (fifty first pages at once
            # would be a queue no working day has), and the figures start once all have.
            rate = max(1.0, users / RAMP_SECONDS)
            print(f"Running {users} user(s) for {args.run_time} s (arriving over {users / rate:.0f} s)...", flush=True)
            prefix = work / f"u{users}"
            subprocess.run(  # noqa: S603
                [sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks" / "web_load_locustfile.py"),
                 "--headless", "--host", host, "-u", str(users), "-r", f"{rate:g}", "--reset-stats",
                 "--run-time", f"{args.run_time + round(users / rate)}s",
                 "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "5"],
                env={**os.environ, "WEB_LOAD_TARGETS": str(work / "targets.json")},
                check=False, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            results[users] = _read_stats(prefix)
    finally:
        server.terminate()
        server.wait(timeout=30)

    figures = targets["figures"]
    if not isinstance(figures, dict):
        raise TypeError("figures")
    print()
    print(f"PostgreSQL, {figures['children']:,} children, {figures['agency_records']:,} agency records; "
          f"{figures['children_in_screener_work']:,} children in the screener's work; "
          f"shared_buffers {figures.get('shared_buffers', '?')}")  # fmt: skip
    threads = os.environ.get("GUNICORN_THREADS", "1")
    print(f"gunicorn: {env['WEB_CONCURRENCY']} workers x {threads} threads; {os.cpu_count()} cores shared with locust")
    print(f"each person pauses {low:g}-{high:g} s between pages; {args.run_time} s at each number of users")
    header = f"{'users':>5}  {'page':<16} {'requests':>8} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
    print(f"{header} {'errors':>6}")
    for users, pages in results.items():
        for page in PAGES:
            row = pages.get(page)
            if row is None:
                print(f"{users:>5}  {page:<16} (no requests)")
                continue
            print(f"{users:>5}  {page:<16} {row['requests']:>8.0f} {row['rps']:>6.1f} {row['p50']:>7.0f} "
                  f"{row['p95']:>7.0f} {row['p99']:>7.0f} {row['errors']:>6.0f}")  # fmt: skip
        print(f"{users:>5}  {'all pages':<16} {sum(r['rps'] for r in pages.values()):>15.1f} pages a second")
    _print_targets(results)


# Issue 13's targets: (page, p95 at most, in ms), at this many users.
TARGET_USERS = 50
TARGETS = (("child page", 100), ("search", 200))


def _print_targets(results: dict[int, dict[str, dict[str, float]]]) -> None:
    pages = results.get(TARGET_USERS)
    print(f"targets (issue 13), at {TARGET_USERS} users:")
    if pages is None:
        print(f"  not measured: run with {TARGET_USERS} among --users")
        return
    for page, limit in TARGETS:
        row = pages.get(page)
        p95 = row["p95"] if row else None
        verdict = "not measured" if p95 is None else ("met" if p95 <= limit else "NOT MET")
        shown = "-" if p95 is None else f"{p95:.0f} ms"
        print(f"  {page + ' p95 <= ' + str(limit) + ' ms':<34} {shown:>8}  {verdict}")
    errors = sum(r["errors"] for r in pages.values())
    print(f"  {'no errors':<34} {errors:>8.0f}  {'met' if errors == 0 else 'NOT MET'}")


if __name__ == "__main__":
    main()
