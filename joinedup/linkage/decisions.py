"""What a scored pair decides: the conflict rules, corroboration, and the order of joins.

Every path that joins records (intake, linkage runs, `link_files`) asks the
same question of a scored pair, `review_reason`: "" when it may be joined
automatically, otherwise why a person must decide. And every path that
joins many pairs at once builds components with `Components`, so that
records held apart are never chained together through a third.

The rules read each comparison's level by its label, through the saved
model's own levels (`rules_for`): a model trained before a level was added
numbers its levels differently, and must still be read correctly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from joinedup.linkage.comparisons import COMPARISONS, gamma_of

Levels = tuple[tuple[str, tuple[str, ...]], ...]  # (comparison, its non-null level labels), as a model holds them


def _gammas(levels: dict[str, tuple[str, ...]], name: str, labels: Iterable[str]) -> frozenset[int]:
    held = list(levels.get(name, ()))
    return frozenset(gamma_of(name, held, label) for label in labels if label in held)


@dataclass(frozen=True)
class Rules:
    """The level numbers each rule reads, for one model's comparisons."""

    given_different: frozenset[int]
    given_not_the_same_name: frozenset[int]
    family_exact: frozenset[int]
    dob_exact: frozenset[int]
    dob_different: frozenset[int]
    dob_corroborates: frozenset[int]
    sex_different: frozenset[int]
    postcode_same: frozenset[int]
    nhs_exact: frozenset[int]
    nhs_corroborates: frozenset[int]
    nhs_different: frozenset[int]

    @classmethod
    def for_levels(cls, levels: Levels) -> Rules:
        by = dict(levels)
        return cls(
            given_different=_gammas(by, "given", ("Different", "Different, same family and birth date")),
            # Close but not the same name: what twins given similar names look like.
            given_not_the_same_name=_gammas(
                by, "given", ("Close spelling", "Sounds alike", "Initial", "Mistyped nickname or its initial")
            ),
            family_exact=_gammas(by, "family", ("Exact",)),
            dob_exact=_gammas(by, "dob", ("Exact",)),
            dob_different=_gammas(by, "dob", ("Different",)),
            # A birth date that agrees or is one slip away.
            dob_corroborates=_gammas(
                by, "dob", ("Exact", "Day and month swapped", "One character off", "Year out by one")
            ),
            sex_different=_gammas(by, "sex", ("Different",)),
            postcode_same=_gammas(by, "postcode", ("Same address", "Same postcode")),
            nhs_exact=_gammas(by, "nhs_number", ("Exact",)),
            nhs_corroborates=_gammas(by, "nhs_number", ("Exact", "One transposition")),
            nhs_different=_gammas(by, "nhs_number", ("Different",)),
        )


def levels_of(parameters: dict[str, Any]) -> Levels:
    """A saved model's comparisons and their non-null level labels, in order."""
    return tuple(
        (
            c["output_column_name"],
            tuple(lv.get("label_for_charts", "") for lv in c["comparison_levels"] if not lv.get("is_null_level")),
        )
        for c in parameters.get("comparisons", [])
    )


@lru_cache(maxsize=64)
def _rules(levels: Levels) -> Rules:
    return Rules.for_levels(levels)


def rules_for(parameters: dict[str, Any] | None = None) -> Rules:
    """The rules for a saved model's levels; None: today's comparisons (comparisons.py)."""
    if parameters is None:
        return DEFAULT_RULES
    return _rules(levels_of(parameters))


DEFAULT_RULES = Rules.for_levels(
    tuple((c.name, tuple(lv.label for lv in c.levels if not lv.null)) for c in COMPARISONS)
)


