"""Batch linkage at scale: each step's time and peak memory, against bare Splink on the same data.

    .venv/bin/python benchmarks/linkage_scale.py [--records 1000000] [--database-url URL] [--reuse]

Builds (or with --reuse, keeps) a database of about --records agency records
from the demo generator (SQLite under var/bench/scale.sqlite3 unless
--database-url names PostgreSQL), makes sure a model is active (trained on a
sample, timed apart), then in one process:

1. bare Splink: the records read from the database, scored by Splink with
   the same model, clustered by Splink at the upper threshold;
2. Joined Up's `linkage_run` path: load the records, score them, and apply
   the result (conflict rules, "not the same child" kept, candidate pairs
   with their waterfalls, joins with history, audit, notifications).

It prints each step's wall time and peak memory (the process's high-water
mark, reset before each step) and the ratio of the two end-to-end times.
The database is changed by step 2: a SQLite database is copied aside once
seeded and trained (scale.unlinked.sqlite3), and --reuse starts again from
that copy; otherwise --reuse refuses a database already linked. It never
passes or fails on a figure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RECORDS_PER_CHILD = 2.42  # what the demo generator gives


def _reset_peak() -> None:
    """Reset the kernel's high-water mark of this process's memory (Linux)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step(name: str, results: list[tuple[str, float, float]], fn: Callable[[], Any]) -> Any:
    _reset_peak()
    print(f"  {name}...", flush=True)
    started = time.perf_counter()
    value = fn()
    results.append((name, time.perf_counter() - started, _peak_mb()))
    print(f"    {results[-1][1]:.1f} s, peak {results[-1][2]:,.0f} MB", flush=True)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--train-sample", type=int, default=200_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--reuse", action="store_true", help="keep the database if big enough and not yet linked")
    parser.add_argument("--retrain", action="store_true", help="train a new model even if one is active")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--prepare", action="store_true", help="seed and train, then stop (run later with --reuse)")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="profile Joined Up's run: print its N costliest functions"
    )
    args = parser.parse_args()

    pristine = None
    if args.database_url:
        url = args.database_url
    else:
        bench = ROOT / "var" / "bench"
        bench.mkdir(parents=True, exist_ok=True)
        db = bench / "scale.sqlite3"
        pristine = bench / "scale.unlinked.sqlite3"
        if not args.reuse or pristine.exists():
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
        if args.reuse and pristine.exists():
            shutil.copyfile(pristine, db)
        elif not args.reuse:
            pristine.unlink(missing_ok=True)
        url = f"sqlite:///{db}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from benchmarks.sampling import random_records
    from joinedup.children.models import AgencyRecord
    from joinedup.demo.services import demo_seed
    from joinedup.linkage import model as splink_model
    from joinedup.linkage.access import agency_records_for_linkage
    from joinedup.linkage.features import records_to_table
    from joinedup.linkage.management.commands.linkage_train import FIELDS
    from joinedup.linkage.models import LinkageRun
    from joinedup.linkage.services import active_model, linkage_apply, linkage_model_activate, linkage_model_save

    if connection.vendor == "postgresql" and not args.reuse:
        call_command("flush", "--no-input", verbosity=0)
    call_command("migrate", "--no-input", verbosity=0)
    if args.reuse and LinkageRun.objects.exists():
        sys.exit("This database has been linked already; run without --reuse for a fresh one.")
    if AgencyRecord.objects.count() < args.records * 0.95:
        call_command("flush", "--no-input", verbosity=0)
        children = round(args.records / RECORDS_PER_CHILD)
        print(f"Seeding {children:,} children (about {args.records:,} records)...", flush=True)
        started = time.perf_counter()
        demo_seed(children=children, seed=args.seed)
        print(f"  seeded in {time.perf_counter() - started:.0f} s", flush=True)

    live = agency_records_for_linkage()
    total = live.count()
    model = None if args.retrain else active_model()
    if model is None:
        started = time.perf_counter()
        # At random, not every n-th id: benchmarks/sampling.py says why.
        rows = records_to_table(random_records(live, target=args.train_sample, fields=list(FIELDS), seed=args.seed))
        trained = splink_model.train(rows, seed=args.seed)
        model = linkage_model_activate(
            actor=None, model=linkage_model_save(actor=None, parameters=trained.model, summary=trained.summary)
        )
        print(
            f"Trained a model on {rows.num_rows:,} records in {time.perf_counter() - started:.0f} s (not timed below)"
        )
        del rows
    if pristine is not None and not pristine.exists():
        connection.close()
        shutil.copyfile(db, pristine)  # --reuse starts again from here
        print(f"Kept an unlinked copy for --reuse: {pristine}")
    if args.prepare:
        return

    def load() -> Any:
        return records_to_table(live.values(*FIELDS).iterator(chunk_size=10_000))

    print(f"\nBare Splink on {total:,} records (DuckDB):", flush=True)
    bare: list[tuple[str, float, float]] = []

    def bare_link() -> int:
        import json

        rows = load()
        linker = splink_model.linker_for(rows, json.loads(json.dumps(model.parameters)))
        predictions = linker.inference.predict(threshold_match_probability=model.lower_threshold)
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=model.upper_threshold
        )
        return len(clusters.as_record_list())

    clustered = step("load, score and cluster", bare, bare_link)

    print(f"\nJoined Up's linkage_run on the same {total:,} records:", flush=True)
    ours: list[tuple[str, float, float]] = []
    rows = step("1/3 load records from the database", ours, load)
    scored_at: list[float] = []
    pair_count = [0]

    def timed(stream: Any) -> Any:
        for pair in stream:
            pair_count[0] += 1
            yield pair
        scored_at.append(time.perf_counter())

    def score_and_apply() -> Any:
        started = time.perf_counter()
        pairs = splink_model.predict_pairs(rows, model.parameters, threshold=model.lower_threshold)
        run = linkage_apply(actor=None, model=model, rows=timed(pairs))
        print(f"    of which scoring (Splink, streamed): {scored_at[0] - started:.1f} s", flush=True)
        return run

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        run = step("2/3 score with Splink, 3/3 cluster and persist decisions (profiled)", ours,
                   lambda: profiler.runcall(score_and_apply))  # fmt: skip
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats("joinedup", args.profile)
        stats.sort_stats("tottime").print_stats(args.profile)
    else:
        run = step("2/3 score with Splink, 3/3 cluster and persist decisions", ours, score_and_apply)
    pairs = range(pair_count[0])

    bare_time = sum(t for _, t, _ in bare)
    our_time = sum(t for _, t, _ in ours)
    print("\nFigures")
    print(f"database:                 {connection.vendor}")
    print(f"agency records:           {total:,}")
    print(f"records clustered (bare): {clustered:,}")
    print(f"pairs scored >= {model.lower_threshold}:     {len(pairs):,}")
    print("run figures:              " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in run.figures.items()))
    for name, seconds, peak in ours:
        print(f"{name:<40} {seconds:8.1f} s  peak {peak:7,.0f} MB")
    print(f"{'bare Splink end to end':<40} {bare_time:8.1f} s  peak {bare[0][2]:7,.0f} MB")
    print(f"{'Joined Up end to end':<40} {our_time:8.1f} s  peak {max(p for _, _, p in ours):7,.0f} MB")
    print(f"ratio (Joined Up / bare Splink): {our_time / bare_time:.2f}")


if __name__ == "__main__":
    main()
