"""Synthetic children and the agency records that describe them.

Pure Python, no database: `generate_people` invents children (Faker en_GB
name lists), `records_for` writes each child into the records that several
agencies would hold, with the errors and differences real records have:
typos, nicknames, initials, swapped day and month, hyphenated and changed
surnames, given and family names swapped, an old address across the
boundary, missing NHS numbers. It also makes the hard negatives: twins and
siblings who share a surname and address, and unrelated children who share
common names. Each family has a heritage group (demo/heritage.py) with its
own name pools, and its records the differences those names have between
systems: transliterated spellings (Mohammed, Muhammad), letters dropped
(Łukasz keyed as Lukasz). Every person is invented; NHS numbers are drawn from the 999
range, which the NHS never issues to patients.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from faker.providers.person.en_GB import Provider as PersonProvider

from joinedup.core.names import equivalents
from joinedup.core.validators import nhs_check_digit, upn_check_letter
from joinedup.demo import heritage
from joinedup.demo.heritage import Family

# Names popular among children born 2008-2025, added to Faker's (older) lists
# so the demo looks like a children's caseload.
_CHILD_NAMES_F = (
    "Olivia Amelia Isla Ava Mia Ivy Lily Isabella Sophia Grace Freya Florence Willow Evie Ella "
    "Poppy Emily Aisha Maryam Fatima Zara Chloe Jessica Ruby Leah Kayleigh Nevaeh Skye Amber Megan "
    "Charlotte Eleanor Abigail Sophie Zoe Georgia Millie Darcie Harper Layla Imogen Hollie Maisie"
).split()
_CHILD_NAMES_M = (
    "Muhammad Noah Oliver George Leo Arthur Oscar Harry Jack Charlie Theo Freddie Alfie Archie "
    "Henry Jacob Thomas Joshua Kai Mason Tyler Callum Kieran Connor Jayden Reuben Ibrahim Yusuf "
    "Daniel Lewis Nathan Riley Logan Ethan Liam Dylan Jordan Aidan Declan Samuel Max Harrison"
).split()
_STREET_KINDS = ("Road", "Street", "Close", "Avenue", "Lane", "Drive", "Way", "Crescent", "Grove", "Gardens")
_POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass(frozen=True, slots=True)
class Prefix:
    prefix: str
    district: str
    area: str


@dataclass(frozen=True, slots=True)
class AgencySpec:
    name: str
    agency_type: str
    areas: tuple[str, ...]
    code: str


@dataclass(slots=True)
class Person:
    key: int
    family_key: int | None
    given: str
    middle: str
    family: str
    sex: str
    date_of_birth: dt.date
    nhs_number: str
    upn: str
    postcode: str
    address: str
    area: str
    school: str
    # A previous home, often across the boundary, that some agencies still hold.
    old_postcode: str = ""
    old_address: str = ""
    previous_family: str = ""
    heritage: str = ""
    roots: Family | None = None


@dataclass(slots=True)
class RecordSpec:
    person_key: int
    family_key: int | None
    agency: str
    local_id: str
    given_names: str
    family_name: str
    other_names: str
    date_of_birth: dt.date | None
    sex: str
    nhs_number: str
    upn: str
    address: str
    postcode: str
    school: str
    corruptions: list[str] = field(default_factory=list)
    heritage: str = ""


def _name_weights(n: int, offset: int = 30) -> list[float]:
    """Weights for n given names in order of popularity (Zipf-Mandelbrot, 1 / (rank + offset)).

    Common names are much commoner than rare ones, so unrelated children share
    names the way real caseloads do, in about real proportions: ONS baby names
    for England and Wales give the top name about 1.5% of births and the top
    ten about 12%. With about 200 names this gives the top name 1.6% and the
    top ten 14%. (A plain Zipf law, 1 / rank, gave the top name 19%: one boy in
    five called Muhammad, one girl in five Olivia, and far more same-name,
    same-birthday strangers than any partnership has.) The pool has no long
    tail of rare names, so names still collide more often than in life.
    """
    return [1.0 / (rank + offset) for rank in range(1, n + 1)]


class _Pools:
    def __init__(self) -> None:
        female = list(dict.fromkeys(_CHILD_NAMES_F + list(PersonProvider.first_names_female)))
        male = list(dict.fromkeys(_CHILD_NAMES_M + list(PersonProvider.first_names_male)))
        self.female, self.female_w = female, _name_weights(len(female))
        self.male, self.male_w = male, _name_weights(len(male))
        surnames = sorted(PersonProvider.last_names.items(), key=lambda kv: -kv[1])
        self.surnames = [name for name, _ in surnames]
        self.surname_w = [max(w, 0.01) for _, w in surnames]


class Generator:
    """Deterministic for a given seed: the same seed gives the same partnership."""

    def __init__(
        self,
        *,
        seed: int,
        prefixes: Sequence[Prefix],
        agencies: Sequence[AgencySpec],
        schools: dict[str, list[str]],
        today: dt.date,
    ) -> None:
        self.rng = random.Random(seed)
        # Heritage, the names that follow from it and their spellings come from a stream of
        # their own, so the main stream (dates, numbers, addresses, agencies) is as before.
        self.hrng = random.Random(f"heritage:{seed}")
        self.prefixes = list(prefixes)
        self.by_area: dict[str, list[Prefix]] = {}
        for p in self.prefixes:
            self.by_area.setdefault(p.area, []).append(p)
        self.areas = sorted(self.by_area)
        self.agencies = list(agencies)
        self.schools = schools
        self.today = today
        self.pools = _Pools()
        self._nhs_used: set[str] = set()
        self._local_seq: dict[str, int] = {}
        self._nick = equivalents()

    # --- people ---------------------------------------------------------------

    def _given(self, sex: str) -> str:
        pool, weights = (self.pools.female, self.pools.female_w) if sex == "F" else (self.pools.male, self.pools.male_w)
        return self.rng.choices(pool, weights)[0]

    def _surname(self) -> str:
        return self.rng.choices(self.pools.surnames, self.pools.surname_w)[0]

    def _nhs(self) -> str:
        while True:
            body = "999" + "".join(self.rng.choices("0123456789", k=6))
            check = nhs_check_digit(body)
            if check is None:
                continue
            number = f"{body}{check}"
            if number not in self._nhs_used:
                self._nhs_used.add(number)
                return number

    def _upn(self, area: str, dob: dt.date) -> str:
        la = "892" if area == "City" else "891"
        body = f"{la}{self.rng.randint(1000, 7999)}{(dob.year + 5) % 100:02d}{self.rng.randint(0, 999):03d}"
        return upn_check_letter(body) + body

    def _postcode(self, area: str) -> tuple[str, str]:
        prefix = self.rng.choice(self.by_area[area])
        if " " in prefix.prefix:
            outward, sector = prefix.prefix.split(" ")
        else:
            outward, sector = prefix.prefix, str(self.rng.randint(1, 9))
        unit = "".join(self.rng.choices(_POSTCODE_LETTERS, k=2))
        return f"{outward} {sector}{unit}", prefix.area

    def _address(self) -> str:
        return f"{self.rng.randint(1, 240)} {self._surname()} {self.rng.choice(_STREET_KINDS)}"

    def _dob(self) -> dt.date:
        age_days = self.rng.randint(0, 18 * 365 - 1)
        return self.today - dt.timedelta(days=age_days)

    def _person(self, key: int, *, family_key: int | None = None, sibling_of: Person | None = None) -> Person:
        sex = self.rng.choice("FM")
        area = self.rng.choices(self.areas, weights=[0.45 if a == "City" else 0.55 for a in self.areas])[0]
        postcode, area = self._postcode(area)
        person = Person(
            key=key,
            family_key=family_key,
            given=self._given(sex),
            middle=self._given(sex) if self.rng.random() < 0.6 else "",
            family=self._surname(),
            sex=sex,
            date_of_birth=self._dob(),
            nhs_number=self._nhs(),
            upn="",
            postcode=postcode,
            address=self._address(),
            area=area,
            school="",
        )
        self._heritage_names(person, sibling_of)
        if sibling_of is not None:
            person.postcode, person.address, person.area = sibling_of.postcode, sibling_of.address, sibling_of.area
        if self.rng.random() < 0.12:
            # Moved house in the last few years; half of moves cross the boundary.
            other = [a for a in self.areas if a != person.area] if self.rng.random() < 0.5 else [person.area]
            person.old_postcode, _ = self._postcode(self.rng.choice(other))
            person.old_address = self._address()
        if self.rng.random() < 0.04:
            person.previous_family = self._surname()
        self._school(person)
        return person

    def _heritage_names(self, person: Person, sibling_of: Person | None) -> None:
        """The family's heritage (a sibling's is the family's) and names from its pools, drawn from
        the heritage stream; White British children keep the main stream's names."""
        roots = sibling_of.roots if sibling_of is not None and sibling_of.roots else heritage.family(self.hrng)
        person.roots, person.heritage = roots, roots.group
        person.given = self._heritage_given(person, person.given)
        if person.middle:
            person.middle = self._heritage_given(person, person.middle)
        if not roots.surname:
            surname = person.family
            if roots.surname_origin:
                surname = heritage.POOLS[roots.surname_origin].surname(self.hrng)
            else:
                for _ in range(50):
                    if surname not in heritage.NOT_WHITE_BRITISH_FAMILY:
                        break
                    surname = self.pools.surnames[self._hpick(self.pools.surname_w)]
            roots.surname = surname
        origin = roots.surname_origin or ""
        person.family = heritage.feminine(roots.surname, origin) if person.sex == "F" else roots.surname

    def _hpick(self, weights: list[float]) -> int:
        return self.hrng.choices(range(len(weights)), weights)[0]

    def _heritage_given(self, person: Person, main: str) -> str:
        assert person.roots is not None  # noqa: S101 - set by _heritage_names
        name = heritage.given(self.hrng, person.roots, person.sex, main)
        if person.roots.origin is None or name == main:
            pool, weights = (
                (self.pools.female, self.pools.female_w) if person.sex == "F" else (self.pools.male, self.pools.male_w)
            )
            for _ in range(50):
                if person.roots.group != heritage.WHITE_BRITISH or name not in heritage.NOT_WHITE_BRITISH_GIVEN:
                    break
                name = pool[self._hpick(weights)]
        return name

    def _school(self, person: Person) -> None:
        age = (self.today - person.date_of_birth).days // 365
        if age >= 4:
            person.school = self.rng.choice(self.schools[person.area])
            person.upn = self._upn(person.area, person.date_of_birth)

    def _distinct_given(self, sex: str, taken: list[str]) -> str:
        # Siblings and twins have names that are not variants of each other.
        for _ in range(50):
            name = self._given(sex)
            if all(name.lower() not in self._nick.get(t.lower(), {t.lower()}) for t in taken):
                return name
        return name

    def _distinct_from(self, name: str, taken: list[str]) -> bool:
        low = name.lower()
        for t in taken:
            t = t.lower()
            if low in self._nick.get(t, {t}) or low in heritage.TRANSLITERATIONS.get(t, ()):
                return False
        return True

    def _heritage_distinct_given(self, person: Person, main: str, taken: list[str]) -> str:
        """A sibling's given name from the family's pools, not a variant of a brother's or sister's."""
        name = self._heritage_given(person, main)
        for _ in range(50):
            if self._distinct_from(name, taken):
                return name
            name = self._heritage_given(person, self._distinct_given_h(person.sex, taken))
        return name

    def _distinct_given_h(self, sex: str, taken: list[str]) -> str:
        pool, weights = (self.pools.female, self.pools.female_w) if sex == "F" else (self.pools.male, self.pools.male_w)
        for _ in range(50):
            name = pool[self._hpick(weights)]
            if self._distinct_from(name, taken):
                return name
        return name

    def generate_people(self, count: int, *, start_key: int = 1) -> Iterator[Person]:
        """`count` children; about 1 in 8 belong to a sibling group, some of them twins."""
        key = start_key
        end = start_key + count
        while key < end:
            if self.rng.random() < 0.05 and end - key >= 2:
                size = min(self.rng.choice((2, 2, 2, 3)), end - key)
                first = self._person(key, family_key=key)
                members = [first]
                twins = self.rng.random() < 0.3
                for offset in range(1, size):
                    sibling = self._person(key + offset, family_key=key, sibling_of=first)
                    main = self._distinct_given(sibling.sex, [m.given for m in members])
                    sibling.given = self._heritage_distinct_given(sibling, main, [m.given for m in members])
                    if twins and offset == 1:
                        sibling.date_of_birth = first.date_of_birth
                        sibling.school = first.school
                        sibling.upn = self._upn(sibling.area, sibling.date_of_birth) if first.school else ""
                    members.append(sibling)
                yield from members
                key += size
            else:
                yield self._person(key)
                key += 1

    # --- records --------------------------------------------------------------

    _HOLD_WEIGHTS = {
        "education": 0.8,
        "health": 0.55,
        "police": 0.3,
        "childrens_social_care": 0.35,
        "early_help": 0.3,
        "youth_justice": 0.08,
        "third_sector": 0.12,
    }
    _NHS_HELD = {
        "health": 0.95,
        "childrens_social_care": 0.6,
        "early_help": 0.4,
        "police": 0.25,
        "education": 0.15,
        "youth_justice": 0.5,
        "third_sector": 0.05,
    }

    def _holders(self, person: Person) -> list[AgencySpec]:
        age = (self.today - person.date_of_birth).days // 365
        # A child who moved is known to agencies on both sides of the boundary.
        areas = set(self.areas) if person.old_postcode else {person.area}
        candidates = []
        for agency in self.agencies:
            if not areas.intersection(agency.areas):
                continue
            weight = self._HOLD_WEIGHTS.get(agency.agency_type, 0.1)
            if agency.agency_type == "education" and age < 4:
                continue
            if agency.agency_type == "youth_justice" and age < 10:
                continue
            if agency.agency_type == "education" and person.area not in agency.areas:
                weight *= 0.3
            candidates.append((agency, weight))
        count = self.rng.choices((1, 2, 3, 4, 5, 6), weights=(30, 30, 20, 11, 6, 3))[0]
        chosen: list[AgencySpec] = []
        pool = list(candidates)
        while pool and len(chosen) < count:
            agency = self.rng.choices([a for a, _ in pool], weights=[w for _, w in pool])[0]
            chosen.append(agency)
            pool = [(a, w) for a, w in pool if a is not agency]
        return chosen

    def _local_id(self, agency: AgencySpec) -> str:
        seq = self._local_seq.get(agency.code, 0) + 1
        self._local_seq[agency.code] = seq
        return f"{agency.code}-{seq:07d}"

    def _typo(self, text: str) -> str:
        if len(text) < 3:
            return text
        i = self.rng.randrange(1, len(text) - 1)
        kind = self.rng.randrange(4)
        if kind == 0:
            return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        if kind == 1:
            return text[:i] + text[i + 1 :]
        if kind == 2:
            return text[:i] + text[i] + text[i:]
        return text[:i] + self.rng.choice("aeiourstnl") + text[i + 1 :]

    def _nickname(self, name: str) -> str | None:
        options = sorted(self._nick.get(name.lower(), frozenset()) - {name.lower()})
        return self.rng.choice(options).capitalize() if options else None

    # How often a later agency's record spells a transliterated name another way: each system
    # keys what it hears or reads, and none is wrong. Rough: most such children's records in
    # more than two systems show two spellings somewhere.
    _TRANSLITERATED_GIVEN = 0.2
    _TRANSLITERATED_FAMILY = 0.15
    _ACCENTS_DROPPED = 0.3

    def _spelling(self, person: Person, given: str, family: str, changes: list[str]) -> tuple[str, str]:
        """A later record's spelling of the child's names, drawn from the heritage stream."""
        h = self.hrng
        if person.heritage in heritage.TRANSLITERATED:
            first, _, rest = given.partition(" ")
            if h.random() < self._TRANSLITERATED_GIVEN and (other := heritage.variant(first, h)):
                given = f"{other} {rest}".strip()
                changes.append("transliterated_given")
            if h.random() < self._TRANSLITERATED_FAMILY and (other := heritage.variant(family, h)):
                family = other
                changes.append("transliterated_family")
        elif person.heritage in heritage.ACCENTS_DROPPED_GROUPS and h.random() < self._ACCENTS_DROPPED:
            plain_given, plain_family = heritage.without_accents(given), heritage.without_accents(family)
            if (plain_given, plain_family) != (given, family):
                given, family = plain_given, plain_family
                changes.append("accents_dropped")
        return given, family

    def records_for(self, person: Person) -> list[RecordSpec]:
        records = []
        for index, agency in enumerate(self._holders(person)):
            rng = self.rng
            changes: list[str] = []
            given, family, other = person.given, person.family, ""
            dob: dt.date | None = person.date_of_birth
            postcode, address = person.postcode, person.address
            # The first holder keeps a clean record; the others drift.
            if index > 0:
                if rng.random() < 0.15 and (nick := self._nickname(given)):
                    given, other = nick, person.given
                    changes.append("nickname")
                elif rng.random() < 0.05:
                    given = self._typo(given)
                    changes.append("given_typo")
                elif rng.random() < 0.03:
                    given = given[0]
                    changes.append("initial")
                if rng.random() < 0.06:
                    family = self._typo(family)
                    changes.append("family_typo")
                elif rng.random() < 0.04:
                    family = f"{family}-{self._surname()}"
                    changes.append("hyphenated")
                elif person.previous_family and rng.random() < 0.5:
                    family = person.previous_family
                    changes.append("previous_surname")
                if rng.random() < 0.02:
                    given, family = family, given
                    changes.append("swapped_names")
                if dob is not None and dob.day <= 12 and dob.day != dob.month and rng.random() < 0.03:
                    dob = dob.replace(day=dob.month, month=dob.day)
                    changes.append("day_month_swapped")
                elif dob is not None and rng.random() < 0.02:
                    year = dob.year + rng.choice((-1, 1))
                    dob = dob.replace(year=year) if not (dob.month == 2 and dob.day == 29) else dob
                    changes.append("year_off")
                elif rng.random() < 0.04:
                    dob = None
                    changes.append("no_dob")
                if person.old_postcode and rng.random() < 0.5:
                    postcode, address = person.old_postcode, person.old_address
                    changes.append("old_address")
                elif rng.random() < 0.06:
                    postcode, address = "", ""
                    changes.append("no_address")
                given, family = self._spelling(person, given, family, changes)
            if person.middle and rng.random() < 0.15:
                given = f"{given} {person.middle}"
            if person.previous_family and family != person.previous_family and rng.random() < 0.3:
                other = ", ".join(filter(None, [other, person.previous_family]))
            nhs = person.nhs_number if rng.random() < self._NHS_HELD.get(agency.agency_type, 0.1) else ""
            if not nhs:
                changes.append("no_nhs")
            sex = person.sex if rng.random() > 0.03 else "U"
            records.append(
                RecordSpec(
                    person_key=person.key,
                    family_key=person.family_key,
                    agency=agency.name,
                    local_id=self._local_id(agency),
                    given_names=given,
                    family_name=family,
                    other_names=other,
                    date_of_birth=dob,
                    sex=sex,
                    nhs_number=nhs,
                    upn=person.upn if agency.agency_type == "education" else "",
                    address=address,
                    postcode=postcode,
                    school=person.school if agency.agency_type in {"education", "health"} else "",
                    corruptions=changes,
                    heritage=person.heritage,
                )
            )
        return records
