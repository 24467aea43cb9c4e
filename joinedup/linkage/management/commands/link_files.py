"""Link extracts from agency systems, without touching the database's records.

    manage.py link_files A.csv [B.csv ...] --columns columns.toml --out clusters.csv
        [--mode dedupe|link] [--problems problems.csv]
        [--model VERSION|UUID | --model-file model.json] [--save-model model.json]
        [--threshold P] [--seed N]

It needs no SECRET_KEY and no database (settings.py explains the key): it
trains a model on the files given unless --model names a model stored in
Joined Up (the one place it reads the database) or --model-file a file that
`linkage_train --out` or `--save-model` wrote. docs/link_files.md is the
manual: every field, the columns file's syntax, the output, examples.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter
from django.db import DatabaseError
from splink.internals.exceptions import SplinkException

from joinedup.linkage import model as splink_model
from joinedup.linkage.decisions import (
    NHS_DIFFERENT_ALL_ELSE_AGREES,
    Components,
    joins_last,
    keeps_apart,
    near_records,
    numbers_weighed,
    review_reason,
    rules_for,
    settled_by_rule,
    weak_link,
)
from joinedup.linkage.extracts import (
    FIELD_HELP,
    NOTES,
    POSTCODE_INVALID,
    ExtractError,
    Extracts,
    load_columns,
    problems_csv,
    read_extracts,
)
from joinedup.linkage.features import lasting_identifier, to_arrow
from joinedup.linkage.modelfile import ModelFileError, read_model_file, write_model_file

if TYPE_CHECKING:
    from joinedup.linkage.models import LinkageModel

# The join threshold the linkage quality benchmark supports (benchmarks/linkage_quality.py).
DEFAULT_THRESHOLD = 0.7
# Fewer records than this hold too few pairs of the same child for training to learn from.
MIN_TRAINING_ROWS = 200
OUTPUT_COLUMNS = ("file", "id", "cluster_id", "best_match_probability")
REVIEW_COLUMNS = ("file_1", "id_1", "file_2", "id_2", "match_probability", "why", "settled_by_rule")
EXAMPLES_PER_KIND = 3

EPILOG = "\n".join(
    [
        "fields (map each to a column, a list of columns, or { column = ..., option = ... }):",
        *(f"  {name:<15} {text}" for name, text in FIELD_HELP.items()),
        "",
        "columns file (TOML):",
        '  [defaults]                      every file; [files."police.csv"] overrides it for one file',
        '  id = "person_id"',
        '  given_name = ["forename", "middle"]',
        '  full_name = { column = "NAME", order = "family first" }   # or "given first"; auto reads a comma',
        '  date_of_birth = { column = "dob", formats = ["%d/%m/%Y", "%d.%m.%y"] }',
        '  postcode = { column = "postcode", country = "any" }       # addresses outside the UK',
        '  delimiter = "|"     encoding = "cp1252"',
        '  placeholders.given = ["Baby", "Twin 1"]     placeholders.dates = ["2000-01-01", "--01-01"]',
        "",
        "output (--out): file, id, cluster_id, best_match_probability; one row per record, in input order.",
        "docs/link_files.md has the whole manual, with examples for police, health, school and youth extracts.",
    ]
)


class _HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Django's option order, with the field list kept as written."""


