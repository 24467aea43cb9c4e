"""The Spark backend runs the same model to the same clusters as DuckDB."""

from __future__ import annotations

import importlib.util
import os
import shutil
from typing import Any

import pytest

from joinedup.linkage import model as splink_model
from joinedup.linkage.spark import EngineError, sql_for_spark
from joinedup.linkage.tests.test_intake import PEOPLE


def _spark_available() -> None:
    missing = []
    if importlib.util.find_spec("pyspark") is None:
        missing.append("pyspark (pip install -e '.[spark]')")
    if shutil.which("java") is None:
        missing.append("Java 17 (apt-get install openjdk-17-jre-headless)")
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: the Spark equivalence test needs {' and '.join(missing)}.")
        pytest.skip(f"Spark needs {' and '.join(missing)}.")


def clusters(pairs: list[dict[str, Any]], threshold: float) -> set[frozenset[str]]:
    """Connected components of the pairs at or above the threshold, as linkage_run forms them."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        if p["match_probability"] >= threshold:
            parent[find(p["unique_id_l"])] = find(p["unique_id_r"])
    groups: dict[str, set[str]] = {}
    for x in list(parent):
        groups.setdefault(find(x), set()).add(x)
    return {frozenset(g) for g in groups.values()}


def test_the_models_sql_is_rewritten_for_spark() -> None:
    assert sql_for_spark('jaro_winkler_similarity("given_l", "given_r") >= 0.9') == (
        "jaro_winkler(`given_l`, `given_r`) >= 0.9"
    )
    assert sql_for_spark('list_has_any("a_l", "a_r") AND (length("g_l") = 1)') == (
        "arrays_overlap(`a_l`, `a_r`) AND (length(`g_l`) = 1)"
    )
    with pytest.raises(EngineError, match="soundex"):
        sql_for_spark('soundex("given_l") = soundex("given_r")')


def test_spark_and_duckdb_give_the_same_scores_and_clusters(trained: dict[str, Any]) -> None:
    _spark_available()
    duck = splink_model.predict(PEOPLE, trained, threshold=0.01, engine="duckdb")
    spark = splink_model.predict(PEOPLE, trained, threshold=0.01, engine="spark")
    by_pair = {(p["unique_id_l"], p["unique_id_r"]): p for p in duck}
    assert len(duck) > 10 and {(p["unique_id_l"], p["unique_id_r"]) for p in spark} == set(by_pair)
    for p in spark:
        expected = by_pair[(p["unique_id_l"], p["unique_id_r"])]
        assert p["match_probability"] == pytest.approx(expected["match_probability"], abs=1e-9)
        assert p["gamma_given"] == expected["gamma_given"] and p["gamma_family"] == expected["gamma_family"]
    for threshold in (0.5, 0.8, 0.95):
        assert clusters(spark, threshold) == clusters(duck, threshold)
    assert len(clusters(duck, 0.8)) >= 2
    # The streamed path linkage_run uses gives the same pairs on both engines too.
    streamed = {
        engine: {
            (p["unique_id_l"], p["unique_id_r"]): round(p["match_probability"], 9)
            for p in splink_model.predict_pairs(PEOPLE, trained, threshold=0.01, engine=engine)
        }
        for engine in ("duckdb", "spark")
    }
    assert streamed["duckdb"] == streamed["spark"]
    # Above the threshold, Splink's own pairs; below it only the NHS disagreements a person must see.
    above = {k: v for k, v in streamed["duckdb"].items() if v >= 0.01}
    assert above == {k: round(v["match_probability"], 9) for k, v in by_pair.items()}


def test_an_unknown_engine_is_refused(trained: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="LINKAGE_ENGINE must be one of duckdb, spark"):
        splink_model.predict(PEOPLE, trained, engine="hadoop")
