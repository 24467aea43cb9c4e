"""Matching one new agency record in real time, with the active model's trained parameters.

Batch linkage runs Splink over every record. A record created on a page, by
the API or by a bulk import cannot wait for that, so this module does the
two things Splink would do for it, for one record:

1. find candidates by exact-block lookups on indexed keys in the database
   (the same blocking rules as the batch model: NHS number, date of birth,
   family name with birth year or postcode district, given name or a
   nickname of it with the family name, given name with birth month,
   postcode with initial, given and family names swapped);
2. score each candidate pair by Fellegi-Sunter with the model's own m and u
   probabilities, prior and term-frequency adjustments: each level's SQL
   condition has a Python twin below, and `tests/test_intake.py` checks the
   scores equal Splink's own on the same pairs.

Scoring outside Splink is done only because intake must answer in
milliseconds (`benchmarks/intake_match.py`); the parameters always come
from Splink's trained model.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from typing import Any

from joinedup.core.names import nickname_groups
from joinedup.core.text import name_key
from joinedup.linkage.comparisons import Predicate, Row, predicate_for, predicates
from joinedup.linkage.decisions import nhs_disagrees_all_else_agrees, rules_for
from joinedup.linkage.features import NAME_COLUMNS, RECORD_FIELDS, partial_features, records_to_rows, row_from_partial

# The record fields the model compares (as batch linkage loads them), and the child they belong to.
FIELDS = (*RECORD_FIELDS, "child_id")


# (comparison, level label, SQL) -> the level's condition, from the one description in comparisons.py.
LEVELS: dict[tuple[str, str, str], Predicate] = predicates()


@dataclass
class Level:
    label: str
    gamma: int
    weight: float  # log2(m / u); 0 for the missing level
    predicate: Predicate | None  # None: the ELSE level
    tf_column: str = ""
    tf_weight: float = 0.0
    log2_u: float = 0.0


@dataclass
class Comparison:
    name: str
    levels: list[Level] = field(default_factory=list)
    # The row columns its levels' conditions read ("dob" for "dob_l" = "dob_r") other than
    # the name columns, and whether it reads any of those (all made from the three raw name
    # fields): a level depends on nothing else, so it is memoised on them (`LeftScorer`).
    columns: tuple[str, ...] = ()
    reads_names: bool = False

    def __post_init__(self) -> None:
        self._get = itemgetter(*self.columns) if self.columns else (lambda row: None)

    def key(self, row: Row, names: tuple[str, str, str] | None) -> Any:
        """What this comparison reads of `row`, hashable: its scalar columns, and the raw names."""
        if not self.reads_names:
            return self._get(row)
        if names is None:
            names = tuple(_key(row[c]) for c in NAME_COLUMNS)
        return (names, self._get(row))

    def level_for(self, left: Row, right: Row) -> Level:
        for level in self.levels:
            if level.predicate is None or level.predicate(left, right):
                return level
        raise AssertionError(f"No level matched in {self.name}: the model has no ELSE level.")


_COLUMN = re.compile(r'"(\w+)_[lr]"')


def _key(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


class ModelError(ValueError):
    """The saved model does not match the comparisons this code knows how to score."""


NAME_COMPARISONS = frozenset({"given", "family"})


@dataclass
class Scorer:
    """Fellegi-Sunter scoring with a saved Splink model's parameters."""

    prior_weight: float
    comparisons: list[Comparison]

    @classmethod
    def from_parameters(cls, parameters: dict[str, Any]) -> Scorer:
        lam = float(parameters["probability_two_random_records_match"])
        comparisons = []
        for spec in parameters["comparisons"]:
            name = spec["output_column_name"]
            specs = spec["comparison_levels"]
            non_null = [lv for lv in specs if not lv.get("is_null_level")]
            exact_u = next((lv["u_probability"] for lv in non_null if lv.get("label_for_charts") == "Exact"), None)
            read = {c for lv in specs for c in _COLUMN.findall(lv["sql_condition"])}
            comparison = Comparison(
                name, columns=tuple(sorted(read - set(NAME_COLUMNS))), reads_names=bool(read & set(NAME_COLUMNS))
            )
            for level in specs:
                label = level.get("label_for_charts", "")
                is_else = level["sql_condition"].strip().upper() == "ELSE"
                predicate = None if is_else else predicate_for(LEVELS, name, label, level["sql_condition"])
                if not is_else and predicate is None:
                    raise ModelError(
                        f"The model's level {name}: {label!r} is not one this version knows how to score "
                        "(its condition differs); train a new model and put it in use."
                    )
                if level.get("is_null_level"):
                    comparison.levels.append(Level(label, -1, 0.0, predicate))
                    continue
                gamma = len(non_null) - 1 - non_null.index(level)
                weight = math.log2(level["m_probability"] / level["u_probability"])
                tf_column = level.get("tf_adjustment_column") or ""
                comparison.levels.append(
                    Level(
                        label,
                        gamma,
                        weight,
                        predicate,
                        tf_column=tf_column,
                        tf_weight=float(level.get("tf_adjustment_weight", 1.0)) if tf_column else 0.0,
                        log2_u=math.log2(exact_u) if tf_column and exact_u else 0.0,
                    )
                )
            comparisons.append(comparison)
        return cls(prior_weight=math.log2(lam / (1 - lam)), comparisons=comparisons)

    def name_ceiling(self, left: Row, tf: Callable[[str, str], float | None]) -> float:
        """The most the name comparisons could add for any candidate of `left`: the best level
        of each, the exact level with the term-frequency adjustment of `left`'s own name."""
        total = 0.0
        for comparison in self.comparisons:
            if comparison.name not in NAME_COMPARISONS:
                continue
            best = 0.0
            for level in comparison.levels:
                weight = level.weight
                if level.tf_column and left.get(level.tf_column) is not None:
                    frequency = tf(level.tf_column, left[level.tf_column])
                    weight += level.tf_weight * (level.log2_u - math.log2(frequency)) if frequency else 0.0
                best = max(best, weight)
            total += best
        return total

    def other_weight(self, left: Row, right: Row) -> float:
        """The prior and every comparison but the names, exactly (they need only a partial row)."""
        return LeftScorer(self, left, lambda column, value: None).other_weight(right)

    def score(self, left: Row, right: Row, tf: Callable[[str, str], float | None]) -> Row:
        """One pair's scores, shaped like a row of Splink's predictions (gamma_*, mw_*, match_*)."""
        return LeftScorer(self, left, tf).score(right)

    def for_left(self, left: Row, tf: Callable[[str, str], float | None]) -> LeftScorer:
        """Scoring many candidates against one record, each comparison's level memoised."""
        return LeftScorer(self, left, tf)


