"""Linkage quality on the demo partnership's ground truth.

    .venv/bin/python benchmarks/linkage_quality.py [--children 20000] [--seed 1]

Seeds a fresh SQLite database under var/bench/, trains a model, runs batch
linkage, and prints blocking recall, pairwise precision, recall and F1, and
cluster precision, recall and F1 (a cluster counts when it is exactly one
true child's records) at the thresholds in use. Never fails on a figure.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pairs_of(groups: dict[int, list[int]]) -> set[frozenset[int]]:
    return {frozenset(p) for members in groups.values() for p in combinations(sorted(members), 2)}


def prf(predicted: set, truth: set) -> tuple[float, float, float]:
    tp = len(predicted & truth)
    p = tp / len(predicted) if predicted else 1.0
    r = tp / len(truth) if truth else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--upper", type=float, default=None, help="Join threshold (default: the model's)")
    parser.add_argument("--explain", action="store_true", help="Count the misses by reason and corruption")
    args = parser.parse_args()
    bench = ROOT / "var" / "bench"
    bench.mkdir(parents=True, exist_ok=True)
    db = bench / "linkage.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--no-input", verbosity=0)
    from joinedup.children.models import AgencyRecord
    from joinedup.demo.models import TruthLink
    from joinedup.demo.services import demo_seed
    from joinedup.linkage import model as splink_model
    from joinedup.linkage.features import records_to_rows
    from joinedup.linkage.management.commands.linkage_train import FIELDS
    from joinedup.linkage.services import linkage_apply, linkage_model_activate, linkage_model_save

    t = time.perf_counter()
    demo_seed(children=args.children, seed=args.seed)
    print(f"seeded {args.children:,} children in {time.perf_counter() - t:.1f}s")
    rows = records_to_rows(AgencyRecord.objects.values(*FIELDS))
    t = time.perf_counter()
    result = splink_model.train(rows, seed=args.seed)
    model = linkage_model_activate(
        actor=None,
        model=linkage_model_save(actor=None, parameters=result.model, summary=result.summary),
        upper=args.upper,
    )
    print(f"trained on {len(rows):,} records in {time.perf_counter() - t:.1f}s")
    t = time.perf_counter()
    scored = splink_model.predict(rows, model.parameters, threshold=0.01)
    print(f"scored {len(scored):,} candidate pairs in {time.perf_counter() - t:.1f}s")

    truth_groups: dict[int, list[int]] = defaultdict(list)
    for record_id, person in TruthLink.objects.values_list("record_id", "person_key"):
        truth_groups[person].append(record_id)
    truth_pairs = pairs_of(truth_groups)
    blocked = {frozenset((int(r["unique_id_l"]), int(r["unique_id_r"]))) for r in scored}
    print(f"blocking recall:            {len(blocked & truth_pairs) / len(truth_pairs):.4f}")

    t = time.perf_counter()
    linkage_apply(
        actor=None,
        model=model,
        rows=[r for r in scored if r["match_probability"] >= model.lower_threshold],
    )
    print(f"applied decisions in {time.perf_counter() - t:.1f}s")
    predicted_groups: dict[int, list[int]] = defaultdict(list)
    for record_id, child in AgencyRecord.objects.values_list("id", "child_id"):
        predicted_groups[child].append(record_id)
    p, r, f = prf(pairs_of(predicted_groups), truth_pairs)
    print(f"thresholds:                 join at >= {model.upper_threshold}, review at >= {model.lower_threshold}")
    print(f"pairwise precision:         {p:.4f}")
    print(f"pairwise recall:            {r:.4f}")
    print(f"pairwise F1:                {f:.4f}")
    truth_clusters = {frozenset(v) for v in truth_groups.values()}
    predicted_clusters = {frozenset(v) for v in predicted_groups.values()}
    cp, cr, cf = prf(predicted_clusters, truth_clusters)
    print(f"cluster precision:          {cp:.4f}")
    print(f"cluster recall:             {cr:.4f}")
    print(f"cluster F1:                 {cf:.4f}")
    from joinedup.linkage.models import CandidatePair

    print(f"pairs waiting for review:   {CandidatePair.objects.filter(status='pending').count():,}")
    if args.explain:
        _explain(truth_pairs, pairs_of(predicted_groups), scored, model)


def _explain(truth: set, predicted: set, scored: list, model: Any) -> None:
    """Why true pairs were missed and false ones made: counts by reason and corruption."""
    from collections import Counter

    from joinedup.demo.models import TruthLink
    from joinedup.linkage.services import review_reason

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
    print("\nmissed true pairs by reason [corruptions]:")
    for reason, n in missed.most_common(15):
        print(f"  {n:6,}  {reason}")
    wrong: Counter[str] = Counter()
    for pair in predicted - truth:
        row = by_pair.get(pair)
        wrong["joined transitively" if row is None else f"scored {row['match_probability']:.3f}"[:12]] += 1
    print("false pairs:")
    for reason, n in wrong.most_common(8):
        print(f"  {n:6,}  {reason}")


if __name__ == "__main__":
    main()
