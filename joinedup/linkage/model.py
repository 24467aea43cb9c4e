"""The probabilistic linkage model: Splink 5 on DuckDB, with comparisons for UK child records.

The comparisons are described once, in comparisons.py; in short:

- given name: exact (term-frequency adjusted), nickname or diminutive
  (core/data/nicknames.txt) or a name the other record gives as "known as",
  close spellings (Jaro-Winkler, Damerau-
  Levenshtein), sounds alike (Metaphone), an initial against a full name, a
  mistyped nickname or its initial;
- family name: exact (term-frequency adjusted), one part of a hyphenated or
  double-barrelled name, a previous surname recorded as another name, close
  spellings, given and family names swapped, the family name given as the
  other record's forename;
- date of birth: exact, day and month swapped, one character off, year
  out by one, same year and month;
- sex; address and postcode: the same address (first line and postcode),
  postcode, sector, district;
- NHS number: exact, one transposition; two different valid numbers count
  strongly against;
- another identifier two systems share (the UPN, a council's person id): exact,
  one character off, different (weaker against than the NHS number).

Twins and siblings share a family name, address and (twins) a date of birth:
their given names differ and are not variants of each other, which the given
name comparison's "else" level weighs strongly against.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from splink import Linker, SettingsCreator, block_on
from splink.backends.duckdb import DuckDBAPI
from splink.internals.exceptions import SplinkException

from joinedup.linkage.comparisons import BY_NAME, COMPARISONS, PRIOR_LABEL, label_of
from joinedup.linkage.features import to_arrow

logger = logging.getLogger(__name__)

LinkType = Literal["dedupe_only", "link_only"]


def comparisons() -> list[Any]:
    """Splink's comparisons, built from the one description in comparisons.py."""
    return [comparison.splink() for comparison in COMPARISONS]


def comparison_label(comparison: dict[str, Any]) -> str:
    name = comparison["output_column_name"]
    return label_of(name) if name in BY_NAME else str(comparison.get("comparison_description") or name)


# Each rule is an equi-join, so each must stay small at a million records: a
# date of birth alone pairs ~150 children a day with each other (74 million
# pairs), so the broad rules are narrowed by an initial, and the commonest
# name pairs by birth year or postcode sector. benchmarks/linkage_quality.py
# prints the recall these keep; intake.blocking_sql looks up the same keys.
BLOCKING_RULES: list[Any] = [
    block_on("nhs_number"),
    block_on("identifier"),
    block_on("dob", "given_initial"),
    block_on("dob", "family_initial"),
    "l.dob = r.dob AND l.given_initial = r.family_initial",  # names swapped
    block_on("family", "dob_year", "given_initial"),
    block_on("given_group", "family", "dob_year"),
    block_on("given_group", "family", "postcode_sector"),
    block_on("given", "family", "dob_year"),
    block_on("given", "family", "postcode_sector"),
    block_on("given", "family", "dob_month"),  # the year out by one
    # No date of birth on one side: the names alone (a filter on the name join).
    "l.given = r.given AND l.family = r.family AND (l.dob IS NULL OR r.dob IS NULL)",
    block_on("postcode", "given_initial"),
    # The same first line of an address (house and street): a surname mistyped or changed on
    # a record with no postcode or date of birth to block on (a household, at most, a key).
    block_on("address", "given_initial"),
    block_on("family", "postcode_district", "given_initial"),
    block_on("given", "dob_ym"),
    "l.given = r.family AND l.family = r.given",
]


def settings(link_type: LinkType = "dedupe_only") -> SettingsCreator:
    return SettingsCreator(
        link_type=link_type,
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=BLOCKING_RULES,
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
    )


@dataclass(frozen=True)
class Files:
    """Arrow tables of feature rows to link to each other and never within one: Splink's
    link_only, for files each free of duplicates (link_files --mode link). Splink then
    forms, trains on and scores only pairs across files, which a pool of all the records
    would form too and then throw away."""

    tables: tuple[Any, ...]

    @property
    def num_rows(self) -> int:
        return sum(int(t.num_rows) for t in self.tables)

    def __len__(self) -> int:
        return self.num_rows

    def column(self, name: str) -> Any:
        import pyarrow as pa

        return pa.chunked_array(
            [chunk for t in self.tables for chunk in t.column(name).chunks], type=self.tables[0].schema.field(name).type
        )


