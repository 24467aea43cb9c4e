"""One linker over one data set, as its own process so its time and peak memory are its own.

    python -m benchmarks.heldout.runners splink --out clusters.csv --columns map.toml FILE...
    python -m benchmarks.heldout.runners joinedup-api --out clusters.csv --columns map.toml FILE...
    python -m benchmarks.heldout.runners demo-seed --workdir DIR --children N --seed S
    python -m benchmarks.heldout.runners joinedup-db --workdir DIR --seed S --out clusters.csv

Each writes file,id,cluster_id (the same form as `manage.py link_files --out`) and a
JSON line of notes on stdout's last line. linkage_quality.py runs `link_files` itself.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.heldout import columns  # noqa: E402


def _django(database: Path | None = None) -> None:
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.settings")
    if database is not None:
        os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    import django

    django.setup()


def _write_clusters(path: Path, rows: list[tuple[str, str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "id", "cluster_id"])
        writer.writerows(rows)


def _decisions() -> tuple[Any, Any, Any]:
    """The shared decision rule (review reasons, components kept apart), wherever it lives now."""
    try:
        from joinedup.linkage.decisions import Components, keeps_apart, review_reason  # type: ignore[import-not-found]
    except ImportError:
        from joinedup.linkage.services import Components, keeps_apart, review_reason
    return Components, keeps_apart, review_reason


# --- plain Splink -----------------------------------------------------------------


def plain_splink(records: list[columns.Record], *, mode: str, uk_postcodes: bool, seed: int, threshold: float) -> Any:
    """Splink 5 out of the box: its library comparisons, its default training, connected components."""
    import logging

    import pyarrow as pa
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    def blank(s: str) -> str | None:
        return " ".join(s.casefold().split()) or None

    table = {
        "unique_id": [str(i) for i in range(len(records))],
        "source": [r.file for r in records],
        "first_name": [blank(r.given) for r in records],
        "surname": [blank(r.family) for r in records],
        "dob": [r.dob.isoformat() if r.dob else None for r in records],
        "sex": [r.sex or None for r in records],
        "postcode": [blank(r.postcode.upper()) and r.postcode.upper() for r in records],
        "address": [blank(r.address) for r in records],
        "nhs_number": [r.nhs_number.replace(" ", "") or None for r in records],
        "identifier": [blank(r.identifier) for r in records],
    }
    present = {c for c, values in table.items() if any(v is not None for v in values)}
    comparisons = [cl.NameComparison("first_name"), cl.NameComparison("surname")]
    if "dob" in present:
        comparisons.append(cl.DateOfBirthComparison("dob", input_is_string=True))
    if "postcode" in present:
        comparisons.append(cl.PostcodeComparison("postcode") if uk_postcodes else cl.ExactMatch("postcode"))
    for column in ("sex", "address", "nhs_number", "identifier"):
        if column in present:
            comparisons.append(cl.ExactMatch(column))
    rules = [block_on("first_name", "surname")]
    if "dob" in present:
        rules += [block_on("dob", "substr(first_name, 1, 1)"), block_on("dob", "substr(surname, 1, 1)")]
    if "postcode" in present:
        rules.append(block_on("postcode", "substr(first_name, 1, 1)"))
    if "address" in present:
        rules.append(block_on("address", "substr(first_name, 1, 1)"))
    for column in ("nhs_number", "identifier"):
        if column in present:
            rules.append(block_on(column))
    db_api = DuckDBAPI()
    arrow = pa.table(table)
    if mode == "link":
        files = sorted(set(table["source"]))
        frames = [
            db_api.register(arrow.filter(pa.compute.equal(arrow["source"], f)), dataset_display_name=f"t{i}")
            for i, f in enumerate(files)
        ]
    else:
        frames = [db_api.register(arrow, dataset_display_name="records")]
    settings = SettingsCreator(
        link_type="link_only" if mode == "link" else "dedupe_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=rules,
    )
    linker = Linker(frames if len(frames) > 1 else frames[0], settings, log_level=logging.ERROR)
    deterministic = [block_on("first_name", "surname", "dob")] if "dob" in present else rules[:1]
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2_000_000, seed=seed)
    notes = []
    for rule in ([block_on("dob")] if "dob" in present else []) + [block_on("first_name", "surname")]:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except Exception as exc:  # noqa: BLE001 - a rule without pairs: say so and go on
            notes.append(f"EM skipped: {str(exc).splitlines()[0][:120]}")
    predictions = linker.inference.predict(threshold_match_probability=min(threshold, 0.5))
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
    cluster_of = {str(r["unique_id"]): str(r["cluster_id"]) for r in clusters.as_record_list()}
    rows = [(r.file, r.id, cluster_of.get(str(i), f"alone-{i}")) for i, r in enumerate(records)]
    return rows, notes


# --- Joined Up's model, called directly -------------------------------------------


class _EMSkips:
    """Splink's EM raises where a training rule finds no pairs (a field every record lacks):
    skip that one step, say so, and let train() go on with the rest."""

    def __init__(self) -> None:
        from splink.internals.linker_components.training import LinkerTraining

        self.skipped: list[str] = []
        original = LinkerTraining.estimate_parameters_using_expectation_maximisation
        skipped = self.skipped

        def tolerant(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return original(self, *args, **kwargs)
            except Exception as exc:
                if "resulted in no record pairs" not in str(exc):
                    raise
                skipped.append(str(exc).split(" resulted in")[0][:120])
                return None

        LinkerTraining.estimate_parameters_using_expectation_maximisation = tolerant  # type: ignore[method-assign]


def joinedup_api(records: list[columns.Record], *, mode: str, seed: int, threshold: float) -> Any:
    """Joined Up's model and decision rule, as link_files applies them, with each file's
    postcode kept as the plain string it is (link_files blanks a postcode that is not UK)."""
    from django.core.exceptions import ValidationError

    from joinedup.core.validators import normalise_nhs_number
    from joinedup.linkage import model as splink_model
    from joinedup.linkage.features import features

    components_cls, keeps_apart, review_reason = _decisions()

    def nhs(value: str) -> str:
        try:
            return str(normalise_nhs_number(value)) if value else ""
        except ValidationError:
            return ""

    rows = [
        features(
            unique_id=str(i),
            given_names=r.given,
            family_name=r.family,
            other_names=r.other_names,
            date_of_birth=r.dob,
            sex=r.sex,
            postcode=r.postcode,
            nhs_number=nhs(r.nhs_number),
            address=r.address,
            identifier=r.identifier,
        )
        for i, r in enumerate(records)
    ]
    skips = _EMSkips()
    model = splink_model.train(rows, seed=seed).model
    pairs = splink_model.predict(rows, model, threshold=min(threshold, 0.5))
    if mode == "link":  # each file is free of duplicates: only pairs across files
        pairs = [p for p in pairs if records[int(p["unique_id_l"])].file != records[int(p["unique_id_r"])].file]
    pairs.sort(key=lambda p: (-float(p["match_probability"]), int(p["unique_id_l"]), int(p["unique_id_r"])))
    scored = [
        (str(p["unique_id_l"]), str(p["unique_id_r"]), float(p["match_probability"]), review_reason(p)) for p in pairs
    ]
    components = components_cls({str(i): str(i) for i in range(len(records))})
    for a, b, _, reason in scored:
        if keeps_apart(reason):
            components.keep_apart(a, b)
    review = 0
    for a, b, p, reason in scored:
        if p >= threshold and not reason and not components.would_join_apart(a, b):
            components.join(a, b)
        elif p >= threshold:
            review += 1
    out = [(r.file, r.id, components.component[str(i)]) for i, r in enumerate(records)]
    notes = [f"EM skipped (no pairs): {s}" for s in skips.skipped]
    notes.append(f"{review:,} pairs above the threshold held for review")
    return out, notes


# --- the demo partnership, through the database (today's linkage run) ---------------


def demo_seed(workdir: Path, children: int, seed: int) -> list[str]:
    db = workdir / "linkage.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    _django(db)
    from django.core.management import call_command

    from benchmarks.heldout.datasets import demo_export
    from joinedup.demo.services import demo_seed as seed_demo

    call_command("migrate", "--no-input", verbosity=0)
    t = time.perf_counter()
    seed_demo(children=children, seed=seed)
    demo_export(workdir)
    return [f"seeded {children:,} children in {time.perf_counter() - t:.0f}s"]


def joinedup_db(workdir: Path, seed: int, upper: float | None, explain: bool) -> Any:
    """Train, activate, score and apply decisions in the demo database, as `linkage_run` does."""
    _django(workdir / "linkage.sqlite3")
    import re

    from joinedup.children.models import AgencyRecord
    from joinedup.linkage import model as splink_model
    from joinedup.linkage.features import records_to_rows
    from joinedup.linkage.models import CandidatePair
    from joinedup.linkage.services import linkage_apply, linkage_model_activate, linkage_model_save

    try:
        from joinedup.linkage.features import RECORD_FIELDS as FIELDS
    except ImportError:
        from joinedup.linkage.management.commands.linkage_train import FIELDS

    rows = records_to_rows(AgencyRecord.objects.order_by("id").values(*FIELDS))
    result = splink_model.train(rows, seed=seed)
    model = linkage_model_activate(
        actor=None,
        model=linkage_model_save(actor=None, parameters=result.model, summary=result.summary),
        upper=upper,
    )
    scored = splink_model.predict(rows, model.parameters, threshold=0.01)
    linkage_apply(actor=None, model=model, rows=[r for r in scored if r["match_probability"] >= model.lower_threshold])
    out = []
    for record_id, child_id, agency in AgencyRecord.objects.order_by("id").values_list(
        "id", "child_id", "agency__name"
    ):
        name = "agency_" + re.sub(r"[^a-z0-9]+", "_", agency.casefold()).strip("_") + ".csv"
        out.append((name, str(record_id), str(child_id)))
    from joinedup.demo.models import TruthLink

    person = dict(TruthLink.objects.values_list("record_id", "person_key"))
    sizes: dict[Any, int] = {}
    for key in person.values():
        sizes[key] = sizes.get(key, 0) + 1
    true_pairs = sum(n * (n - 1) // 2 for n in sizes.values())
    blocked = {
        (min(a, b), max(a, b))
        for r in scored
        if (a := int(r["unique_id_l"])) in person and (b := int(r["unique_id_r"])) in person and person[a] == person[b]
    }
    notes = [
        f"blocking recall (true pairs scored at all): {len(blocked) / true_pairs:.4f}"
        if true_pairs
        else "no true pairs",
        f"thresholds: join at >= {model.upper_threshold}, review at >= {model.lower_threshold}",
        f"{CandidatePair.objects.filter(status='pending').count():,} pairs waiting for review",
    ]
    if explain:
        _explain(scored, model)
    return out, notes, model.upper_threshold


def _explain(scored: list[dict[str, Any]], model: Any) -> None:
    """Why true pairs were missed and false ones made: counts by reason and corruption."""
    from collections import Counter, defaultdict
    from itertools import combinations

    from joinedup.children.models import AgencyRecord
    from joinedup.demo.models import TruthLink

    _, _, review_reason = _decisions()
    groups: dict[int, list[int]] = defaultdict(list)
    for record_id, person in TruthLink.objects.values_list("record_id", "person_key"):
        groups[person].append(record_id)
    truth = {frozenset(p) for m in groups.values() for p in combinations(sorted(m), 2)}
    children: dict[int, list[int]] = defaultdict(list)
    for record_id, child in AgencyRecord.objects.values_list("id", "child_id"):
        children[child].append(record_id)
    predicted = {frozenset(p) for m in children.values() for p in combinations(sorted(m), 2)}
    by_pair = {frozenset((int(r["unique_id_l"]), int(r["unique_id_r"]))): r for r in scored}
    corruptions = dict(TruthLink.objects.values_list("record_id", "corruptions"))
    missed: Counter[str] = Counter()
    for pair in truth - predicted:
        row = by_pair.get(pair)
        if row is None:
            reason = "not blocked"
        elif review_reason(row):
            reason = f"for review: {review_reason(row)}"
        elif row["match_probability"] < model.lower_threshold:
            reason = "below review threshold"
        elif row["match_probability"] < model.upper_threshold:
            reason = "in review band"
        else:
            reason = "above threshold but kept apart"
        kinds = sorted({c for r in pair for c in (corruptions.get(r) or "none").split(",")})
        missed[f"{reason} [{'+'.join(kinds)}]"] += 1
    print("\nmissed true pairs by reason [corruptions]:", file=sys.stderr)
    for reason, n in missed.most_common(15):
        print(f"  {n:6,}  {reason}", file=sys.stderr)
    wrong: Counter[str] = Counter()
    for pair in predicted - truth:
        row = by_pair.get(pair)
        wrong["joined transitively" if row is None else f"scored {row['match_probability']:.3f}"[:12]] += 1
    print("false pairs:", file=sys.stderr)
    for reason, n in wrong.most_common(8):
        print(f"  {n:6,}  {reason}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("method", choices=["splink", "joinedup-api", "demo-seed", "joinedup-db"])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--columns", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--mode", choices=["dedupe", "link"], default="dedupe")
    parser.add_argument("--uk-postcodes", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threshold", type=float, default=0.7)
    parser.add_argument("--children", type=int, default=2000)
    parser.add_argument("--upper", type=float, default=None)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_intermixed_args()
    info: dict[str, Any] = {"started": dt.datetime.now(dt.UTC).isoformat()}
    if args.method == "demo-seed":
        info["notes"] = demo_seed(args.workdir, args.children, args.seed)
    elif args.method == "joinedup-db":
        rows, info["notes"], info["threshold"] = joinedup_db(args.workdir, args.seed, args.upper, args.explain)
        _write_clusters(args.out, rows)
    else:
        records = columns.read(args.files, args.columns)
        if args.method == "splink":
            rows, info["notes"] = plain_splink(
                records, mode=args.mode, uk_postcodes=args.uk_postcodes, seed=args.seed, threshold=args.threshold
            )
        else:
            _django()
            rows, info["notes"] = joinedup_api(records, mode=args.mode, seed=args.seed, threshold=args.threshold)
        _write_clusters(args.out, rows)
    print(json.dumps(info))


if __name__ == "__main__":
    main()
