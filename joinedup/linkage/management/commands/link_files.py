"""Link extracts from agency systems, without touching the database's records.

    manage.py link_files A.csv [B.csv ...] --columns columns.toml --out clusters.csv
        [--model VERSION | --model-file model.json] [--threshold P]

columns.toml maps each file's columns to the standard fields. A [defaults]
table applies to every file; a [files."name.csv"] table overrides it for one
file. A field may take several source columns (joined with spaces) and dates
may list their formats:

    [defaults]
    id = "person_id"
    given_name = ["forename", "middle_names"]
    family_name = "surname"
    other_names = "aliases"
    date_of_birth = { column = "dob", formats = ["%d/%m/%Y", "%Y-%m-%d"] }
    sex = "gender"
    postcode = "postcode"
    address = ["address_1", "address_2"]
    town = "town"
    nhs_number = "nhs_no"

One file is deduplicated; several are linked (and deduplicated) together.
Bad values (unparseable dates, invalid NHS numbers, bad postcodes) are
blanked, kept, and listed in a validation summary with their row numbers.
Output columns: file, id, cluster_id, best_match_probability.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
import tomllib
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from joinedup.core.validators import normalise_nhs_number, normalise_postcode
from joinedup.linkage import model as splink_model
from joinedup.linkage.features import features
from joinedup.linkage.services import conflict_reason

FIELDS = (
    "id",
    "given_name",
    "family_name",
    "other_names",
    "date_of_birth",
    "sex",
    "postcode",
    "address",
    "town",
    "nhs_number",
)
SEX_VALUES = {"f": "F", "female": "F", "girl": "F", "m": "M", "male": "M", "boy": "M"}


def _spec(config: dict[str, Any], name: str) -> dict[str, Any]:
    spec = dict(config.get("defaults", {}))
    spec.update(config.get("files", {}).get(name, {}))
    unknown = set(spec) - set(FIELDS)
    if unknown:
        raise CommandError(f"columns file: unknown field(s) for {name}: {', '.join(sorted(unknown))}")
    for required in ("id", "given_name", "family_name"):
        if required not in spec:
            raise CommandError(f"columns file: no column is mapped to '{required}' for {name}")
    return spec


def _columns(value: Any) -> list[str]:
    if isinstance(value, dict):
        value = value.get("column", value.get("columns"))
    return [value] if isinstance(value, str) else list(value or [])


def _value(row: dict[str, str], value: Any) -> str:
    return " ".join(row.get(col, "").strip() for col in _columns(value) if row.get(col, "").strip())


def _date(text: str, formats: list[str]) -> dt.date:
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise ValueError(text)


# The join threshold the linkage quality benchmark supports (benchmarks/linkage_quality.py).
DEFAULT_THRESHOLD = 0.8


class Command(BaseCommand):
    help = "Link or deduplicate CSV extracts with the linkage model, writing clusters to a CSV file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("files", nargs="+")
        parser.add_argument("--columns", required=True, help="TOML file mapping columns to fields")
        parser.add_argument("--out", required=True, help="Where to write the clusters CSV")
        parser.add_argument("--model", type=int, help="Linkage model version stored in Joined Up")
        parser.add_argument("--model-file", help="A Splink model JSON file instead")
        parser.add_argument(
            "--threshold",
            type=float,
            default=None,
            help="Match probability to join at (default: the stored model's upper threshold, else 0.8)",
        )

    def handle(self, *args: Any, files: list[str], columns: str, out: str, **options: Any) -> None:
        try:
            config = tomllib.loads(Path(columns).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise CommandError(f"{columns}: {exc}") from exc
        rows: list[dict[str, Any]] = []
        origin: dict[str, tuple[str, str]] = {}
        problems: list[str] = []
        for path in files:
            name = Path(path).name
            spec = _spec(config, name)
            dob_spec = spec.get("date_of_birth", "")
            formats = (
                dob_spec.get("formats", ["%Y-%m-%d", "%d/%m/%Y"])
                if isinstance(dob_spec, dict)
                else ["%Y-%m-%d", "%d/%m/%Y"]
            )
            try:
                handle = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115 - closed below
            except OSError as exc:
                raise CommandError(f"{path}: {exc.strerror}") from exc
            with handle:
                reader = csv.DictReader(handle)
                missing = [
                    c
                    for f in ("id", "given_name", "family_name")
                    for c in _columns(spec[f])
                    if c not in (reader.fieldnames or [])
                ]
                if missing:
                    raise CommandError(f"{path}: no column named {', '.join(missing)} (see {columns})")
                for number, raw in enumerate(reader, start=2):
                    record_id = _value(raw, spec["id"])
                    if not record_id:
                        problems.append(f"{name} row {number}: no id; row skipped")
                        continue
                    dob = None
                    if spec.get("date_of_birth") and (text := _value(raw, spec["date_of_birth"])):
                        try:
                            dob = _date(text, formats)
                        except ValueError:
                            problems.append(f"{name} row {number}: date_of_birth '{text}' not in {formats}; blanked")
                    nhs = ""
                    if spec.get("nhs_number") and (text := _value(raw, spec["nhs_number"])):
                        try:
                            nhs = normalise_nhs_number(text)
                        except ValidationError:
                            problems.append(f"{name} row {number}: nhs_number '{text}' is not valid; blanked")
                    postcode = ""
                    if spec.get("postcode") and (text := _value(raw, spec["postcode"])):
                        try:
                            postcode = normalise_postcode(text)
                        except ValidationError:
                            problems.append(f"{name} row {number}: postcode '{text}' is not a UK postcode; blanked")
                    uid = f"{len(origin)}"
                    origin[uid] = (name, record_id)
                    rows.append(
                        features(
                            unique_id=uid,
                            given_names=_value(raw, spec["given_name"]),
                            family_name=_value(raw, spec["family_name"]),
                            other_names=_value(raw, spec.get("other_names", "")),
                            date_of_birth=dob,
                            sex=SEX_VALUES.get(_value(raw, spec.get("sex", "")).lower(), ""),
                            postcode=postcode,
                            nhs_number=nhs,
                            # The first address column is the first line (house and street).
                            address=_value(raw, _columns(spec["address"])[:1]) if spec.get("address") else "",
                        )
                    )
        if not rows:
            raise CommandError("No rows to link.")
        model = self._model(options, rows)
        if options.get("threshold") is None:
            options["threshold"] = DEFAULT_THRESHOLD
        pairs = splink_model.predict(rows, model, threshold=min(options["threshold"], 0.5)) if len(rows) > 1 else []
        parent = {uid: uid for uid in origin}
        best: dict[str, float] = {}

        def find(x: str) -> str:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for pair in sorted(pairs, key=lambda p: -float(p["match_probability"])):
            a, b, p = str(pair["unique_id_l"]), str(pair["unique_id_r"]), float(pair["match_probability"])
            best[a], best[b] = max(best.get(a, 0.0), p), max(best.get(b, 0.0), p)
            if p >= options["threshold"] and not conflict_reason(pair):
                parent[find(a)] = find(b)
        clusters: dict[str, int] = {}
        with open(out, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["file", "id", "cluster_id", "best_match_probability"])
            for uid, (name, record_id) in origin.items():
                cluster = clusters.setdefault(find(uid), len(clusters) + 1)
                writer.writerow([name, record_id, cluster, f"{best.get(uid, 0.0):.4f}"])
        self.stdout.write(f"{len(origin):,} records from {len(files)} file(s) in {len(clusters):,} clusters: {out}")
        if problems:
            self.stdout.write(f"Validation summary: {len(problems)} problem(s), values blanked and rows kept:")
            for problem in problems[:200]:
                self.stdout.write(f"  {problem}")
            if len(problems) > 200:
                self.stdout.write(f"  ... and {len(problems) - 200} more")

    def _model(self, options: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
        if options.get("model_file"):
            try:
                return dict(json.loads(Path(options["model_file"]).read_text(encoding="utf-8")))
            except (OSError, ValueError) as exc:
                raise CommandError(f"{options['model_file']}: {exc}") from exc
        from joinedup.linkage.models import LinkageModel

        stored = (
            LinkageModel.objects.filter(version=options["model"]).first()
            if options.get("model")
            else LinkageModel.objects.filter(is_active=True).first()
        )
        if stored is not None:
            if options.get("threshold") is None:
                options["threshold"] = stored.upper_threshold
            return dict(stored.parameters)
        if options.get("model"):
            raise CommandError(f"No linkage model version {options['model']}.")
        if len(rows) < 200:
            raise CommandError("No model to use and too few rows to train one: pass --model or --model-file.")
        sys.stderr.write("No active model: training one on these files.\n")
        return splink_model.train(rows).model