# Feature dicts, an Arrow table of them (features.records_to_table), or Files to link.
Rows = list[dict[str, Any]] | Files | Any


def duckdb_connection() -> Any:
    """An in-process DuckDB capped at LINKAGE_DUCKDB_MEMORY (default 2GB): beyond it DuckDB
    spills to disk instead of taking the server's memory."""
    import tempfile

    import duckdb
    from django.conf import settings as django_settings

    return duckdb.connect(
        config={
            "memory_limit": getattr(django_settings, "LINKAGE_DUCKDB_MEMORY", "2GB"),
            "temp_directory": tempfile.gettempdir(),
        }
    )


def link_type_of(rows: Rows) -> LinkType:
    """Splink's link type for these rows: the rows decide it, not the model, so one model
    scores a pool of records (dedupe_only) or files to link (link_only) alike."""
    return "link_only" if isinstance(rows, Files) else "dedupe_only"


def linker_for(rows: Rows, model: dict[str, Any] | SettingsCreator, *, connection: Any = None) -> Linker:
    """A Linker over these rows (registered with DuckDB first, as Splink 5 requires)."""
    db_api = DuckDBAPI(connection=connection or duckdb_connection())
    if isinstance(rows, Files):
        frames: Any = [db_api.register(t, dataset_display_name=f"file_{i}") for i, t in enumerate(rows.tables)]
    else:
        frames = db_api.register(to_arrow(rows) if isinstance(rows, list) else rows, dataset_display_name="records")
    if isinstance(model, dict):
        model = {**model, "link_type": link_type_of(rows)}
    # Splink's settings validation only logs warnings (hidden at ERROR) after parsing every
    # level's SQL with sqlglot: a quarter of a second a linker, for the same fixed comparisons.
    return Linker(frames, model, log_level=logging.ERROR, validate_settings=False)


# Levels that random pairs almost never reach, so u cannot be estimated from
# them: pin them so a saved model reloads with identical scores.
PINNED_U = {
    ("nhs_number", "Exact"): 1e-7,
    ("nhs_number", "One transposition"): 1e-6,
    ("identifier", "Exact"): 1e-7,
    ("identifier", "One character off"): 1e-6,
}


M_FLOOR, U_FLOOR = 1e-4, 1e-7
# m and u of a "Different" level training never saw: a weight of log2(0.05 / 0.99), about -4.3.
UNOBSERVED_DIFFERENT = (0.05, 0.99)


def _pin_unobserved(model: dict[str, Any]) -> dict[str, Any]:
    """Give every level an m and u: pinned values where random pairs never reach it,
    and a small m where EM never saw it (rare error patterns such as swapped day and month)."""
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            key = (comparison["output_column_name"], level.get("label_for_charts"))
            if level.get("sql_condition") == "ELSE":
                # "Different", where training never saw the comparison (no record held the
                # field): most random pairs differ, and true pairs sometimes do. Without this a
                # field the training records lacked would count for a pair that disagrees on it.
                if not level.get("u_probability"):
                    level["u_probability"] = UNOBSERVED_DIFFERENT[1]
                if not level.get("m_probability"):
                    level["m_probability"] = UNOBSERVED_DIFFERENT[0]
            if key in PINNED_U and not level.get("u_probability"):
                level["u_probability"] = PINNED_U[key]
            if not level.get("u_probability"):
                level["u_probability"] = 1e-5
            if not level.get("m_probability"):
                level["m_probability"] = 0.95 if key in PINNED_U and key[1] == "Exact" else 0.01
            # EM drives m towards zero for a level its training data never showed for true
            # matches (synthetic errors come in fixed patterns): a weight of -100 would then
            # outvote every other comparison. A floor keeps any one level's evidence bounded.
            level["m_probability"] = max(level["m_probability"], M_FLOOR)
            level["u_probability"] = max(level["u_probability"], U_FLOOR)
        _near_miss_below_exact(comparison)
    return model


