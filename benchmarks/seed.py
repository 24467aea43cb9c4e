"""How long seeding the demo partnership takes, and its peak memory.

    .venv/bin/python benchmarks/seed.py [--children 200000] [--database-url URL]

Builds a fresh database (SQLite under var/bench/ unless --database-url names
a PostgreSQL database, which is dropped and recreated), migrates it, seeds it
and prints figures. It never passes or fails on time.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    if args.database_url:
        url = args.database_url
    else:
        bench = ROOT / "var" / "bench"
        bench.mkdir(parents=True, exist_ok=True)
        db = bench / "seed.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{db}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        call_command("flush", "--no-input", verbosity=0)
    call_command("migrate", "--no-input", verbosity=0)

    from joinedup.demo.services import demo_seed

    started = time.perf_counter()
    last = [started]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 10 or done == total:
            print(f"  {done:>9,}/{total:,} children, {now - started:7.1f}s", flush=True)
            last[0] = now

    result = demo_seed(children=args.children, seed=args.seed, progress=progress)
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"database:        {connection.vendor}")
    print(f"children:        {result.children:,}")
    print(f"agency records:  {result.records:,}")
    print(f"seed time:       {elapsed:.1f} s ({result.records / elapsed:,.0f} records/s)")
    print(f"peak memory:     {peak_mb:,.0f} MB (max RSS of the whole process)")


if __name__ == "__main__":
    main()
