"""The comparisons of the linkage model, described once.

Each comparison is a list of levels, most agreeing first, each with its label
(shown on the review page and in a saved model), its condition in DuckDB SQL
(what Splink runs in a batch) and the same condition as a Python predicate
(what intake matching runs for one record in milliseconds). From this one
description come:

- the Splink settings (`model.comparisons()`),
- the intake scorer's predicates (`intake.LEVELS`),
- the Spark rewrite, which translates each level's SQL (`spark.for_spark`),
- the names and level labels of waterfalls (`explain`),
- the level numbers the decision rules read (`decisions`).

Adding a level is one edit here. Labels are never reused for a changed
condition: a saved model names its levels by label, so a model trained
before a change still scores as it did (`LEGACY_LEVELS` keeps the
predicates of labels no longer in use). `tests/test_intake.py` checks each
predicate against Splink's SQL on the same pairs.

Splink numbers a comparison's levels from the last (0, "Different") up;
the null level is -1. `Comparison.gamma` gives a label's number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

Row = dict[str, Any]
Predicate = Callable[[Row, Row], bool]


def _jw(a: str, b: str) -> float:
    return float(JaroWinkler.similarity(a, b, prefix_weight=0.1))


def _dl(a: str, b: str) -> int:
    return int(DamerauLevenshtein.distance(a, b))


def _eq(col: str) -> Predicate:
    return lambda a, b: a[col] is not None and a[col] == b[col]


def _any(col: str) -> Predicate:
    return lambda a, b: bool(a[col] and b[col] and set(a[col]) & set(b[col]))


def _overlap(a: list[str] | None, b: list[str] | None) -> bool:
    return bool(a and b and set(a) & set(b))


def _missing(col: str) -> Predicate:
    return lambda a, b: a[col] is None or b[col] is None


def within_one_edit(a: str, b: str, *, ends: int = 1) -> str:
    """SQL for damerau_levenshtein(a, b) <= 1, with cheap tests first that every pair within
    one edit passes: DuckDB's Damerau-Levenshtein costs microseconds a pair, and training's
    random pairs (2,000,000 of them) are nearly all far apart. One edit (a letter added,
    dropped, changed, or two neighbours swapped) changes the length by at most one and leaves
    the first `ends` characters or the last `ends` untouched, once both strings have at least
    2 * ends + 1 characters (ends = 1: three). The result is exactly the plain condition's
    (tests/test_intake.py checks it against the Python twin)."""
    shortest = 3 if ends == 1 else 2 * ends + 1
    return (
        f"(abs(length({a}) - length({b})) <= 1"
        f" AND (least(length({a}), length({b})) < {shortest}"
        f" OR left({a}, {ends}) = left({b}, {ends}) OR right({a}, {ends}) = right({b}, {ends}))"
        f" AND damerau_levenshtein({a}, {b}) <= 1)"
    )


@dataclass(frozen=True)
class Level:
    label: str
    sql: str  # DuckDB; "ELSE" for the last level
    test: Predicate | None = None  # the SQL's Python twin; None for ELSE
    null: bool = False
    tf_column: str = ""  # term-frequency adjusted on this column
    # A fixed m, for a level EM cannot learn (see the given name's twins level).
    m_probability: float | None = None

    def splink(self) -> dict[str, Any]:
        out: dict[str, Any] = {"sql_condition": self.sql, "label_for_charts": self.label}
        if self.null:
            out["is_null_level"] = True
        if self.tf_column:
            out["tf_adjustment_column"] = self.tf_column
            out["tf_adjustment_weight"] = 1.0
        if self.m_probability is not None:
            out["m_probability"] = self.m_probability
            out["fix_m_probability"] = True
        return out


ELSE = Level("Different", "ELSE")


def missing(col: str) -> Level:
    return Level("Missing", f'"{col}_l" IS NULL OR "{col}_r" IS NULL', _missing(col), null=True)


@dataclass(frozen=True)
class Comparison:
    name: str  # Splink's output column name: gamma_<name>, mw_<name>
    label: str  # how people read it
    levels: tuple[Level, ...] = field(default_factory=tuple)

    def splink(self) -> Any:
        import splink.comparison_library as cl

        return cl.CustomComparison(
            output_column_name=self.name,
            comparison_description=self.label,
            comparison_levels=[level.splink() for level in self.levels],
        )

    def gamma(self, label: str) -> int:
        return gamma_of(self.name, [lv.label for lv in self.levels if not lv.null], label)


def gamma_of(name: str, non_null_labels: list[str], label: str) -> int:
    """A level's number as Splink writes it (gamma_<name>): the last level is 0."""
    if label not in non_null_labels:
        raise KeyError(f"{name} has no level {label!r}")
    return len(non_null_labels) - 1 - non_null_labels.index(label)