def _near_miss_below_exact(comparison: dict[str, Any]) -> None:
    """A number one keystroke off is never stronger evidence than the same number: where
    training never saw the near miss (its m is a guess and its u pinned), it gets at most a
    quarter of the exact level's Bayes factor (two bits less)."""
    if comparison["output_column_name"] not in {"nhs_number", "identifier"}:
        return
    levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
    exact = next((lv for lv in levels if lv.get("label_for_charts") == "Exact"), None)
    if exact is None:
        return
    ceiling = exact["m_probability"] / exact["u_probability"] / 4
    for level in levels:
        if level is exact or level.get("sql_condition") == "ELSE":
            continue
        if level["m_probability"] / level["u_probability"] > ceiling:
            level["m_probability"] = max(ceiling * level["u_probability"], M_FLOOR)


def _stable(model: dict[str, Any]) -> dict[str, Any]:
    """The trained model without what differs from run to run on the same rows: Splink's
    random linker id, and the last bits of EM's floating-point sums."""
    model.pop("linker_uid", None)
    # The rows a model runs on set its link type (linker_for): a model trained on files to
    # link is the same model for a pool, and is stored as one.
    model["link_type"] = "dedupe_only"

    def rounded(value: Any) -> Any:
        return float(f"{value:.10g}") if isinstance(value, float) else value

    model["probability_two_random_records_match"] = rounded(model["probability_two_random_records_match"])
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            for key in ("m_probability", "u_probability"):
                if key in level:
                    level[key] = rounded(level[key])
    return model


@dataclass
class TrainingResult:
    model: dict[str, Any]
    summary: dict[str, Any]


# Expectation maximisation, a step blocked on each in turn; a step estimates the comparisons
# that read none of its columns. The given name's twins level reads the family name and date
# of birth, and the date's levels its parts, so only the last step estimates those two: where
# no two records share a postcode (files without one, or from abroad under a UK map) a shared
# identifier or an NHS number serves instead, and last the address. The address comes last as
# a household shares it, family name and all: blocked on it alone, EM can take the household
# for the person and learn that a different date of birth is what the same child looks like.
EM_STEPS: tuple[tuple[tuple[str, ...], ...], ...] = (
    (("dob",),),
    (("family", "dob_year"),),
    (("postcode",), ("identifier",), ("nhs_number",), ("address",)),
)


class NoTrainingPairs(SplinkException):
    """No two records share the fields a training step blocks on: each skipped step's rules."""

    def __init__(self, steps: list[str]) -> None:
        self.steps = steps
        super().__init__("; ".join(f"Training rule {step} resulted in no record pairs" for step in steps))


def train(rows: Rows, *, seed: int = 1) -> TrainingResult:
    """Estimate the model by Splink's unsupervised methods on these rows.

    Same rows, same model, byte for byte: Splink 5 samples the records for the u estimate
    by a hash of each record's id and the seed (not DuckDB's sampler, which repeats only
    on one thread), and counts levels in whole numbers, so the u estimate is the same on
    any number of threads; the EM steps' sums may differ in their last bits from run to
    run with the thread schedule, so the estimates are rounded to ten significant
    figures, far below anything that moves a decision.
    """
    connection = duckdb_connection()
    linker = linker_for(rows, settings(link_type_of(rows)), connection=connection)
    # The prior from the pairs that are surely one person: the same NHS number, UPN, or name
    # and date of birth (names alone where no record has a date of birth, as on a W-2).
    sure_names = block_on("given", "family", "dob") if _any_value(rows, "dob") else block_on("given", "family")
    linker.training.estimate_probability_two_random_records_match(
        [block_on("nhs_number"), block_on("identifier"), sure_names], recall=0.8
    )
    # Splink's u query reads its comparison vectors twice (counts by level, and the total):
    # DuckDB inlines them, and so keeps the wide table of pairs behind them (every column
    # one comparison reads, for 200,000 pairs a chunk) where the narrow vectors would do.
    # Not inlining them keeps a quarter of link_files' peak memory off, for the same counts.
    connection.execute("SET disabled_optimizers = 'cte_inlining'")
    linker.training.estimate_u_using_random_sampling(max_pairs=2_000_000, seed=seed)
    connection.execute("SET disabled_optimizers = ''")
    skipped: list[str] = []
    for alternatives in EM_STEPS:
        failed: list[str] = []
        for rule in alternatives:
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    block_on(*rule), estimate_without_term_frequencies=True
                )
            except SplinkException as exc:
                # No two records share these fields (files without postcodes, or without
                # dates of birth): nothing to learn from here, so the next alternative.
                if "resulted in no record pairs" not in str(exc):
                    raise
                failed.append(str(exc).split(" resulted in")[0].removeprefix("Training rule "))
                continue
            break
        else:
            skipped.append(" or ".join(failed))
            if alternatives is EM_STEPS[-1]:
                # The one step that estimates the given name and date of birth (the others
                # block on a column those comparisons read): without it the model is guesswork.
                raise NoTrainingPairs(skipped)
    model = _stable(_pin_unobserved(linker.misc.save_model_to_json()))
    summary: dict[str, Any] = {
        "records": len(rows) if isinstance(rows, list) else rows.num_rows,
        "probability_two_random_records_match": model.get("probability_two_random_records_match"),
    }
    if skipped:
        summary["training_steps_skipped"] = skipped
    return TrainingResult(model=model, summary=summary)


