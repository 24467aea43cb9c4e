"""A scored pair explained: its waterfall, from the prior to the final match weight.

Each step names the comparison and the level the pair reached, with the
weight it added, so a reviewer can see why two records scored as they did.
Labels come from the saved model's own levels (a model keeps the labels it
was trained with) and the comparison names from comparisons.py.
"""

from __future__ import annotations

import json
import math
from typing import Any

from joinedup.linkage.comparisons import PRIOR_LABEL
from joinedup.linkage.model import comparison_label

Steps = tuple[tuple[Any, float], ...]


def step_columns(parameters: dict[str, Any]) -> list[tuple[str, str, str]]:
    """For each comparison, the scored row's columns of its level (gamma), its weight and its
    term-frequency adjustment: Splink writes gamma_<name>, mw_<name> and mw_tf_adj_<name>
    (the last only for comparisons with a term-frequency level: "" for the others)."""
    out = []
    for comparison in parameters["comparisons"]:
        name = comparison["output_column_name"]
        tf = any(level.get("tf_adjustment_column") for level in comparison["comparison_levels"])
        out.append((f"gamma_{name}", f"mw_{name}", f"mw_tf_adj_{name}" if tf else ""))
    return out


def steps(row: dict[str, Any], columns: list[tuple[str, str, str]]) -> Steps:
    """Each comparison's level and weight in a scored row, compactly: the weight and its
    term-frequency adjustment are one step."""
    return tuple(
        (row.get(gamma), (row.get(weight) or 0.0) + ((row.get(tf) or 0.0) if tf else 0.0))
        for gamma, weight, tf in columns
    )


def level_labels(parameters: dict[str, Any]) -> list[tuple[str, dict[Any, str]]]:
    """For each comparison, its name and the label of each gamma value."""
    out = []
    for comparison in parameters["comparisons"]:
        non_null = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        by_gamma: dict[Any, str] = {-1: "Missing"}
        for index, level in enumerate(non_null):
            by_gamma[len(non_null) - 1 - index] = level.get("label_for_charts", "")
        out.append((comparison_label(comparison), by_gamma))
    return out


class Waterfalls:
    """A pair's steps made into its waterfall, as a list (pages) or as JSON text (a run's
    million pairs: each step's text is encoded once per model and level, then reused)."""

    def __init__(self, parameters: dict[str, Any]) -> None:
        self.labels = level_labels(parameters)
        lam = float(parameters["probability_two_random_records_match"])
        self.prior = {
            "comparison": PRIOR_LABEL,
            "level": "",
            "gamma": None,
            "weight": round(math.log2(lam / (1 - lam)), 2),
        }
        self._encoded: dict[tuple[int, Any, float], str] = {}
        self._prior_json = json.dumps(self.prior)

    def _step(self, index: int, gamma: Any, weight: float) -> dict[str, Any]:
        name, by_gamma = self.labels[index]
        return {"comparison": name, "level": by_gamma.get(gamma, ""), "gamma": gamma, "weight": weight}

    def _check(self, steps: Steps) -> None:
        if len(steps) != len(self.labels):
            raise ValueError(f"{len(steps)} steps for a model of {len(self.labels)} comparisons")

    def build(self, steps: Steps) -> list[dict[str, Any]]:
        self._check(steps)
        return [self.prior, *(self._step(i, g, round(w, 2)) for i, (g, w) in enumerate(steps))]

    def json(self, steps: Steps) -> str:
        self._check(steps)
        parts = [self._prior_json]
        for index, (gamma, weight) in enumerate(steps):
            key = (index, gamma, round(weight, 2))
            text = self._encoded.get(key)
            if text is None:
                text = self._encoded[key] = json.dumps(self._step(*key))
            parts.append(text)
        return "[" + ",".join(parts) + "]"


def waterfall(row: dict[str, Any], parameters: dict[str, Any]) -> list[dict[str, Any]]:
    """Each step from the prior to the final match weight: the comparisons' levels and weights."""
    return Waterfalls(parameters).build(steps(row, step_columns(parameters)))