class Command(BaseCommand):
    help = (
        "Link (--mode link) or deduplicate (--mode dedupe) CSV extracts, writing one cluster id per record.\n"
        "Trains on the files given unless --model or --model-file names a model; needs no database."
    )
    # It reads and writes files only: nothing the system checks cover (URLs, templates, the
    # database) is used, and a data officer's machine need not have them set up.
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        kwargs.setdefault("epilog", EPILOG)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("files", nargs="+", help="CSV extracts")
        parser.add_argument("--columns", required=True, help="TOML file mapping each file's columns to the fields")
        parser.add_argument("--out", required=True, help="where to write the clusters CSV")
        parser.add_argument(
            "--mode",
            choices=("dedupe", "link"),
            default="dedupe",
            help="dedupe: one pool, any two records may be the same child (default); "
            "link: each file is free of duplicates, so only records in different files are paired "
            "and a cluster holds at most one record from each file",
        )
        parser.add_argument("--problems", help="write every problem found to this CSV file")
        parser.add_argument(
            "--review",
            help="write the pairs left apart for a person to check to this CSV file, strongest first, with why "
            "(columns: " + ", ".join(REVIEW_COLUMNS) + ")",
        )
        models = parser.add_mutually_exclusive_group()
        models.add_argument("--model", help="a model stored in Joined Up, by version number or UUID")
        models.add_argument("--model-file", help="a model file written by linkage_train --out or --save-model")
        parser.add_argument("--save-model", help="write the model trained on these files to this file")
        parser.add_argument("--seed", type=int, default=1, help="training's random seed (default 1)")
        parser.add_argument(
            "--threshold",
            type=float,
            default=None,
            help=f"match probability to join at (default: a stored model's upper threshold, else {DEFAULT_THRESHOLD})",
        )

    def handle(self, *args: Any, files: list[str], columns: str, out: str, **options: Any) -> None:
        threshold = options.get("threshold")
        if threshold is not None and not 0 < threshold < 1:
            raise CommandError(f"--threshold must be a probability between 0 and 1, such as 0.7, not {threshold}")
        mode = options.get("mode") or "dedupe"
        if mode == "link" and len(files) < 2:
            raise CommandError("--mode link pairs records across files: give two or more files, or use --mode dedupe")
        if options.get("save_model") and (options.get("model") or options.get("model_file")):
            raise CommandError("--save-model writes a model trained on these files: leave out --model and --model-file")
        try:
            extracts = read_extracts(files, load_columns(columns))
        except ExtractError as exc:
            raise CommandError(str(exc)) from exc
        if options.get("problems"):
            _write(options["problems"], problems_csv(extracts.problems), "the problems")
        for note in extracts.notes:
            self.stdout.write(note)
        self._summarise(extracts, options.get("problems"))
        if not extracts.rows:
            raise CommandError("No rows to link.")
        # The rows as one Arrow table, made once for training and both scoring passes.
        table = to_arrow(extracts.rows)
        # The record and row dicts take several times the table's memory, and nothing reads them again.
        extracts.records, extracts.rows = [], []
        data = _by_file(table, extracts.origin) if mode == "link" else table
        model, stored_threshold = self._model(options, extracts, table, data)
        threshold = threshold or stored_threshold or DEFAULT_THRESHOLD
        clusters, best, joined_across, held = self._link(extracts, data, model, threshold, mode)
        if options.get("review"):
            _write(options["review"], _review_csv(held, extracts.origin), "the pairs to review")
        lines = io.StringIO()
        writer = csv.writer(lines)
        writer.writerow(OUTPUT_COLUMNS)
        for uid, (name, record_id) in extracts.origin.items():
            writer.writerow([name, record_id, clusters[uid], f"{best.get(uid, 0.0):.4f}"])
        _write(out, lines.getvalue(), "the clusters")
        sizes = Counter(clusters.values())
        by_rule = sum(1 for *_, why in held if settled_by_rule(why))
        held_note = f", {by_rule:,} of them by a rule (twins, two NHS numbers)" if by_rule else ""
        review_note = f", listed in {options['review']}" if options.get("review") else ""
        self.stdout.write(
            f"{len(extracts.origin):,} records from {len(files)} file(s) in {len(sizes):,} clusters "
            f"({sum(1 for s in sizes.values() if s > 1):,} of more than one record; {joined_across:,} joins "
            f"at {threshold:g} or above; {len(held):,} pairs of clusters left apart for a person to check{held_note}"
            f"{review_note}): {out}"
        )

    def _summarise(self, extracts: Extracts, problems_file: str | None) -> None:
        """Counts by kind on screen, with a few examples of each; every one is in --problems."""
        if not extracts.problems:
            return
        counts = extracts.counts()
        faults = sum(n for kind, n in counts.items() if kind not in NOTES)
        self.stdout.write(
            f"Problems: {faults:,} value(s) blanked or rows skipped, {len(extracts.problems) - faults:,} handled "
            f"as noted; {f'every one is in {problems_file}' if problems_file else 'pass --problems FILE to list every one'}:"  # noqa: E501
        )
        examples: dict[str, list[str]] = {}
        for problem in extracts.problems:
            shown = examples.setdefault(problem.kind, [])
            if len(shown) < EXAMPLES_PER_KIND:
                shown.append(str(problem))
        for kind, count in sorted(counts.items(), key=lambda kc: (kc[0] in NOTES, -kc[1], kc[0])):
            self.stdout.write(f"  {count:>8,}  {kind}")
            for example in examples[kind]:
                self.stdout.write(f"              e.g. {example}")
        if POSTCODE_INVALID in counts:
            self.stdout.write('  (addresses outside the UK? map the postcode as { column = "...", country = "any" })')

    def _model(
        self, options: dict[str, Any], extracts: Extracts, table: Any, data: Any
    ) -> tuple[dict[str, Any], float | None]:
        """The model to use, and a stored model's own threshold; says which on screen. `data` is
        what it trains on: the table, or in link mode the table's files (model.Files)."""
        if options.get("model_file"):
            try:
                parameters, summary, source = read_model_file(options["model_file"])
            except ModelFileError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"Model: the file {options['model_file']} ({_describe(source)})")
            self._training_summary(summary)
            return parameters, None
        if options.get("model"):
            stored = _stored_model(options["model"])
            self.stdout.write(
                f"Model: version {stored.version} stored in Joined Up ({stored.uuid}), "
                f"trained {stored.created_at:%Y-%m-%d}{', in use' if stored.is_active else ''}"
            )
            self._training_summary(dict(stored.training_summary or {}))
            return dict(stored.parameters), stored.upper_threshold
        if len(table) < MIN_TRAINING_ROWS:
            raise CommandError(
                f"Only {len(table)} records: training a model on the files needs {MIN_TRAINING_ROWS} or more. "
                "Pass --model-file (a model written by linkage_train --out) or --model (one stored in Joined Up)."
            )
        seed = options.get("seed", 1)
        self.stdout.write(f"Model: training one on these files ({len(table):,} records, seed {seed})...")
        started = time.monotonic()
        try:
            result = splink_model.train(data, seed=seed)
        except SplinkException as exc:
            raise CommandError(_training_failed(exc, extracts, table)) from exc
        except ValueError as exc:
            # Splink refuses an estimate EM drove out of range (an m probability below 1e-300),
            # which a few hundred records that are nearly all pairs of one child can do.
            raise CommandError(
                f"Training on these files could not estimate the model: {exc} Files with few records, or "
                "with little besides pairs of the same child, can do this: add more records, or pass "
                "--model-file (a model linkage_train --out wrote) or --model (one stored in Joined Up)."
            ) from exc
        trained = result.model  # model.train already drops the random id and rounds the estimates
        summary = dict(result.summary)
        skipped = summary.get("training_steps_skipped", [])
        self._training_summary(
            {**{k: v for k, v in summary.items() if k != "training_steps_skipped"},
             "seconds": round(time.monotonic() - started, 1)}
        )  # fmt: skip
        for step in skipped:
            self.stdout.write(f"  a training step was skipped: {_no_pairs_because(step, extracts, table)}")
        if options.get("save_model"):
            source = {"kind": "trained by link_files", "files": sorted(extracts.mapped), "seed": seed}
            try:
                write_model_file(options["save_model"], parameters=trained, summary=summary, source=source)
            except ModelFileError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"  saved to {options['save_model']}")
        return trained, None

    def _training_summary(self, summary: dict[str, Any]) -> None:
        if not summary:
            self.stdout.write("  (no training summary)")
            return
        for key, value in summary.items():
            shown = f"{value:.3g}" if isinstance(value, float) and key != "seconds" else str(value)
            self.stdout.write(f"  {key.replace('_', ' ')}: {shown}")

    def _link(
        self, extracts: Extracts, table: Any, model: dict[str, Any], threshold: float, mode: str
    ) -> tuple[dict[str, int], dict[str, float], int, list[tuple[str, str, float, str]]]:
        """Each record's cluster number (in input order), best score, joins made, and the pairs
        held apart for a person (the two records, the score and why)."""
        origin = extracts.origin
        found = (
            # Files to link (link mode) run on DuckDB whatever LINKAGE_ENGINE says; a pool on either.
            splink_model.predict_pairs(
                table, model, threshold=min(threshold, 0.5), engine="duckdb" if mode == "link" else None
            )
            if len(table) > 1
            else iter(())
        )
        # The model's own levels: a stored model (--model) may number them differently from today's.
        rules = rules_for(model)
        scored = []
        for pair in found:
            # Link mode runs as Splink's link_only (model.Files): no pair within one file comes back.
            left, right = str(pair["unique_id_l"]), str(pair["unique_id_r"])
            scored.append(
                (
                    float(pair["match_probability"]),
                    int(left),
                    int(right),
                    review_reason(pair, rules),
                    weak_link(pair, rules),
                    joins_last(pair, rules),
                    numbers_weighed(pair, rules),
                )
            )
        # Strongest first, ties in input order, so the same files always give the same clusters.
        # The run's rules: a conflict (twins, different NHS numbers) keeps two records apart,
        # and no later pair may chain them together through a third; names alone never join;
        # no cluster runs away through chains of weak links or past LINKAGE_MAX_CLUSTER; and a
        # shared number beside another forename joins last, if no other child is in the running.
        scored.sort(key=lambda s: (s[5], -s[0], s[1], s[2]))
        numbers = dict(zip(table.column("unique_id").to_pylist(), table.column("nhs_number").to_pylist(), strict=True))
        # Every pair scored here is in the running: at or above the review threshold, or a conflict.
        near = near_records(lambda: ((str(s[1]), str(s[2]), s[5], True) for s in scored))
        identifiers = zip(table.column("unique_id").to_pylist(), table.column("identifier").to_pylist(), strict=True)
        components = Components(
            {uid: uid for uid in origin},
            numbers={u: n for u, n in numbers.items() if n},
            identifiers={u: key for u, i in identifiers if (key := lasting_identifier(i))},
            near=near,
        )
        for _, a_id, b_id, reason, _, _, _ in scored:
            if keeps_apart(reason):
                components.keep_apart(str(a_id), str(b_id))
        best: dict[str, float] = {}
        joins = 0
        held: list[tuple[str, str, float, str]] = []
        for p, a_id, b_id, reason, weak, last, weighed in scored:
            a, b = str(a_id), str(b_id)
            best[a], best[b] = max(best.get(a, 0.0), p), max(best.get(b, 0.0), p)
            if p < threshold:
                if reason == NHS_DIFFERENT_ALL_ELSE_AGREES and components.component[a] != components.component[b]:
                    held.append((a, b, p, reason))  # however low it scores: a sibling's NHS number?
                continue
            if mode == "link" and _shares_a_file(components, a, b, origin):
                continue  # the stronger pair came first and holds that file's place
            why = reason or components.refusal(a, b, weak=weak, last=last, weighed=weighed)
            if why:
                if components.component[a] != components.component[b]:
                    held.append((a, b, p, why))
                if last:
                    components.keep_apart(a, b)
                continue
            joins += components.join(a, b, weak=weak)
        clusters: dict[str, int] = {}
        numbers = {uid: clusters.setdefault(components.component[uid], len(clusters) + 1) for uid in origin}
        return numbers, best, joins, _one_per_two_clusters(held, components)