ENGINES = ("duckdb", "spark")


def default_engine() -> str:
    from django.conf import settings as django_settings

    return str(getattr(django_settings, "LINKAGE_ENGINE", "duckdb"))


def spark_linker_for(rows: Rows, model: dict[str, Any]) -> Linker:
    """The same model over the same rows, run by Splink's Spark backend."""
    from splink.backends.spark import SparkAPI

    from joinedup.linkage.spark import for_spark, spark_frame, spark_session

    if isinstance(rows, Files):
        raise ValueError("Files to link (link_only) run on DuckDB: pass engine='duckdb'.")
    db_api = SparkAPI(spark_session=spark_session())
    # The session outlives one run: each run registers its records under a name of its own.
    listed = rows if isinstance(rows, list) else rows.to_pylist()
    frame = db_api.register(spark_frame(listed), dataset_display_name=f"records_{uuid.uuid4().hex[:12]}")
    return Linker(frame, for_spark(model), log_level=logging.ERROR)


def predict(
    rows: Rows, model: dict[str, Any], *, threshold: float = 0.5, engine: str | None = None
) -> list[dict[str, Any]]:
    """Scored pairs at or above `threshold`, with each comparison's contribution (for waterfalls).

    `engine` is "duckdb" (the default, in-process) or "spark" (LINKAGE_ENGINE=spark).
    """
    frame, _ = _predict_frame(rows, model, threshold, engine)
    records: list[dict[str, Any]] = frame.as_record_list()
    return records


def _predict_frame(rows: Rows, model: dict[str, Any], threshold: float, engine: str | None) -> tuple[Any, str]:
    """Splink's predictions on the chosen engine, and the engine."""
    engine = engine or default_engine()
    if engine not in ENGINES:
        raise ValueError(f"LINKAGE_ENGINE must be one of {', '.join(ENGINES)}, not {engine!r}.")
    model = json.loads(json.dumps(model))
    linker = spark_linker_for(rows, model) if engine == "spark" else linker_for(rows, model)
    return linker.inference.predict(threshold_match_probability=threshold), engine


def decision_columns(model: dict[str, Any]) -> list[str]:
    """The prediction columns decisions and waterfalls need (not the dozens Splink retains)."""
    columns = ["unique_id_l", "unique_id_r", "match_probability", "match_weight", "nhs_number_l", "nhs_number_r"]
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        columns += [f"gamma_{name}", f"mw_{name}"]
        if any(level.get("tf_adjustment_column") for level in comparison["comparison_levels"]):
            columns.append(f"mw_tf_adj_{name}")
    return columns


def predict_pairs(
    rows: Rows, model: dict[str, Any], *, threshold: float, engine: str | None = None
) -> Iterator[dict[str, Any]]:
    """Scored pairs at or above `threshold`, only the columns decisions need, streamed in
    batches so memory stays flat however many pairs there are (see benchmarks/linkage_scale.py)."""
    frame, engine = _predict_frame(rows, model, threshold, engine)
    columns = decision_columns(model)
    if engine == "spark":
        for record in frame.as_spark_dataframe().select(*columns).toLocalIterator():
            yield record.asDict()
        # The exact block is small at any scale, so DuckDB runs it for either engine.
        yield from nhs_disagreements(rows, model, below=threshold)
        return
    quoted = ", ".join(f'"{c}"' for c in columns)
    # Column names come from the model's comparisons, the table name from Splink: no user input.
    sql = f"select {quoted} from {frame.physical_name}"  # noqa: S608
    relation = frame.db_api._execute_sql_against_backend(sql)
    for batch in relation.to_arrow_reader(50_000):
        yield from batch.to_pylist()
    yield from nhs_disagreements(rows, model, below=threshold)