class LeftScorer:
    """One record's scores against its candidates (`Scorer.score` is one of these, for one pair).

    A record's candidates share much with each other (the date of birth, the
    name or the postcode they were found by), and a comparison's level depends
    only on the columns its conditions read; so each comparison's level is
    worked out once per distinct value of those columns, not once per candidate.
    """

    def __init__(self, scorer: Scorer, left: Row, tf: Callable[[str, str], float | None]) -> None:
        self.scorer = scorer
        self.left = left
        self._memo: list[dict[Any, Level]] = [{} for _ in scorer.comparisons]
        self._tf: dict[tuple[str, Any], float] = {}
        self._tf_of = tf

    def level(self, index: int, comparison: Comparison, right: Row, names: tuple[str, str, str] | None) -> Level:
        key = comparison.key(right, names)
        memo = self._memo[index]
        level = memo.get(key)
        if level is None:
            level = memo[key] = comparison.level_for(self.left, right)
        return level

    def _adjustment(self, level: Level) -> float:
        key = (level.tf_column, self.left[level.tf_column])
        if key not in self._tf:
            frequency = self._tf_of(*key)
            self._tf[key] = level.tf_weight * (level.log2_u - math.log2(frequency)) if frequency else 0.0
        return self._tf[key]

    def other_weight(self, right: Row) -> float:
        """The prior and every comparison but the names (they need only a partial row)."""
        return self.scorer.prior_weight + sum(
            self.level(i, c, right, None).weight
            for i, c in enumerate(self.scorer.comparisons)
            if c.name not in NAME_COMPARISONS
        )

    def score(self, right: Row, names: tuple[str, str, str] | None = None) -> Row:
        """This record's and `right`'s scores, shaped like a row of Splink's predictions (gamma_*,
        mw_*, match_*); `names`, right's raw given, family and other names, if the caller has
        them (else the memo reads the name columns)."""
        left = self.left
        out: Row = {"unique_id_l": left["unique_id"], "unique_id_r": right["unique_id"]}
        out["nhs_number_l"], out["nhs_number_r"] = left["nhs_number"], right["nhs_number"]
        total = self.scorer.prior_weight
        for i, comparison in enumerate(self.scorer.comparisons):
            level = self.level(i, comparison, right, names)
            out[f"gamma_{comparison.name}"] = level.gamma
            out[f"mw_{comparison.name}"] = level.weight
            total += level.weight
            if level.tf_column:
                adjustment = self._adjustment(level)
                out[f"mw_tf_adj_{comparison.name}"] = adjustment
                total += adjustment
        out["match_weight"] = total
        out["match_probability"] = 1 / (1 + 2**-total) if total > -1000 else 0.0
        return out