# --- given name ------------------------------------------------------------------------------


def _known_as(a: Row, b: Row) -> bool:
    """b's given name is one of a's other names ("known as"), allowing one slip."""
    return any(_dl(x, b["given"]) <= 1 for x in a["other_keys"] or ())


def _mistyped_nickname(a: Row, b: Row) -> bool:
    variants = a["given_variants"] or ()
    if any(_jw(x, b["given"]) >= 0.92 for x in variants):
        return True
    return len(b["given"]) == 1 and any(x[:1] == b["given"] for x in variants)


GIVEN = Comparison(
    "given",
    "Given name",
    (
        missing("given"),
        Level("Exact", '"given_l" = "given_r"', _eq("given"), tf_column="given"),
        # A nickname or variant, or the name one record gives as the child's "known as"
        # or other name (allowing one slip), or a nickname of it: Bobby Okafor, also
        # known as Robert; Robert, known as Bob, and "Bobby".
        Level(
            "Nickname, variant or known as, any form",
            " OR ".join(
                [
                    'list_has_any("given_groups_l", "given_groups_r")',
                    'list_min(list_transform("other_keys_r", lambda x: damerau_levenshtein(x, "given_l"))) <= 1',
                    'list_min(list_transform("other_keys_l", lambda x: damerau_levenshtein(x, "given_r"))) <= 1',
                    'list_has_any("given_groups_l", "other_groups_r")',
                    'list_has_any("other_groups_l", "given_groups_r")',
                ]
            ),
            lambda a, b: (
                _any("given_groups")(a, b)
                or _known_as(a, b)
                or _known_as(b, a)
                or _overlap(a["given_groups"], b["other_groups"])
                or _overlap(a["other_groups"], b["given_groups"])
            ),
        ),
        # One system's first name is another's middle name: school records "Mary Ellen
        # Okafor", the GP "Ellen Okafor". Below a nickname: twins rarely carry each
        # other's first name as a middle name, but siblings sometimes do.
        Level(
            "Another of their given names",
            'list_contains("given_all_r", "given_l") OR list_contains("given_all_l", "given_r")',
            lambda a, b: bool(
                (b["given_all"] and a["given"] in b["given_all"]) or (a["given_all"] and b["given"] in a["given_all"])
            ),
        ),
        Level(
            "Very close spelling",
            'jaro_winkler_similarity("given_l", "given_r") >= 0.92 OR ' + within_one_edit('"given_l"', '"given_r"'),
            lambda a, b: _jw(a["given"], b["given"]) >= 0.92 or _dl(a["given"], b["given"]) <= 1,
        ),
        Level(
            "Close spelling",
            'jaro_winkler_similarity("given_l", "given_r") >= 0.8',
            lambda a, b: _jw(a["given"], b["given"]) >= 0.8,
        ),
        Level("Sounds alike", '"given_sound_l" = "given_sound_r"', _eq("given_sound")),
        Level(
            "Initial",
            '"given_initial_l" = "given_initial_r" AND (length("given_l") = 1 OR length("given_r") = 1)',
            lambda a, b: a["given_initial"] == b["given_initial"] and (len(a["given"]) == 1 or len(b["given"]) == 1),
        ),
        # A nickname on one record and a mistyped full name (or only its initial) on the
        # other: Olly and "Olivre", Livvy and "O". Close to a nickname, not twins.
        Level(
            "Mistyped nickname or its initial",
            " OR ".join(
                [
                    'list_max(list_transform("given_variants_l", lambda x: jaro_winkler_similarity(x, "given_r")))'
                    " >= 0.92",
                    'list_max(list_transform("given_variants_r", lambda x: jaro_winkler_similarity(x, "given_l")))'
                    " >= 0.92",
                    '(length("given_l") = 1'
                    ' AND list_contains(list_transform("given_variants_r", lambda x: left(x, 1)), "given_l"))',
                    '(length("given_r") = 1'
                    ' AND list_contains(list_transform("given_variants_l", lambda x: left(x, 1)), "given_r"))',
                ]
            ),
            lambda a, b: _mistyped_nickname(a, b) or _mistyped_nickname(b, a),
        ),
        # Independence fails for twins: a different given name means much more when
        # the family name and date of birth agree. A level of its own lets the
        # model learn that (Fellegi-Sunter otherwise multiplies them as unrelated).
        # EM cannot learn this level (twins look like matches to it), so its m is
        # fixed from what the level means: the same child almost never has two
        # unrelated given names on records with the same family name and birth date.
        Level(
            "Different, same family and birth date",
            '"dob_l" = "dob_r" AND "family_l" = "family_r"',
            lambda a, b: _eq("dob")(a, b) and _eq("family")(a, b),
            m_probability=0.0005,
        ),
        ELSE,
    ),
)