def nhs_disagreements(rows: Rows, model: dict[str, Any], *, below: float) -> Iterator[dict[str, Any]]:
    """Pairs scoring under `below` only because their NHS numbers differ, though the names
    and date of birth agree exactly: a sibling's NHS number on the wrong record is a known
    error, so these go to a person rather than silently apart (decisions.conflict_reason).

    One more pass of Splink over an exact block on name and date of birth: small, and the
    same model's scores.
    """
    from joinedup.linkage.decisions import rules_for

    nhs = sorted(rules_for(model).nhs_different)
    if not nhs or not any(c["output_column_name"] == "nhs_number" for c in model["comparisons"]):
        return
    if not _any_value(rows, "nhs_number"):
        return  # no two records can hold different NHS numbers: the pass would find nothing
    narrowed = json.loads(json.dumps(model))
    narrowed["blocking_rules_to_generate_predictions"] = [
        {"blocking_rule": 'l."given" = r."given" AND l."family" = r."family" AND l."dob" = r."dob"'}
    ]
    frame = linker_for(rows, narrowed).inference.predict(threshold_match_probability=0.0)
    columns = ", ".join(f'"{c}"' for c in decision_columns(model))
    # Columns from the model, numbers from its levels: no user input.
    sql = (
        f"select {columns} from {frame.physical_name} "  # noqa: S608
        f"where match_probability < {float(below)!r} and gamma_nhs_number = {int(nhs[0])} "
        "and nhs_number_l is not null and nhs_number_r is not null and nhs_number_l <> nhs_number_r"
    )
    relation = frame.db_api._execute_sql_against_backend(sql)
    for batch in relation.to_arrow_reader(50_000):
        yield from batch.to_pylist()


def _any_value(rows: Rows, name: str) -> bool:
    if isinstance(rows, list):
        return any(row.get(name) for row in rows)
    column = rows.column(name)
    return bool(column.null_count < len(column))


def match_weights_chart_spec(model: dict[str, Any]) -> dict[str, Any]:
    """Splink's own match-weights chart (a Vega-Lite spec with its data) for a saved model,
    in the words the rest of the app uses.

    Splink names each comparison by its output column (`given`, `dob`) and offers each level's
    SQL in the tooltip: people read the comparison's label (comparison_label, as the figures'
    table and each pair's waterfall do) and never the SQL.
    """
    from joinedup.linkage.features import features

    placeholder = [features(unique_id="0", given_names="", family_name="")]
    linker = linker_for(placeholder, json.loads(json.dumps(model)))
    chart = linker.visualisations.match_weights_chart()
    spec: dict[str, Any] = json.loads(json.dumps(chart.chart_dict, default=str))
    prior = "probability_two_random_records_match"  # Splink's name for the prior's row
    labels = {c["output_column_name"]: comparison_label(c) for c in model.get("comparisons", [])}
    labels[prior] = PRIOR_LABEL
    for row in spec.get("data", {}).get("values", []):
        row["comparison_name"] = labels.get(row.get("comparison_name"), row.get("comparison_name"))
    for layer in spec.get("vconcat", []):
        # Each layer picks the prior's row in or out by its name: by its label now.
        for step in layer.get("transform", []):
            if isinstance(step.get("filter"), str):
                step["filter"] = step["filter"].replace(f"'{prior}'", f"'{PRIOR_LABEL}'")
        tooltip = layer.get("encoding", {}).get("tooltip")
        if isinstance(tooltip, list):
            layer["encoding"]["tooltip"] = [
                {**t, "title": "Comparison"} if t.get("field") == "comparison_name" else t
                for t in tooltip
                if t.get("field") != "sql_condition"
            ]
    return spec
