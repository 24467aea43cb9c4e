"""Running the same linkage model through Splink's Spark backend (LINKAGE_ENGINE=spark).

Models are trained and stored in DuckDB's SQL dialect; `for_spark` rewrites
the few DuckDB functions the comparisons use into their Spark equivalents
(Splink's own Scala UDFs for Jaro-Winkler and Damerau-Levenshtein, Spark's
array functions) and quotes identifiers the Spark way. Nothing else changes:
the same m and u probabilities, prior and thresholds.

pyspark is an optional extra (`pip install -e '.[spark]'`) and needs Java 17.
By default a local Spark session is started; set SPARK_MASTER (for example
spark://host:7077) to use a cluster. See docs/deployment.md.
"""

from __future__ import annotations

import copy
import logging
import os
import re
import sys
import tempfile
from functools import cache
from typing import Any

logger = logging.getLogger(__name__)

# DuckDB function -> Spark function, for the functions model.comparisons() uses.
FUNCTIONS = {
    "jaro_winkler_similarity": "jaro_winkler",
    "damerau_levenshtein": "damerau_levenshtein",
    "list_has_any": "arrays_overlap",
    "list_contains": "array_contains",
    "length": "length",
    "list_transform": "transform",
    "list_max": "array_max",
    "list_min": "array_min",
    "left": "left",
    "right": "right",
    "least": "least",
    "greatest": "greatest",
    "abs": "abs",
}
_FUNCTION = re.compile(r"\b([a-z_]+)\s*\(")
_QUOTED = re.compile(r'"([A-Za-z_][A-Za-z0-9_]*)"')
_LAMBDA = re.compile(r"\blambda\s+([a-z_]+)\s*:")  # DuckDB's lambda x: ...  ->  Spark's x -> ...


class EngineError(RuntimeError):
    """Spark cannot be used: what to install or set."""


def sql_for_spark(sql: str) -> str:
    """One SQL condition from the model, rewritten for Spark; refuses functions it does not know."""

    def function(match: re.Match[str]) -> str:
        name = match.group(1).lower()
        if name in {"and", "or", "not", "in"}:
            return match.group(0)
        if name not in FUNCTIONS:
            raise EngineError(f"The model uses {name}(), which has no Spark equivalent here: add it to FUNCTIONS.")
        return f"{FUNCTIONS[name]}("

    return _LAMBDA.sub(r"\1 ->", _QUOTED.sub(r"`\1`", _FUNCTION.sub(function, sql)))


def for_spark(model: dict[str, Any]) -> dict[str, Any]:
    """A copy of a saved Splink model whose SQL runs on Spark."""
    out = copy.deepcopy(model)
    out["sql_dialect"] = "spark"
    for rule in out.get("blocking_rules_to_generate_predictions", []):
        if isinstance(rule, dict):
            rule["blocking_rule"] = sql_for_spark(rule["blocking_rule"])
            rule["sql_dialect"] = "spark"
    for comparison in out["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level["sql_condition"].strip().upper() != "ELSE":
                level["sql_condition"] = sql_for_spark(level["sql_condition"])
    return out


@cache
def spark_session() -> Any:
    """One Spark session per process, with Splink's similarity UDF jar on its classpath."""
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ModuleNotFoundError as exc:
        raise EngineError("LINKAGE_ENGINE=spark needs pyspark: pip install -e '.[spark]' (and Java 17).") from exc
    # py4j logs at interpreter exit, after test runners have closed their streams.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    # Spark's Python workers must run the interpreter the server runs.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    master = os.environ.get("SPARK_MASTER", "local[*]")
    builder = (
        SparkSession.builder.appName("joinedup-linkage")
        .master(master)
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", os.environ.get("SPARK_SHUFFLE_PARTITIONS", "8"))
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "2g"))
    )
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # Java missing or the master unreachable: say so plainly.
        raise EngineError(f"Spark could not start ({master}): {exc}. Is Java 17 installed?") from exc
    session.sparkContext.setLogLevel("ERROR")
    checkpoints = os.environ.get("SPARK_CHECKPOINT_DIR") or tempfile.mkdtemp(prefix="joinedup-spark-")
    session.sparkContext.setCheckpointDir(checkpoints)
    return session


def spark_frame(rows: list[dict[str, Any]]) -> Any:
    """The feature rows as a Spark DataFrame, typed from the same Arrow schema as the DuckDB
    table (features.arrow_schema), so a new feature column needs no edit here."""
    import pyarrow as pa
    from pyspark.sql.types import ArrayType, BooleanType, IntegerType, StringType, StructField, StructType

    from joinedup.linkage.features import arrow_schema

    def spark_type(arrow: Any) -> Any:
        if pa.types.is_list(arrow):
            return ArrayType(spark_type(arrow.value_type))
        if pa.types.is_boolean(arrow):
            return BooleanType()
        if pa.types.is_integer(arrow):
            return IntegerType()
        return StringType()

    arrow = arrow_schema()
    schema = StructType([StructField(f.name, spark_type(f.type), True) for f in arrow])
    return spark_session().createDataFrame([tuple(r[f.name] for f in arrow) for r in rows], schema=schema)