# --- family name -----------------------------------------------------------------------------

FAMILY = Comparison(
    "family",
    "Family name",
    (
        missing("family"),
        Level("Exact", '"family_l" = "family_r"', _eq("family"), tf_column="family"),
        # Swapped, allowing a slip in one name and a typo in the other (a surname-first
        # extract read the wrong way round is copied by hand as often as any other).
        Level(
            "Given and family swapped",
            'least(jaro_winkler_similarity("given_l", "family_r"), jaro_winkler_similarity("family_l", "given_r"))'
            " >= 0.8"
            ' AND greatest(jaro_winkler_similarity("given_l", "family_r"), jaro_winkler_similarity("family_l",'
            ' "given_r")) >= 0.92',
            lambda a, b: (
                a["given"] is not None
                and b["given"] is not None
                and min(_jw(a["given"], b["family"]), _jw(a["family"], b["given"])) >= 0.8
                and max(_jw(a["given"], b["family"]), _jw(a["family"], b["given"])) >= 0.92
            ),
        ),
        # One record's forename is the other's family name, the other name not matching: a
        # name column read into the wrong fields ("TENNENT Chloe Alannah" parsed as forename
        # Tennent, family name Alannah), or a family name one system records as a forename
        # (naming customs where the father's or grandfather's name serves as the surname).
        # A brother or sister shares the family name, never carries it as a forename.
        Level(
            "Family name given as a forename",
            '"given_l" = "family_r" OR "family_l" = "given_r"',
            lambda a, b: (
                (a["given"] is not None and a["given"] == b["family"])
                or (b["given"] is not None and a["family"] == b["given"])
            ),
        ),
        Level("Shares a part (hyphenated)", 'list_has_any("family_parts_l", "family_parts_r")', _any("family_parts")),
        Level(
            "Previous or other surname",
            'list_contains("other_keys_r", "family_l") OR list_contains("other_keys_l", "family_r")',
            lambda a, b: bool(
                (b["other_keys"] and a["family"] in b["other_keys"])
                or (a["other_keys"] and b["family"] in a["other_keys"])
            ),
        ),
        Level(
            "Very close spelling",
            'jaro_winkler_similarity("family_l", "family_r") >= 0.92',
            lambda a, b: _jw(a["family"], b["family"]) >= 0.92,
        ),
        Level(
            "Close spelling",
            'jaro_winkler_similarity("family_l", "family_r") >= 0.8',
            lambda a, b: _jw(a["family"], b["family"]) >= 0.8,
        ),
        ELSE,
    ),
)