def _by_file(table: Any, origin: dict[str, tuple[str, str]]) -> splink_model.Files:
    """The rows as one table per file, for link mode: read_extracts numbers the rows file by
    file, so each file's rows are one slice of the table (no copy)."""
    lengths = Counter(name for name, _ in origin.values())
    tables, start = [], 0
    for name in dict.fromkeys(name for name, _ in origin.values()):
        tables.append(table.slice(start, lengths[name]))
        start += lengths[name]
    return splink_model.Files(tuple(tables))


def _one_per_two_clusters(
    held: list[tuple[str, str, float, str]], components: Components
) -> list[tuple[str, str, float, str]]:
    """One question per two clusters: is this cluster the same child as that one? The strongest
    pair between them asks it (one a rule did not settle, where there is one); the others
    between the same two clusters would ask it again. A pair whose records ended in one
    cluster, joined through stronger pairs, asks nothing."""
    chosen: dict[tuple[Any, Any], tuple[str, str, float, str]] = {}
    for a, b, p, why in held:  # strongest first, as scored
        ca, cb = components.component[a], components.component[b]
        if ca == cb:
            continue
        key = (ca, cb) if str(ca) <= str(cb) else (cb, ca)
        kept = chosen.get(key)
        if kept is None or (settled_by_rule(kept[3]) and not settled_by_rule(why)):
            chosen[key] = (a, b, p, why)
    return sorted(chosen.values(), key=lambda h: (-h[2], int(h[0]), int(h[1])))