def conflict_reason(row: dict[str, Any], rules: Rules | None = None) -> str:
    """Why a pair must not be joined without a person deciding, however high its score.

    Fellegi-Sunter weighs each comparison as if independent, which fails for
    the commonest false matches in child records: twins and siblings share a
    family name, an address and (twins) a birth date. So a person decides.
    """
    r = rules or DEFAULT_RULES
    a, b = row.get("nhs_number_l"), row.get("nhs_number_r")
    nhs = row.get("gamma_nhs_number")
    if a and b and a != b and nhs in r.nhs_different:
        return "Different NHS numbers"
    if nhs in r.nhs_exact:
        # The same NHS number: twins and siblings never share one.
        return ""
    given, family, dob = row.get("gamma_given"), row.get("gamma_family"), row.get("gamma_dob")
    if family in r.family_exact and dob in r.dob_exact:
        if given in r.given_different:
            return "Different given names, same family name and date of birth (twins?)"
        if given in r.given_not_the_same_name and row.get("gamma_sex") in r.sex_different:
            return "Similar given names but different sex, same family name and date of birth (twins?)"
    if given in r.given_different and family in r.family_exact:
        if row.get("gamma_postcode") in r.postcode_same:
            return "Different given names, same family name and postcode (siblings?)"
    if dob in r.dob_different:
        return "Different dates of birth"
    return ""


NAMES_ONLY = "Only the names agree: no date of birth, NHS number or address corroborates them"


def uncorroborated_reason(row: dict[str, Any], rules: Rules | None = None) -> str:
    """Why a pair whose names are all that agree may not be joined automatically.

    Common names make "the same name" weak evidence however the model weighs
    it: a record with only a name must not take a child's whole history with
    it. Unlike a conflict this says nothing against the pair, so it sends the
    pair to a person without keeping the records apart. A model without these
    comparisons (a test's empty model) cannot tell, so the rule does not apply.
    """
    r = rules or DEFAULT_RULES
    columns = ("gamma_dob", "gamma_postcode", "gamma_nhs_number")
    if not all(column in row for column in columns):
        return ""
    if row["gamma_dob"] in r.dob_corroborates:
        return ""
    if row["gamma_postcode"] in r.postcode_same:
        return ""
    if row["gamma_nhs_number"] in r.nhs_corroborates:
        return ""
    return NAMES_ONLY


def review_reason(row: dict[str, Any], rules: Rules | None = None) -> str:
    """The shared decision rule of every path (intake, linkage runs, link_files): why a pair,
    however strong, goes to a person; "" when it may be joined automatically."""
    return conflict_reason(row, rules) or uncorroborated_reason(row, rules)


def keeps_apart(reason: str) -> bool:
    """Whether a review reason says the records must not be chained together through a third
    (a conflict), rather than only that the evidence is too thin to join them unseen."""
    return bool(reason) and reason != NAMES_ONLY


KEPT_APART = "Would join records that must be kept apart"


class Components:
    """Records joined into components pair by pair (strongest first), never bringing together
    two records that must be kept apart: a conflict rule or a person said so. Twins scored
    apart must not be chained into one child through a third record that matches both.

    `start` maps each record to the component it begins in (its child today, or itself).
    """

    def __init__(self, start: dict[Any, Any]) -> None:
        self.component = dict(start)
        self.members: dict[Any, set[Any]] = {}
        for record, comp in start.items():
            self.members.setdefault(comp, set()).add(record)
        self.apart: dict[Any, set[Any]] = {}

    def keep_apart(self, a: Any, b: Any) -> None:
        self.apart.setdefault(a, set()).add(b)
        self.apart.setdefault(b, set()).add(a)

    def same(self, a: Any, b: Any) -> bool:
        return bool(self.component[a] == self.component[b])

    def would_join_apart(self, a: Any, b: Any) -> bool:
        ca, cb = self.component[a], self.component[b]
        if ca == cb:
            return False
        small, large = sorted((self.members[ca], self.members[cb]), key=len)
        return any(self.apart.get(x, set()) & large for x in small)

    def join(self, a: Any, b: Any) -> bool:
        """Join a's and b's components (the smaller moves); False if already one."""
        ca, cb = self.component[a], self.component[b]
        if ca == cb:
            return False
        small, large = (ca, cb) if len(self.members[ca]) < len(self.members[cb]) else (cb, ca)
        for x in self.members[small]:
            self.component[x] = large
        self.members[large] |= self.members.pop(small)
        return True