# --- date of birth ---------------------------------------------------------------------------

DOB = Comparison(
    "dob",
    "Date of birth",
    (
        missing("dob"),
        # 1 January, or the default a file declares, on either record: what many systems
        # write when only the year is known. Weaker evidence than a real date, and never
        # a disagreement; the year still counts for something.
        Level(
            "Placeholder date, same year",
            '("dob_placeholder_l" OR "dob_placeholder_r") AND "dob_year_l" = "dob_year_r"',
            lambda a, b: bool((a["dob_placeholder"] or b["dob_placeholder"]) and a["dob_year"] == b["dob_year"]),
        ),
        Level(
            "Placeholder date",
            '"dob_placeholder_l" OR "dob_placeholder_r"',
            lambda a, b: bool(a["dob_placeholder"] or b["dob_placeholder"]),
        ),
        Level("Exact", '"dob_l" = "dob_r"', _eq("dob")),
        Level(
            "Day and month swapped",
            '"dob_year_l" = "dob_year_r" AND "dob_day_l" = "dob_month_r" AND "dob_month_l" = "dob_day_r"',
            lambda a, b: (
                a["dob_year"] == b["dob_year"] and a["dob_day"] == b["dob_month"] and a["dob_month"] == b["dob_day"]
            ),
        ),
        Level(
            "One character off",
            # Dates are ten characters (2011-03-27): one edit leaves the year or the day whole.
            within_one_edit('"dob_l"', '"dob_r"', ends=4),
            lambda a, b: _dl(a["dob"], b["dob"]) <= 1,
        ),
        # A birthday recorded in the wrong year (2009 for 2010): same day and month.
        Level(
            "Year out by one",
            '"dob_month_l" = "dob_month_r" AND "dob_day_l" = "dob_day_r" AND abs("dob_year_l" - "dob_year_r") = 1',
            lambda a, b: (
                a["dob_month"] == b["dob_month"]
                and a["dob_day"] == b["dob_day"]
                and abs(a["dob_year"] - b["dob_year"]) == 1
            ),
        ),
        Level("Same year and month", '"dob_ym_l" = "dob_ym_r"', _eq("dob_ym")),
        ELSE,
    ),
)

SEX = Comparison("sex", "Sex", (missing("sex"), Level("Same", '"sex_l" = "sex_r"', _eq("sex")), ELSE))

POSTCODE = Comparison(
    "postcode",
    "Postcode",
    (
        # On the district: a partial postcode ("NG9", "NG10 4") is not missing.
        missing("postcode_district"),
        # The address's first line as well: one level, so the two are not counted twice.
        Level(
            "Same address",
            '"postcode_l" = "postcode_r" AND "address_l" = "address_r"',
            lambda a, b: _eq("postcode")(a, b) and _eq("address")(a, b),
        ),
        Level("Same postcode", '"postcode_l" = "postcode_r"', _eq("postcode")),
        Level("Same sector", '"postcode_sector_l" = "postcode_sector_r"', _eq("postcode_sector")),
        Level("Same district", '"postcode_district_l" = "postcode_district_r"', _eq("postcode_district")),
        ELSE,
    ),
)

NHS_NUMBER = Comparison(
    "nhs_number",
    "NHS number",
    (
        missing("nhs_number"),
        Level("Exact", '"nhs_number_l" = "nhs_number_r"', _eq("nhs_number")),
        Level(
            "One transposition",
            # Ten digits (a valid number's): one edit leaves the first four or the last four whole.
            within_one_edit('"nhs_number_l"', '"nhs_number_r"', ends=4),
            lambda a, b: _dl(a["nhs_number"], b["nhs_number"]) <= 1,
        ),
        # Two different valid NHS numbers: fixed, for the same reason as the twins level.
        Level("Different", "ELSE", m_probability=0.001),
    ),
)