def _review_csv(held: list[tuple[str, str, float, str]], origin: dict[str, tuple[str, str]]) -> str:
    lines = io.StringIO()
    writer = csv.writer(lines)
    writer.writerow(REVIEW_COLUMNS)
    for a, b, p, why in held:
        writer.writerow([*origin[a], *origin[b], f"{p:.4f}", why, "yes" if settled_by_rule(why) else "no"])
    return lines.getvalue()


def _shares_a_file(components: Components, a: str, b: str, origin: dict[str, tuple[str, str]]) -> bool:
    """Whether a's and b's clusters already hold a record from the same file (link mode: each
    file is free of duplicates, so one child has at most one record in each; the stronger pair
    came first and holds the place)."""
    ca, cb = components.component[a], components.component[b]
    if ca == cb:
        return False
    return not {origin[m][0] for m in components.members[ca]}.isdisjoint(origin[m][0] for m in components.members[cb])


def _write(path: str, text: str, what: str) -> None:
    """Written whole or not at all: beside the target, then moved into place."""
    target = Path(path)
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.write_text(text, encoding="utf-8", newline="")
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise CommandError(f"{path}: cannot write {what}: {exc.strerror}") from exc


def _describe(source: dict[str, Any]) -> str:
    if source.get("version"):
        return f"Joined Up model version {source['version']} ({source.get('uuid', '')}), {source.get('kind', '')}"
    return str(source.get("kind") or "a model file")


