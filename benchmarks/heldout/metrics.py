"""Pairwise and cluster (B-cubed) quality, twin false positives and recall by group.

Counted from cluster memberships, never by listing pairs, so a set of a million
records is as cheap as a small one.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

Key = tuple[str, str]  # (file, id)


def _c2(n: int) -> int:
    return n * (n - 1) // 2


@dataclass
class Truth:
    person: dict[Key, str]
    group: dict[Key, str]
    family: dict[Key, str]

    @classmethod
    def read(cls, path: Path) -> Truth:
        person, group, family = {}, {}, {}
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                key = (row["file"], row["id"])
                person[key] = row["person"]
                if row.get("group"):
                    group[key] = row["group"]
                if row.get("family"):
                    family[key] = row["family"]
        return cls(person, group, family)


def read_clusters(path: Path) -> dict[Key, str]:
    with path.open(encoding="utf-8", newline="") as f:
        return {(row["file"], row["id"]): row["cluster_id"] for row in csv.DictReader(f)}


@dataclass
class Quality:
    precision: float
    recall: float
    f1: float
    b3_precision: float
    b3_recall: float
    b3_f1: float
    true_pairs: int
    predicted_pairs: int
    twin_fp: int
    household_fp: int | None
    recall_by_group: dict[str, tuple[float, int]] = field(default_factory=dict)
    largest_cluster: int = 0
    exact_f1: float = 0.0  # a cluster counts only when it is exactly one true person's records
    unclustered: int = 0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _fp_within(clusters: dict[Key, str], truth: Truth, key_of: dict[Key, object]) -> int:
    """Pairs joined in one cluster, sharing key_of's value, of different true persons."""
    by: Counter[tuple[str, object]] = Counter()
    by_person: Counter[tuple[str, object, str]] = Counter()
    for rec, cluster in clusters.items():
        value = key_of.get(rec)
        if value is None:
            continue
        by[(cluster, value)] += 1
        by_person[(cluster, value, truth.person[rec])] += 1
    return sum(_c2(n) for n in by.values()) - sum(_c2(n) for n in by_person.values())


def quality(clusters: dict[Key, str], truth: Truth, twin_key: dict[Key, object]) -> Quality:
    """`clusters` may miss records (a linker that dropped them): each is then its own cluster.
    `twin_key` maps a record to (family name, date of birth) as recorded, where both are known."""
    clusters = dict(clusters)
    missing = [k for k in truth.person if k not in clusters]
    for k in missing:
        clusters[k] = f"__alone__{k}"
    clusters = {k: c for k, c in clusters.items() if k in truth.person}
    cluster_size = Counter(clusters.values())
    person_size = Counter(truth.person.values())
    overlap = Counter((clusters[k], truth.person[k]) for k in clusters)
    tp = sum(_c2(n) for n in overlap.values())
    predicted = sum(_c2(n) for n in cluster_size.values())
    true = sum(_c2(n) for n in person_size.values())
    p = tp / predicted if predicted else 1.0
    r = tp / true if true else 1.0
    n = len(clusters)
    b3p = sum(overlap[(clusters[k], truth.person[k])] / cluster_size[clusters[k]] for k in clusters) / n
    b3r = sum(overlap[(clusters[k], truth.person[k])] / person_size[truth.person[k]] for k in clusters) / n
    # Recall by group: the true pairs of each group's people, and how many were found.
    found: Counter[str] = Counter()
    wanted: Counter[str] = Counter()
    person_group: dict[str, str] = {}
    for k, g in truth.group.items():
        person_group.setdefault(truth.person[k], g)
    for (_, person), count in overlap.items():
        if person in person_group:
            found[person_group[person]] += _c2(count)
    for person, count in person_size.items():
        if person in person_group:
            wanted[person_group[person]] += _c2(count)
    by_group = {g: (found[g] / wanted[g], wanted[g]) for g in wanted if wanted[g]}
    predicted_sets: dict[str, set[Key]] = {}
    for k, c in clusters.items():
        predicted_sets.setdefault(c, set()).add(k)
    true_sets: dict[str, set[Key]] = {}
    for k, person in truth.person.items():
        true_sets.setdefault(person, set()).add(k)
    exact = len({frozenset(v) for v in predicted_sets.values()} & {frozenset(v) for v in true_sets.values()})
    exact_p, exact_r = exact / len(predicted_sets), exact / len(true_sets)
    household = _fp_within(clusters, truth, dict(truth.family)) if truth.family else None
    return Quality(
        precision=p,
        recall=r,
        f1=_f1(p, r),
        b3_precision=b3p,
        b3_recall=b3r,
        b3_f1=_f1(b3p, b3r),
        true_pairs=true,
        predicted_pairs=predicted,
        twin_fp=_fp_within(clusters, truth, twin_key),
        household_fp=household,
        recall_by_group=by_group,
        largest_cluster=max(cluster_size.values(), default=0),
        exact_f1=_f1(exact_p, exact_r),
        unclustered=len(missing),
    )


def worst_group(q: Quality, min_pairs: int = 20) -> tuple[str, float, int] | None:
    groups = [(g, r, n) for g, (r, n) in q.recall_by_group.items() if n >= min_pairs]
    return min(groups, key=lambda x: (x[1], x[0])) if groups else None


def by_key(records: list) -> dict[Key, object]:
    """(family name folded, date of birth) for each record that has both."""
    out: dict[Key, object] = {}
    for r in records:
        if r.family and r.dob:
            out[(r.file, r.id)] = (" ".join(r.family.casefold().split()), r.dob)
    return out