# Another identifier two systems hold for the same child: the unique pupil number on school
# and local authority education records, a council's own person id on two of its systems, a
# National Insurance number past 16. Issued one per person, so twins never share one; but
# unlike the NHS number it has no check digit everywhere, it is re-keyed by hand, and a
# temporary UPN is replaced, so a different identifier is weaker evidence than a different
# NHS number and EM learns its weight.
IDENTIFIER = Comparison(
    "identifier",
    "UPN or other identifier",
    (
        missing("identifier"),
        Level("Exact", '"identifier_l" = "identifier_r"', _eq("identifier")),
        Level(
            "One character off",
            within_one_edit('"identifier_l"', '"identifier_r"'),
            lambda a, b: _dl(a["identifier"], b["identifier"]) <= 1,
        ),
        ELSE,
    ),
)

COMPARISONS: tuple[Comparison, ...] = (GIVEN, FAMILY, DOB, SEX, POSTCODE, NHS_NUMBER, IDENTIFIER)
BY_NAME = {c.name: c for c in COMPARISONS}

# Levels no longer in the model, with their predicates: models saved before the change
# name them and must still score exactly as they did. Matched on label and SQL.
LEGACY_LEVELS: tuple[tuple[str, Level], ...] = (
    ("given", Level("Nickname or variant", 'list_has_any("given_groups_l", "given_groups_r")', _any("given_groups"))),
    (
        "given",
        Level(
            "Nickname, variant or known as",
            " OR ".join(
                [
                    'list_has_any("given_groups_l", "given_groups_r")',
                    'list_min(list_transform("other_keys_r", lambda x: damerau_levenshtein(x, "given_l"))) <= 1',
                    'list_min(list_transform("other_keys_l", lambda x: damerau_levenshtein(x, "given_r"))) <= 1',
                ]
            ),
            lambda a, b: _any("given_groups")(a, b) or _known_as(a, b) or _known_as(b, a),
        ),
    ),
    ("postcode", missing("postcode")),
    # The same conditions before within_one_edit() put its cheap tests first.
    (
        "given",
        Level(
            "Very close spelling",
            'jaro_winkler_similarity("given_l", "given_r") >= 0.92 OR damerau_levenshtein("given_l", "given_r") <= 1',
            lambda a, b: _jw(a["given"], b["given"]) >= 0.92 or _dl(a["given"], b["given"]) <= 1,
        ),
    ),
    (
        "dob",
        Level(
            "One character off", 'damerau_levenshtein("dob_l", "dob_r") <= 1', lambda a, b: _dl(a["dob"], b["dob"]) <= 1
        ),
    ),
    (
        "nhs_number",
        Level(
            "One transposition",
            'damerau_levenshtein("nhs_number_l", "nhs_number_r") <= 1',
            lambda a, b: _dl(a["nhs_number"], b["nhs_number"]) <= 1,
        ),
    ),
)


def _sql_key(sql: str) -> str:
    return " ".join(sql.split())


def predicates() -> dict[tuple[str, str, str], Predicate]:
    """(comparison, level label, its SQL) -> the level's Python condition, for every level a
    saved model may hold: the intake scorer refuses a level whose SQL it does not know."""
    out = {(name, level.label, _sql_key(level.sql)): level.test for name, level in LEGACY_LEVELS if level.test}
    for comparison in COMPARISONS:
        for level in comparison.levels:
            if level.test is not None:
                out[(comparison.name, level.label, _sql_key(level.sql))] = level.test
    return out


def predicate_for(table: dict[tuple[str, str, str], Predicate], name: str, label: str, sql: str) -> Predicate | None:
    return table.get((name, label, _sql_key(sql)))


# The prior, before any comparison: named so in each pair's waterfall and on the model's chart.
PRIOR_LABEL = "Prior (before comparing)"


def label_of(name: str) -> str:
    """How a comparison is named to people (Splink's saved JSON keeps only its description)."""
    comparison = BY_NAME.get(name)
    return comparison.label if comparison else name