def _stored_model(key: str) -> LinkageModel:
    """The stored model named by version number or UUID; the one place link_files reads the database
    (imported here: without --model, settings.py loads no app's models)."""
    from joinedup.linkage.models import LinkageModel

    if key.isdigit():
        query = LinkageModel.objects.filter(version=int(key))
    else:
        try:
            query = LinkageModel.objects.filter(uuid=uuid.UUID(key))
        except ValueError:
            raise CommandError(f"--model takes a stored model's version number or UUID, not {key!r}") from None
    try:
        stored = query.first()
    except DatabaseError as exc:
        raise CommandError(
            f"--model {key}: Joined Up's database has no stored models to read ({exc}). Run manage.py migrate and "
            "linkage_train there, or leave out --model to train on these files, or pass --model-file."
        ) from exc
    if stored is None:
        raise CommandError(f"No linkage model {key} is stored in Joined Up (manage.py linkage_train makes one).")
    return stored


# The model's columns (in a training rule) to the fields they are made from.
_COLUMN_FIELDS = {"dob": "date_of_birth", "postcode": "postcode", "family": "family_name", "given": "given_name",
                  "nhs": "nhs_number", "address": "address", "sex": "sex", "other": "other_names",
                  "identifier": "identifier"}  # fmt: skip


def _field_of(column: str) -> str | None:
    return next((f for prefix, f in _COLUMN_FIELDS.items() if column.startswith(prefix)), None)


def _training_failed(exc: Exception, extracts: Extracts, table: Any) -> str:
    """Why training found nothing to learn from, naming the fields and what to do."""
    steps = exc.steps if isinstance(exc, splink_model.NoTrainingPairs) else [str(exc)]
    if not any(_fields_in(step) for step in steps):
        return f"Cannot train a model on these files: {exc}. Pass --model-file or --model to use a trained model."
    return (
        f"Cannot train a model on these files: {' '.join(_no_pairs_because(step, extracts, table) for step in steps)} "
        "Or pass --model-file (a model linkage_train --out wrote) or --model (one stored in Joined Up)."
    )


def _fields_in(rule: str) -> list[tuple[str, list[str]]]:
    """The fields a training rule's SQL compares, each with its columns."""
    columns = list(dict.fromkeys(re.findall(r'\bl\."?([a-z_]+)"?', rule)))
    fields = list(dict.fromkeys(f for c in columns if (f := _field_of(c))))
    return [(name, [c for c in columns if _field_of(c) == name]) for name in fields]


def _no_pairs_because(step: str, extracts: Extracts, table: Any) -> str:
    """A skipped step (its rules, alternatives joined by " or ") in words, with why for each field."""
    alternatives = [_fields_in(rule) for rule in step.split(" or ")]
    compared = ", or ".join(" and ".join(name for name, _ in fields) for fields in alternatives if fields)
    reasons = dict.fromkeys(
        _why_no_pairs(name, columns, extracts, table) for fields in alternatives for name, columns in fields
    )
    return f"training compares records with the same {compared}, and found no such pairs. {' '.join(reasons)}"


def _why_no_pairs(name: str, columns: list[str], extracts: Extracts, table: Any) -> str:
    known = [c for c in columns if c in table.column_names]
    rows = table.select(known).to_pylist() if len(known) == len(columns) else []
    filled = sum(1 for row in rows if all(value is not None for value in row.values())) if columns else len(table)
    mapped = [
        f
        for f, fields in extracts.mapped.items()
        if name in fields
        or (name.endswith("_name") and "full_name" in fields)
        or (name == "identifier" and "upn" in fields)
    ]
    if not mapped:
        return f"{name} is not mapped for any file: map its column in the columns file."
    if filled:
        return f"{filled:,} records have a {name}, but no two share one."
    rejected = Counter(p.kind for p in extracts.problems if p.field == name and p.kind not in NOTES)
    if not rejected:
        return f"{name} is empty in every row of {', '.join(mapped)}."
    why = "; ".join(f"{n:,} {kind}" for kind, n in rejected.most_common())
    fix = (
        ' If the addresses are outside the UK, map it as { column = "...", country = "any" }.'
        if name == "postcode"
        else ""
    )
    return f"Every {name} was rejected ({why}).{fix}"