@cache
def _scorer_for(model_pk: int, version: int) -> Scorer:
    from joinedup.linkage.models import LinkageModel

    return Scorer.from_parameters(LinkageModel.objects.get(pk=model_pk).parameters)


def scorer_for(model: Any) -> Scorer:
    """The scorer for a saved model, built once per process (models are never changed once saved)."""
    return _scorer_for(model.pk, model.version)


@cache
def _group_members(given: str) -> frozenset[str]:
    return frozenset(name for group in nickname_groups() if given in group for name in group) | {given}


def _after(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix` (for index ranges)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


# A date's day and month as "MM-DD", in each database's SQL.
MONTH_DAY = {"postgresql": "to_char(date_of_birth, 'MM-DD')", "sqlite": "strftime('%%m-%%d', date_of_birth)"}


def _could_agree(born: dt.date, vendor: str | None) -> tuple[str, list[Any]]:
    """SQL for a date of birth that is missing or could agree with `born` at some level of
    the model's date comparison: the same year or one either side (exact, day and month
    swapped, a slip in the day or month, the year out by one), the same day and month (the
    year mistyped: "2012" and "2021"), or 1 January (a placeholder; `features.NO_DATE` too).
    Every date it leaves out is at the comparison's "Different" level. Empty when `born` is
    itself a placeholder, since then any date agrees, weakly; or when the database is not
    named (`blocking_sql` without a vendor: the lookup is then only wider)."""
    if (born.month, born.day) == (1, 1) or vendor not in MONTH_DAY:
        return "", []
    first, last = max(born.year - 1, dt.MINYEAR), min(born.year + 1, dt.MAXYEAR)
    return (
        f"(date_of_birth IS NULL OR (date_of_birth >= %s AND date_of_birth <= %s)"
        f" OR {MONTH_DAY[vendor]} IN (%s, '01-01'))",
        [dt.date(first, 1, 1), dt.date(last, 12, 31), born.strftime("%m-%d")],
    )


def blocking_sql(row: Row, vendor: str | None = None) -> tuple[str, list[Any]]:
    """Records sharing a blocking key with this one: one query of OR-ed lookups on indexed columns.

    The batch model's rules, with its three broad ones (date of birth alone,
    family name with birth year, family name with postcode district) narrowed
    by the first letter of a name, so one lookup stays small even for the
    commonest surnames; the widest (family name and postcode district: at a
    million children, two thousand records of one common family name and
    initial in one district) also to a date of birth that could agree. What that misses (a
    record whose given and family names both changed initial, or a record
    whose date of birth is quite different that only the district finds)
    the batch run, with the full rules, finds.
    Nicknames with another initial (Bob and Robert) come in by the nickname
    block, which in turn is narrowed to the same birth year or postcode sector.
    Prefixes are index ranges (key >= "g" AND key < "h"), not LIKE, so both
    SQLite and PostgreSQL use the indexes. Returns ("", []) when there is nothing to look up.
    """
    clauses: list[str] = []
    params: list[Any] = []
    given, family, dob, postcode = row["given"], row["family"], row["dob"], row["postcode"]

    def starts(column: str, prefix: str) -> tuple[str, list[Any]]:
        return f"({column} >= %s AND {column} < %s)", [prefix, _after(prefix)]

    initial_sql, initial_params = starts("first_given_key", given[0]) if given else ("", [])
    if row["nhs_number"]:
        clauses.append("nhs_number = %s")
        params.append(row["nhs_number"])
    if row.get("identifier"):
        clauses.append("upn = %s")  # upn is indexed; the batch model blocks on it too
        params.append(row["identifier"])
    if dob:
        born = dt.date.fromisoformat(dob)
        year_start, year_end = born.replace(month=1, day=1), born.replace(month=12, day=31)
        either: list[str] = []
        either_params: list[Any] = []
        if given:
            either.append(initial_sql)
            either_params += initial_params
        if family:
            sql, extra = starts("family_key", family[0])
            either.append(sql)
            either_params += extra
        clauses.append("date_of_birth = %s" + (f" AND ({' OR '.join(either)})" if either else ""))
        params += [born, *either_params]
        if family and given:
            clauses.append(f"family_key = %s AND date_of_birth >= %s AND date_of_birth <= %s AND {initial_sql}")
            params += [family, year_start, year_end, *initial_params]
        if given:
            month_start = born.replace(day=1)
            next_month = (month_start + dt.timedelta(days=32)).replace(day=1)
            clauses.append("first_given_key = %s AND date_of_birth >= %s AND date_of_birth < %s")
            params += [given, month_start, next_month]
    if given and family:
        # The commonest name pairs (Muhammad Smith, Olivia Jones) are held by thousands
        # of children: narrow to the same birth year, postcode sector, or a record with no date.
        members = sorted(_group_members(given))
        near: list[str] = []
        near_params: list[Any] = []
        if dob:
            near.append("(date_of_birth >= %s AND date_of_birth <= %s) OR date_of_birth IS NULL")
            near_params += [year_start, year_end]
        if postcode and row["postcode_sector"]:
            sql, extra = starts("postcode", row["postcode_sector"])
            near.append(sql)
            near_params += extra
        clauses.append(
            f"first_given_key IN ({', '.join(['%s'] * len(members))}) AND family_key = %s"
            + (f" AND ({' OR '.join(near)})" if near else "")
        )
        params += [*members, family, *near_params]
        clauses.append("first_given_key = %s AND family_key = %s")
        params += [family, given]
    if postcode and given:
        clauses.append(f"postcode = %s AND {initial_sql}")
        params += [postcode, *initial_params]
    if postcode and family and given and row["postcode_district"]:
        sql, extra = starts("postcode", f"{row['postcode_district']} ")
        dated, dated_params = _could_agree(dt.date.fromisoformat(dob), vendor) if dob else ("", [])
        clauses.append(f"family_key = %s AND {sql} AND {initial_sql}" + (f" AND {dated}" if dated else ""))
        params += [family, *extra, *initial_params, *dated_params]
    if not clauses:
        return "", []
    return " OR ".join(f"({c})" for c in clauses), params


@dataclass
class Match:
    record_id: int
    child_id: int
    row: Row

    @property
    def probability(self) -> float:
        return float(self.row["match_probability"])


@dataclass
class IntakeResult:
    matches: list[Match]  # at or above the model's lower threshold, strongest first
    candidates: int
    seconds: float


FREQUENCY_SECONDS = 600
_frequencies: dict[str, tuple[float, int, dict[str, int]]] = {}


def forget_frequencies() -> None:
    """Drop the cached name counts (tests, and after bulk loads)."""
    _frequencies.clear()


def _counts(db_column: str) -> tuple[int, dict[str, int]]:
    """How many records have each value of a key column, and how many have any: one
    GROUP BY on the key's index, kept in this process for ten minutes."""
    from django.db.models import Count

    from joinedup.children.models import AgencyRecord

    now = time.monotonic()
    cached = _frequencies.get(db_column)
    if cached is None or now - cached[0] > FREQUENCY_SECONDS:
        # Erased records have their keys blanked, so they never count.
        rows = AgencyRecord.objects.exclude(**{db_column: ""}).order_by().values_list(db_column).annotate(n=Count("id"))
        table = dict(rows)
        cached = (now, sum(table.values()), table)
        _frequencies[db_column] = cached
    return cached[1], cached[2]


def term_frequency() -> Callable[[str, str], float | None]:
    """Splink's term frequency of a name: its share of the records with that name present.

    Frequencies change slowly as records are added, so the counts are
    refreshed every ten minutes; a name newer than that counts once.
    """
    column_of = {"given": "first_given_key", "family": "family_key"}

    def tf(column: str, value: str) -> float | None:
        total, table = _counts(column_of[column])
        return max(table.get(value, 0), 1) / total if total else None

    return tf


def candidates(record: Any, left: Row) -> list[dict[str, Any]]:
    """The live records sharing a blocking key with `record` (itself excluded)."""
    from django.db import connection

    from joinedup.children.models import AgencyRecord

    where, params = blocking_sql(left, connection.vendor)
    if not where:
        return []
    table = connection.ops.quote_name(AgencyRecord._meta.db_table)
    columns = ", ".join(FIELDS)
    not_itself = "id <> %s AND " if record.pk else ""
    sql = f"SELECT {columns} FROM {table} WHERE erased_at IS NULL AND {not_itself}({where})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [record.pk, *params] if record.pk else params)
        found = [dict(zip(FIELDS, values, strict=True)) for values in cursor.fetchall()]
    for candidate in found:  # SQLite hands dates back as text from a raw query
        if isinstance(candidate["date_of_birth"], str):
            candidate["date_of_birth"] = dt.date.fromisoformat(candidate["date_of_birth"])
    return found


def match_record(record: Any, *, model: Any) -> IntakeResult:
    """Candidates for one agency record among the live records, scored with `model`."""
    started = time.perf_counter()
    scorer = scorer_for(model)
    (left,) = records_to_rows([{f: getattr(record, f) for f in FIELDS}])
    found = candidates(record, left)
    tf = term_frequency()
    # A candidate whose date, sex, address and NHS number leave it short of the lower
    # threshold even with the best possible names is not worth building in full.
    needed = math.log2(model.lower_threshold / (1 - model.lower_threshold))
    ceiling = scorer.name_ceiling(left, tf)
    rules = rules_for(model.parameters)
    scoring = scorer.for_left(left, tf)
    matches = []
    for candidate in found:
        partial = partial_features(candidate)
        if scoring.other_weight(partial) + ceiling < needed and not (
            # Exact family name and date of birth but another NHS number: kept for a person, however low.
            left["dob"]
            and candidate["date_of_birth"]
            and left["dob"] == partial["dob"]
            and name_key(candidate["family_name"] or "") == left["family"]
        ):
            continue
        names = (candidate["given_names"] or "", candidate["family_name"] or "", candidate["other_names"] or "")
        row = scoring.score(row_from_partial(candidate, partial), names)
        if row["match_probability"] >= model.lower_threshold or nhs_disagrees_all_else_agrees(row, rules):
            matches.append(Match(candidate["id"], candidate["child_id"], row))
    matches.sort(key=lambda m: -m.probability)
    return IntakeResult(matches, len(found), time.perf_counter() - started)
