"""Is a newly trained model better than the one in use?

Training is unsupervised, so a new model can be worse than the last: trained
on another mix of agencies, or after a change to the comparisons. Before it
can be put in use it is compared with the active model on pairs whose truth
is known: the pairs people have decided in review ("same child" or "not the
same child"), and any source of labelled pairs another app registers (the
demo registers its generator's ground truth; a partnership could register a
clerically reviewed sample). Each model scores the pairs with its own
parameters and thresholds, through the intake scorer (the same scores as
Splink's, `tests/test_intake.py`), and decides them with the same rules as a
run; the comparison is kept with the model and shown on its page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from joinedup.children.models import AgencyRecord
from joinedup.linkage.decisions import review_reason, rules_for
from joinedup.linkage.intake import FIELDS, ModelError, Scorer, term_frequency
from joinedup.linkage.models import CandidatePair, LinkageModel, PairStatus

Labelled = Iterable[tuple[int, int, bool]]  # (record id, record id, the same child?)
_SOURCES: dict[str, Callable[[], Labelled]] = {}
MAX_PAIRS = 5_000  # per source: enough to tell models apart, quick to score
# Fewer labelled pairs than this say too little to call one model worse than another.
MIN_PAIRS = 20
WORSE_BY = 0.005  # F1 points


def register_labels(name: str, source: Callable[[], Labelled]) -> None:
    """Register a source of labelled pairs, named as people will read it."""
    _SOURCES[name] = source


def reviewed_pairs() -> Labelled:
    """Pairs a person decided: "same child" or "not the same child" (unsure says nothing)."""
    # access: a system comparison of models; only scores and counts leave this module
    decided = CandidatePair.objects.filter(
        status__in=[PairStatus.SAME, PairStatus.NOT_SAME], decided_by__isnull=False
    ).order_by("pk")
    for a, b, status in decided.values_list("record_a_id", "record_b_id", "status")[:MAX_PAIRS]:
        yield a, b, status == PairStatus.SAME


def sources() -> dict[str, Callable[[], Labelled]]:
    return {"Pairs people decided in review": reviewed_pairs, **_SOURCES}


def _rows(ids: set[int]) -> dict[int, dict[str, Any]]:
    from joinedup.linkage.features import records_to_rows

    # access: scored in memory for a model comparison; no record leaves this module
    values = list(AgencyRecord.objects.filter(pk__in=ids, erased_at__isnull=True).values(*FIELDS))
    return {int(r["unique_id"]): r for r in records_to_rows(values)}


def _figures(decisions: list[tuple[bool, bool]]) -> dict[str, Any]:
    """Precision, recall and F1 of a model's decisions on labelled pairs.

    A figure with nothing to count is None, not 1.0: a model that joined no pair has no
    precision to boast of (its recall says what it missed), and a source with no pair of one
    child has no recall. F1 is 0 when one figure is 0 or missing and the other is not.
    """
    tp = sum(joined and same for joined, same in decisions)
    joined = sum(j for j, _ in decisions)
    same = sum(s for _, s in decisions)
    precision = tp / joined if joined else None
    recall = tp / same if same else None
    if precision is None and recall is None:
        f1 = None
    elif precision and recall:
        f1 = 2 * precision * recall / (precision + recall)
    else:
        f1 = 0.0
    return {
        "precision": None if precision is None else round(precision, 4),
        "recall": None if recall is None else round(recall, 4),
        "f1": None if f1 is None else round(f1, 4),
        "joined": joined,
    }


def _decide(parameters: dict[str, Any], upper: float, pairs: list[tuple[int, int, bool]], rows: dict[int, Any]) -> Any:
    scorer = Scorer.from_parameters(parameters)
    rules = rules_for(parameters)
    tf = term_frequency()
    out = []
    for a, b, same in pairs:
        if a not in rows or b not in rows:
            continue
        row = scorer.score(rows[a], rows[b], tf)
        out.append((row["match_probability"] >= upper and not review_reason(row, rules), same))
    return out


def compare(parameters: dict[str, Any], *, upper: float, active: LinkageModel | None) -> dict[str, Any]:
    """The new model's figures beside the active one's on every source of labelled pairs."""
    result: dict[str, Any] = {"active_version": active.version if active else None, "sources": [], "worse": False}
    for name, source in sources().items():
        pairs = [(int(a), int(b), bool(s)) for a, b, s in source()][:MAX_PAIRS]
        rows = _rows({x for a, b, _ in pairs for x in (a, b)})
        new = _decide(parameters, upper, pairs, rows)
        entry: dict[str, Any] = {"name": name, "pairs": len(new), "same": sum(s for _, s in new)}
        entry["new"] = _figures(new)
        entry["active"] = None
        if active is not None:
            try:
                entry["active"] = _figures(_decide(active.parameters, active.upper_threshold, pairs, rows))
            except ModelError as exc:
                entry["note"] = f"The model in use cannot be scored here: {exc}"
        if (
            entry["active"]
            and len(new) >= MIN_PAIRS
            and entry["new"]["f1"] is not None
            and entry["active"]["f1"] is not None
            and entry["new"]["f1"] < entry["active"]["f1"] - WORSE_BY
        ):
            entry["worse"] = result["worse"] = True
        result["sources"].append(entry)
    return result
