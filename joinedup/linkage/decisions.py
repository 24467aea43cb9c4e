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

from collections.abc import Callable, Iterable
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

    given_exact: frozenset[int]
    given_different: frozenset[int]
    given_not_the_same_name: frozenset[int]
    family_exact: frozenset[int]
    family_swapped: frozenset[int]
    family_close: frozenset[int]
    dob_exact: frozenset[int]
    dob_different: frozenset[int]
    dob_corroborates: frozenset[int]
    sex_different: frozenset[int]
    postcode_same: frozenset[int]
    address_same: frozenset[int]
    nhs_exact: frozenset[int]
    nhs_corroborates: frozenset[int]
    nhs_different: frozenset[int]
    identifier_exact: frozenset[int] = frozenset()
    identifier_corroborates: frozenset[int] = frozenset()

    @classmethod
    def for_levels(cls, levels: Levels) -> Rules:
        by = dict(levels)
        return cls(
            given_exact=_gammas(by, "given", ("Exact",)),
            given_different=_gammas(by, "given", ("Different", "Different, same family and birth date")),
            # Close but not the same name: what twins given similar names look like.
            given_not_the_same_name=_gammas(
                by, "given", ("Close spelling", "Sounds alike", "Initial", "Mistyped nickname or its initial")
            ),
            family_exact=_gammas(by, "family", ("Exact",)),
            # The names in each other's places, whole or one of them (the other replaced).
            family_swapped=_gammas(by, "family", ("Given and family swapped", "Family name given as a forename")),
            # A slip apart, or a gendered form of one name (Kowalska and Kowalski, Novák and Nováková).
            family_close=_gammas(by, "family", ("Very close spelling", "Close spelling", "Shares a part (hyphenated)")),
            dob_exact=_gammas(by, "dob", ("Exact",)),
            dob_different=_gammas(by, "dob", ("Different",)),
            # A birth date that agrees or is one slip away.
            dob_corroborates=_gammas(
                by, "dob", ("Exact", "Day and month swapped", "One character off", "Year out by one")
            ),
            sex_different=_gammas(by, "sex", ("Different",)),
            postcode_same=_gammas(by, "postcode", ("Same address", "Same postcode")),
            address_same=_gammas(by, "postcode", ("Same address",)),
            nhs_exact=_gammas(by, "nhs_number", ("Exact",)),
            nhs_corroborates=_gammas(by, "nhs_number", ("Exact", "One transposition")),
            nhs_different=_gammas(by, "nhs_number", ("Different",)),
            identifier_exact=_gammas(by, "identifier", ("Exact",)),
            identifier_corroborates=_gammas(by, "identifier", ("Exact", "One character off")),
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
        if (
            row.get("gamma_given") in r.given_exact
            and row.get("gamma_family") in r.family_exact
            and (row.get("gamma_dob") in r.dob_exact)
        ):
            # A sibling's number on the wrong record is a known error: a person decides.
            return NHS_DIFFERENT_ALL_ELSE_AGREES
        return DIFFERENT_NHS
    given, family, dob = row.get("gamma_given"), row.get("gamma_family"), row.get("gamma_dob")
    if nhs in r.nhs_exact or row.get("gamma_identifier") in r.identifier_exact:
        # The same NHS number or UPN: issued once per child, so a slip in a date of birth beside
        # it is a slip, not another child. But given names that are not variants of each other
        # beside it may be a brother's or sister's number keyed on the wrong record (the known
        # error the NHS rule above allows for): a person decides, unless the birth date and
        # family name agree too, when the pair joins last, and only if no other child is in the
        # running for either record (`joins_last`).
        if given in r.given_different and family not in r.family_swapped and not joins_last(row, r):
            return SHARED_NUMBER_DIFFERENT_NAMES
        return ""
    if family in r.family_exact and dob in r.dob_exact:
        if given in r.given_different:
            return TWINS
        if given in r.given_not_the_same_name and row.get("gamma_sex") in r.sex_different:
            return "Similar given names but different sex, same family name and date of birth (twins?)"
    if family in r.family_close and dob in r.dob_exact and given in r.given_different:
        # Polish, Czech, Slovak and Lithuanian family names take a gendered form, so a brother and
        # sister born together (Antoni Lewandowski, Justyna Lewandowska) differ by a letter or two
        # in the family name, and a slip in one twin's surname looks the same. A person decides.
        return TWINS_SIMILAR_FAMILY
    if given in r.given_different and family in r.family_exact:
        if row.get("gamma_postcode") in r.postcode_same:
            return "Different given names, same family name and postcode (siblings?)"
    if dob in r.dob_different:
        return "Different dates of birth"
    return ""


TWINS = "Different given names, same family name and date of birth (twins?)"
TWINS_SIMILAR_FAMILY = (
    "Different given names, a similar family name and the same date of birth (twins, with a gendered family name?)"
)
SHARED_NUMBER_DIFFERENT_NAMES = (
    "The same NHS number or UPN, but different given names (a brother's or sister's number on one record?)"
)
DIFFERENT_NHS = "Different NHS numbers"
# Conflicts a person would answer the same way every time: twins given different names, and
# two different valid NHS numbers (the number is issued once per child). Pairs held apart by
# them are recorded, not queued: a review queue full of twins hides the pairs that need a person.
# A pair between two children a person has already decided are not one child (another pair
# between them, or a split): the question is answered, so a run records it, settled, and does
# not ask it again. A person who reopens the decision reopens the pairs it decided.
DECIDED_NOT_SAME = "Between two children a person decided are not the same child"
SETTLED_BY_RULE = frozenset({TWINS, DIFFERENT_NHS, DECIDED_NOT_SAME})


def joins_last(row: dict[str, Any], rules: Rules | None = None) -> bool:
    """Whether a pair shares an NHS number or UPN, birth date and family name, but not a given
    name: one child known by two forenames (a known-as or preferred name one system holds
    alone, a forename changed), or a twin's number keyed on the other twin's record.

    What tells them apart is the rest of the records. Health holds a record for every child
    born, so a twin who carries that other forename has records of their own, with a number of
    their own. Such a pair is joined after every other pair (so each record's other records
    have joined it first), only as a weak link, and only when no other child is in the running
    for either record (`Components.refusal`, `near_records`); otherwise a person decides. A
    girl's and a boy's record are two children: different sex keeps this a conflict.
    """
    r = rules or DEFAULT_RULES
    if not (row.get("gamma_nhs_number") in r.nhs_exact or row.get("gamma_identifier") in r.identifier_exact):
        return False
    return (
        row.get("gamma_given") in r.given_different
        and row.get("gamma_dob") in r.dob_exact
        # The family name agrees, or one record lacks it: a missing name says nothing against.
        and (row.get("gamma_family") in (r.family_exact | r.family_close) or row.get("gamma_family") == -1)
        and row.get("gamma_sex") not in r.sex_different
    )


def near_records(pairs: Callable[[], Iterable[tuple[Any, Any, bool, bool]]]) -> dict[Any, set[Any]]:
    """For each record of a pair that joins last, the records it is in the running with.

    `pairs()` gives (a, b, joins last, in the running) for each scored pair, and is read
    twice: in the running is scored at or above the review threshold, or held apart by a
    conflict (a twin, or a record with the same names and birth date but another NHS
    number). Only the records of pairs that join last are kept, so this stays small at any
    scale.
    """
    watched = {x for a, b, last, _ in pairs() if last for x in (a, b)}
    near: dict[Any, set[Any]] = {}
    if not watched:
        return near
    for a, b, last, running in pairs():
        if last or not running:
            continue
        if a in watched:
            near.setdefault(a, set()).add(b)
        if b in watched:
            near.setdefault(b, set()).add(a)
    return near


def settled_by_rule(reason: str) -> bool:
    """Whether a pair held apart for this reason needs no person (see SETTLED_BY_RULE)."""
    return reason in SETTLED_BY_RULE


NHS_DIFFERENT_ALL_ELSE_AGREES = (
    "Different NHS numbers, though the names and date of birth agree exactly (a sibling's number on one record?)"
)


def nhs_disagrees_all_else_agrees(row: dict[str, Any], rules: Rules | None = None) -> bool:
    """A pair to show a person however low it scores: the different NHS numbers pull it far
    below the thresholds, but everything else says it is one child."""
    return conflict_reason(row, rules) == NHS_DIFFERENT_ALL_ELSE_AGREES


def weak_link(row: dict[str, Any], rules: Rules | None = None) -> bool:
    """Whether a pair holds its records together without an exact date of birth, NHS number or
    address: enough to join two records, but not to chain groups of records (see Components)."""
    r = rules or DEFAULT_RULES
    if joins_last(row, r):
        return True  # the number holds it, the names do not (a twin shares the address): one per child
    if "gamma_dob" not in row or "gamma_nhs_number" not in row:
        return False
    # The same address (first line and postcode) holds a pair as firmly: a child's own records
    # with a slip in the date share one. A postcode alone does not: a street holds many children.
    if row.get("gamma_postcode") in r.address_same:
        return False
    if row.get("gamma_identifier") in r.identifier_exact:
        return False
    return row["gamma_dob"] not in r.dob_exact and row["gamma_nhs_number"] not in r.nhs_corroborates


NHS_SLIP, IDENTIFIERS_WEIGHED = 1, 2


def numbers_weighed(row: dict[str, Any], rules: Rules | None = None) -> int:
    """What a pair's own numbers let a join bring into one child (`Components.refusal`).

    NHS_SLIP: its NHS numbers are one slip apart, the same number keyed twice.
    IDENTIFIERS_WEIGHED: both records hold an identifier and their birth dates agree
    exactly, so the pair's score has weighed the two identifiers, agreeing or not, beside a
    date that holds it. An identifier is weaker evidence than an NHS number (no check digit
    everywhere, keyed by hand, and a school that cannot trace a child's UPN issues another:
    docs/decisions/0006), so the model weighs a pair's two; what it cannot weigh is two
    identifiers brought together through a record that holds neither.
    """
    r = rules or DEFAULT_RULES
    nhs, identifier = row.get("gamma_nhs_number"), row.get("gamma_identifier")
    weighed = NHS_SLIP if nhs in r.nhs_corroborates and nhs not in r.nhs_exact else 0
    if identifier is not None and identifier != -1 and row.get("gamma_dob") in r.dob_exact:
        weighed |= IDENTIFIERS_WEIGHED
    return weighed


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
    if row.get("gamma_identifier") in r.identifier_corroborates:
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
TOO_LARGE = "Would make a child of more than {cap} records: a person checks"
TWO_NHS_NUMBERS = "Would bring two different NHS numbers into one child: a person checks"
TWO_IDENTIFIERS = "Would bring two different UPNs or other identifiers into one child: a person checks"
OTHER_CHILD_IN_RUNNING = (
    "The same NHS number or UPN but different given names, and another child is in the running for one of the"
    " records (a brother's or sister's number on one record?)"
)
SECOND_WEAK_LINK = "Would chain groups of records through a second link without an exact date of birth or NHS number"
# One child's records from every agency, with a few duplicates each, stay well under this;
# a cluster beyond it is a sign of records chained through a common name (LINKAGE_MAX_CLUSTER).
DEFAULT_MAX_CLUSTER = 30


def max_cluster() -> int:
    from django.conf import settings

    if not settings.configured:
        return DEFAULT_MAX_CLUSTER
    return int(getattr(settings, "LINKAGE_MAX_CLUSTER", DEFAULT_MAX_CLUSTER))


class Components:
    """Records joined into components pair by pair (strongest first), never bringing together
    two records that must be kept apart: a conflict rule or a person said so. Twins scored
    apart must not be chained into one child through a third record that matches both.

    Nor may automatic joins run away: a model applied to a population it was not trained
    on can chain thousands of records through common names (Mohammed Hussain born a year
    apart, then a day apart...). So a component may hold at most one weak link (a pair
    without an exact date of birth or NHS number), and at most `cap` records; a join that
    would break either goes to a person (`refusal`).

    Nor may a chain bring two different NHS numbers into one child: the pair holding them
    may have scored too low to be seen at all (a sibling's number on one record), so the
    rule is on the components, not the pairs. Nor may a chain bring two different UPNs or
    other shared identifiers into one child through records that do not compare them: each
    is issued once per person (a brother's copied onto a sister's record is the known
    error). A pair that compares its own two beside the same birth date has weighed them
    (`numbers_weighed`). A temporary UPN, replaced by the permanent one, is left out by the
    caller (`features.lasting_identifier`).

    `start` maps each record to the component it begins in (its child today, or itself);
    `numbers` each record to its NHS number, where it has one; `identifiers` each record to
    its UPN or other identifier; `near` the records in the running with each record of a
    pair that joins last (`near_records`).
    """

    def __init__(
        self,
        start: dict[Any, Any],
        *,
        cap: int | None = None,
        numbers: dict[Any, str] | None = None,
        identifiers: dict[Any, str] | None = None,
        near: dict[Any, set[Any]] | None = None,
    ) -> None:
        self.component = dict(start)
        self.members: dict[Any, set[Any]] = {}
        for record, comp in start.items():
            self.members.setdefault(comp, set()).add(record)
        self.apart: dict[Any, set[Any]] = {}
        self.weak: set[Any] = set()  # components already holding a weak link
        self.cap = cap if cap is not None else max_cluster()
        # Each component's NHS numbers and identifiers (a child a person joined may already hold two).
        self.numbers = self._held(numbers)
        self.identifiers = self._held(identifiers)
        self.near = near or {}

    def _held(self, values: dict[Any, str] | None) -> dict[Any, set[str]]:
        held: dict[Any, set[str]] = {}
        for record, value in (values or {}).items():
            if value and record in self.component:
                held.setdefault(self.component[record], set()).add(value)
        return held

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

    def refusal(self, a: Any, b: Any, *, weak: bool = False, last: bool = False, weighed: int = 0) -> str:
        """Why a and b may not be joined automatically ("" if they may, or are already one).
        `last`: a pair that joins last (`joins_last`), refused if another child is in the
        running for either record. `weighed` (`numbers_weighed`): what the pair's own numbers
        let it bring into one child."""
        ca, cb = self.component[a], self.component[b]
        if ca == cb:
            return ""
        if self.would_join_apart(a, b):
            return KEPT_APART
        if last and any(self.component[n] not in (ca, cb) for n in self.near.get(a, set()) | self.near.get(b, set())):
            return OTHER_CHILD_IN_RUNNING
        if len(self.members[ca]) + len(self.members[cb]) > self.cap:
            return TOO_LARGE.format(cap=self.cap)
        if (ca in self.weak) + (cb in self.weak) + weak > 1:
            return SECOND_WEAK_LINK
        if not weighed & NHS_SLIP and _two(self.numbers, ca, cb):
            return TWO_NHS_NUMBERS
        if not weighed & IDENTIFIERS_WEIGHED and _two_identifiers(self.identifiers, ca, cb):
            return TWO_IDENTIFIERS
        return ""

    def join(self, a: Any, b: Any, *, weak: bool = False) -> bool:
        """Join a's and b's components (the smaller moves); False if already one."""
        ca, cb = self.component[a], self.component[b]
        if ca == cb:
            return False
        small, large = (ca, cb) if len(self.members[ca]) < len(self.members[cb]) else (cb, ca)
        for x in self.members[small]:
            self.component[x] = large
        self.members[large] |= self.members.pop(small)
        for held in (self.numbers, self.identifiers):
            if small in held:
                held.setdefault(large, set()).update(held.pop(small))
        if weak or small in self.weak:
            self.weak.add(large)
        self.weak.discard(small)
        return True


def _two(held: dict[Any, set[str]], ca: Any, cb: Any) -> bool:
    """Whether joining ca and cb would bring a value into a component that holds another."""
    a, b = held.get(ca, set()), held.get(cb, set())
    return bool(a and b and len(a | b) > max(len(a), len(b)))


def one_slip(x: str, y: str) -> bool:
    """Whether two identifiers are one keying slip apart: one character mistyped, or two
    side by side swapped, away from the last two characters.

    A UPN or National Insurance number copied by hand from a letter or another system picks
    up a slip anywhere in it. Numbers issued in sequence differ at the end (a UPN's serial
    number, and its check letter at the front: twins enrolled on one day), so a difference
    in the last two characters is never taken for a slip: twins keep their two numbers."""
    if len(x) != len(y) or x == y or len(x) < 6:
        return False
    diff = [i for i, (p, q) in enumerate(zip(x, y, strict=True)) if p != q]
    if diff[-1] >= len(x) - 2:
        return False
    if len(diff) == 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and x[diff[0]] == y[diff[1]] and x[diff[1]] == y[diff[0]]


def _two_identifiers(held: dict[Any, set[str]], ca: Any, cb: Any) -> bool:
    """`_two` for UPNs and other identifiers: a value one slip from a value across the join
    (`one_slip`) is the same number keyed twice, not a second child's."""
    if not _two(held, ca, cb):
        return False
    a, b = held[ca], held[cb]
    return not all(any(one_slip(x, y) for y in b) for x in a - b) or not all(
        any(one_slip(y, x) for x in a) for y in b - a
    )


def cluster(
    records: Iterable[Any],
    pairs: Iterable[dict[str, Any]],
    *,
    threshold: float,
    review_from: float = 0.5,
    rules: Rules | None = None,
    numbers: dict[Any, str] | None = None,
    identifiers: dict[Any, str] | None = None,
) -> tuple[Components, list[tuple[Any, Any, float, str]]]:
    """Join scored pairs into clusters as a linkage run does, without a database: strongest
    first (ties by record, so the same input gives the same clusters), conflicts kept apart,
    names alone never joining, and no runaway chains. Returns the components and the pairs
    a person should see (at or above `review_from`, or held apart by a reason): (a, b,
    probability, reason), strongest first.
    """
    # Strongest first, pairs that join last after all others; ties by record.
    scored = sorted(
        (
            (joins_last(p, rules), float(p["match_probability"]), str(p["unique_id_l"]), str(p["unique_id_r"]), p)
            for p in pairs
        ),
        key=lambda item: (item[0], -item[1], item[2], item[3]),
    )
    reasons = [review_reason(p, rules) for *_, p in scored]
    near = near_records(
        lambda: (
            (a, b, last, probability >= review_from or keeps_apart(reason))
            for (last, probability, a, b, _), reason in zip(scored, reasons, strict=True)
        )
    )
    components = Components({uid: uid for uid in records}, numbers=numbers, identifiers=identifiers, near=near)
    for (_, _, a, b, _), reason in zip(scored, reasons, strict=True):
        if keeps_apart(reason):
            components.keep_apart(a, b)
    review: list[tuple[Any, Any, float, str]] = []
    for (last, probability, a, b, row), reason in zip(scored, reasons, strict=True):
        if components.same(a, b) and not keeps_apart(reason):
            continue
        if not reason and probability >= threshold:
            weak = weak_link(row, rules)
            reason = components.refusal(a, b, weak=weak, last=last, weighed=numbers_weighed(row, rules))
            if not reason:
                components.join(a, b, weak=weak)
                continue
            if last:
                components.keep_apart(a, b)
        elif not reason and components.would_join_apart(a, b):
            reason = KEPT_APART
        if probability >= review_from or reason == NHS_DIFFERENT_ALL_ELSE_AGREES:
            review.append((a, b, probability, reason))
    return components, review
