"""Link extracts from agency systems, without touching the database's records.

    manage.py link_files A.csv [B.csv ...] --columns columns.toml --out clusters.csv
        [--model VERSION | --model-file model.json] [--threshold P]

columns.toml maps each file's columns to the standard fields. A [defaults]
table applies to every file; a [files."name.csv"] table overrides it for one
file. A field may take several source columns (joined with spaces; address
lines with commas) and dates may list their formats:

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

    [files."police.csv"]
    id = "pnc_ref"
    full_name = "name"          # "SMITH, John" or "John Smith", instead of given and family
    delimiter = "|"             # otherwise found from the header: , tab ; or |
    encoding = "cp1252"         # otherwise UTF-8 (or UTF-16 with its mark), falling back to Windows-1252

Headers match whatever their case and surrounding spaces. Without formats,
dates are read in the common unambiguous forms (ISO, day first with / - or .,
"27 Mar 2011", 20110327), with any time after them ignored.

One file is deduplicated; several are linked (and deduplicated) together.
Bad values (unparseable or impossible dates, invalid NHS numbers, bad
postcodes, unknown sex codes) are blanked, kept, and listed in a validation
summary with their row numbers. The output is written only when the whole
run succeeds: file, id, cluster_id, best_match_probability.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from joinedup.linkage import model as splink_model
from joinedup.linkage.decisions import Components, keeps_apart, review_reason
from joinedup.linkage.extracts import ExtractError, load_columns, read_extracts

# The join threshold the linkage quality benchmark supports (benchmarks/linkage_quality.py).
DEFAULT_THRESHOLD = 0.7


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
            help="Match probability to join at (default: the stored model's upper threshold, else 0.7)",
        )

    def handle(self, *args: Any, files: list[str], columns: str, out: str, **options: Any) -> None:
        threshold = options.get("threshold")
        if threshold is not None and not 0 < threshold < 1:
            raise CommandError(f"--threshold must be a probability between 0 and 1, such as 0.7, not {threshold}")
        try:
            extracts = read_extracts(files, load_columns(columns))
        except ExtractError as exc:
            raise CommandError(str(exc)) from exc
        rows, origin, problems = extracts.rows, extracts.origin, extracts.problems
        if not rows:
            raise CommandError("No rows to link.")
        model = self._model(options, rows)
        if options.get("threshold") is None:
            options["threshold"] = DEFAULT_THRESHOLD
        pairs = splink_model.predict(rows, model, threshold=min(options["threshold"], 0.5)) if len(rows) > 1 else []
        # Strongest first, as a linkage run joins, with the run's rules: a conflict (twins,
        # different NHS numbers) keeps two records apart, and no later pair may chain them
        # together through a third; names alone never join.
        pairs.sort(key=lambda p: -float(p["match_probability"]))
        scored = [
            (str(p["unique_id_l"]), str(p["unique_id_r"]), float(p["match_probability"]), review_reason(p))
            for p in pairs
        ]
        components = Components({uid: uid for uid in origin})
        for a, b, _, reason in scored:
            if keeps_apart(reason):
                components.keep_apart(a, b)
        best: dict[str, float] = {}
        for a, b, p, reason in scored:
            best[a], best[b] = max(best.get(a, 0.0), p), max(best.get(b, 0.0), p)
            if p >= options["threshold"] and not reason and not components.would_join_apart(a, b):
                components.join(a, b)
        clusters: dict[str, int] = {}
        lines = io.StringIO()
        writer = csv.writer(lines)
        writer.writerow(["file", "id", "cluster_id", "best_match_probability"])
        for uid, (name, record_id) in origin.items():
            cluster = clusters.setdefault(components.component[uid], len(clusters) + 1)
            writer.writerow([name, record_id, cluster, f"{best.get(uid, 0.0):.4f}"])
        # Written whole or not at all: beside the target, then moved into place.
        target = Path(out)
        partial = target.with_name(f".{target.name}.partial")
        try:
            partial.write_text(lines.getvalue(), encoding="utf-8", newline="")
            partial.replace(target)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise CommandError(f"{out}: cannot write the clusters: {exc.strerror}") from exc
        for note in extracts.notes:
            self.stdout.write(note)
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
