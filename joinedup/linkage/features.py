"""Turning agency records into the columns the linkage model compares.

Pure functions over plain dicts, so the same preparation serves the
database (batch and intake matching) and files (`link_files`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from jellyfish import metaphone

from joinedup.core.names import equivalents, nickname_groups
from joinedup.core.text import fold, name_key

# The agency record's fields the model's features are made from (AgencyRecord.values(*RECORD_FIELDS)).
RECORD_FIELDS = (
    "id",
    "given_names",
    "family_name",
    "other_names",
    "date_of_birth",
    "sex",
    "postcode",
    "nhs_number",
    "address",
    "upn",
)

COLUMNS = (
    "unique_id",
    "given",
    "given_all",
    "given_group",
    "given_groups",
    "given_variants",
    "given_sound",
    "given_initial",
    "family",
    "family_initial",
    "family_parts",
    "other_keys",
    "other_groups",
    "dob",
    "dob_placeholder",
    "dob_year",
    "dob_month",
    "dob_day",
    "dob_ym",
    "sex",
    "postcode",
    "address",
    "postcode_sector",
    "postcode_district",
    "nhs_number",
    "identifier",
)


@lru_cache(maxsize=65536)
def _groups(given: str) -> tuple[str, ...]:
    """Keys of every nickname group the name is in (each group's alphabetically first name).

    A name can be in several groups (Joseph with Joe, and with Yusuf), so the
    model compares the lists: any shared group counts as a nickname match.
    """
    return tuple(sorted({min(group) for group in nickname_groups() if given in group}))


# Words health and other systems write in place of a name not yet known: "Baby",
# "Baby of Smith", "Twin 1", "Unborn", "Unknown", "NK". Compared as names they would
# make every newborn of one surname look alike; they are a missing name. Settings may
# add more (LINKAGE_PLACEHOLDER_NAMES), as agencies have their own.
PLACEHOLDER_WORDS = frozenset(
    {
        "baby", "babyboy", "babygirl", "infant", "newborn", "unborn", "twin", "triplet", "of", "boy", "girl",
        "unknown", "notknown", "not", "known", "nk", "tbc", "tba", "unnamed", "anon", "anonymous", "child",
        "male", "female", "one", "two", "three", "a", "b", "c", "1", "2", "3", "i", "ii", "iii",
    }
)  # fmt: skip
# A name made only of these words is a placeholder when it says so by one of them.
PLACEHOLDER_MARKERS = frozenset(
    {"baby", "babyboy", "babygirl", "infant", "newborn", "unborn", "twin", "triplet", "unknown", "notknown",
     "nk", "tbc", "tba", "unnamed", "anon", "anonymous"}
)  # fmt: skip


@lru_cache(maxsize=1)
def _extra_placeholders() -> frozenset[str]:
    from django.conf import settings

    if not settings.configured:
        return frozenset()
    return frozenset(name_key(w) for w in getattr(settings, "LINKAGE_PLACEHOLDER_NAMES", ()) if name_key(w))


def given_name_keys(given_names: str, family_name: str = "") -> list[str]:
    """The keys of every given name a record holds, in order, without placeholder words:
    "Baby of Smith" -> [], "Twin 1" -> [], "Mary-Jane Ann" -> ["maryjane", "ann"].

    A name is a placeholder only when a marker says so ("Baby", "Twin", "Unknown"):
    then its other words (the family name, "of", a number) are placeholders too.
    """
    keys = [name_key(t) for t in fold(given_names).split(" ") if name_key(t)]
    extra = _extra_placeholders()
    if extra and (name_key(given_names) in extra or any(k in extra for k in keys)):
        return [k for k in keys if k not in extra and k not in PLACEHOLDER_WORDS] if len(keys) > 1 else []
    if not any(k in PLACEHOLDER_MARKERS for k in keys) and name_key(given_names) not in PLACEHOLDER_MARKERS:
        return keys
    family = name_key(family_name)
    return [k for k in keys if k not in PLACEHOLDER_WORDS and k != family]


@lru_cache(maxsize=65536)
def _names(given_names: str, family_name: str, other_names: str) -> dict[str, Any]:
    given_all = given_name_keys(given_names, family_name)
    given = given_all[0] if given_all else None
    groups = _groups(given) if given else ()
    family = name_key(family_name) or None
    parts = sorted({name_key(p) for p in re.split(r"[-\s]+", family_name) if name_key(p)})
    others = sorted({name_key(n) for n in other_names.split(",") if name_key(n)})
    # The nickname groups of the other names, so a known-as "Bobby" meets its full form "Robert".
    other_groups = sorted({g for n in others for g in _groups(n)})
    return {
        "given": given,
        # Every given name, so a middle name used as the first name elsewhere is seen.
        "given_all": given_all if len(given_all) > 1 else None,
        "given_group": groups[0] if groups else None,
        "given_groups": list(groups) or None,
        "given_variants": sorted(equivalents().get(given, ())) or None if given else None,
        "given_sound": metaphone(given) or None if given else None,
        "given_initial": given[0] if given else None,
        "family": family,
        "family_initial": family[0] if family else None,
        "family_parts": parts or None,
        "other_keys": others or None,
        "other_groups": other_groups or None,
    }


# The row columns `_names` makes from a record's three name fields (and nothing else).
NAME_COLUMNS = (
    "given", "given_all", "given_group", "given_groups", "given_variants", "given_sound", "given_initial",
    "family", "family_initial", "family_parts", "other_keys", "other_groups",
)  # fmt: skip


# A date systems write when the real one is not known: it says nothing about the child.
NO_DATE = (dt.date(1900, 1, 1), dt.date(1901, 1, 1), dt.date(1800, 1, 1))


@lru_cache(maxsize=16384)
def _dob(date_of_birth: dt.date | None, placeholder: bool = False) -> dict[str, Any]:
    """The date of birth's parts. 1 January, and any date the file says is its default, is
    kept but flagged: many systems write 1 January when only the year is known, so it is
    weaker evidence than a real date, and never a disagreement."""
    if date_of_birth in NO_DATE:
        date_of_birth = None
    return {
        "dob": date_of_birth.isoformat() if date_of_birth else None,
        "dob_placeholder": bool(date_of_birth and (placeholder or (date_of_birth.month, date_of_birth.day) == (1, 1))),
        "dob_year": date_of_birth.year if date_of_birth else None,
        "dob_month": date_of_birth.month if date_of_birth else None,
        "dob_day": date_of_birth.day if date_of_birth else None,
        "dob_ym": date_of_birth.strftime("%Y-%m") if date_of_birth else None,
    }


STREET_WORDS = {
    "rd": "road", "st": "street", "ave": "avenue", "av": "avenue", "ln": "lane", "cl": "close",
    "ct": "court", "cres": "crescent", "dr": "drive", "gdns": "gardens", "gr": "grove", "pl": "place",
    "sq": "square", "ter": "terrace", "terr": "terrace", "wy": "way",
}  # fmt: skip


@lru_cache(maxsize=65536)
def address_key(address: str) -> str | None:
    """An address's first line (house and street), folded, punctuation dropped and street
    words spelled out: "12, Elm Rd., Radford" -> "12 elm road"."""
    parts = [p.strip() for p in fold(address or "").split(",") if p.strip()]
    if len(parts) > 1 and (not re.search(r"[a-z]{2}", parts[0]) or re.match(r"(flat|apartment|apt|unit)\b", parts[0])):
        parts = [f"{parts[0]} {parts[1]}", *parts[2:]]  # "12, Elm Road", "Flat 3, 12 Elm Road"
    words = re.sub(r"[^a-z0-9 ]", "", parts[0] if parts else "").split()
    return " ".join(STREET_WORDS.get(w, w) for w in words) or None


# A UK postcode, or the part of one a system kept: "NG10 4AB", "NG10 4" (sector), "NG10" (district).
_UK_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)(?: ?([0-9])([A-Z]{2})?)?$")


@lru_cache(maxsize=65536)
def _postcode(postcode: str) -> dict[str, Any]:
    """A postcode at the precision it has. A full UK postcode gives its sector and district;
    a partial one ("NG9", "NG10 4") only what it holds, so it still meets its sector or
    district elsewhere; a code from outside the UK is compared whole."""
    pc = re.sub(r"\s+", " ", postcode.strip().upper())
    if not pc:
        return {"postcode": None, "postcode_sector": None, "postcode_district": None}
    match = _UK_POSTCODE.match(pc) or _UK_POSTCODE.match(pc.replace(" ", ""))
    if match is None:
        # Not a UK postcode: compared whole (its "district" is itself, so it is never missing).
        return {"postcode": pc, "postcode_sector": None, "postcode_district": pc}
    district, sector_digit, unit = match.groups()
    return {
        "postcode": f"{district} {sector_digit}{unit}" if unit else None,
        "postcode_sector": f"{district} {sector_digit}" if sector_digit else None,
        "postcode_district": district,
    }


def features(
    *,
    unique_id: str,
    given_names: str,
    family_name: str,
    other_names: str = "",
    date_of_birth: dt.date | None = None,
    sex: str = "",
    postcode: str = "",
    nhs_number: str = "",
    address: str = "",
    dob_placeholder: bool = False,
    identifier: str = "",
) -> dict[str, Any]:
    """One record's comparison columns. The parts are memoised: names, dates and
    postcodes repeat across records, and intake matching builds hundreds per lookup."""
    return {
        "unique_id": unique_id,
        **_names(given_names or "", family_name or "", other_names or ""),
        **_dob(date_of_birth, dob_placeholder),
        "sex": sex if sex in {"F", "M"} else None,
        **_postcode(postcode or ""),
        "address": address_key(address),
        "nhs_number": nhs_number or None,
        "identifier": identifier_key(identifier),
    }


@lru_cache(maxsize=65536)
def identifier_key(value: str) -> str | None:
    """An identifier as compared: upper case, without the spaces and dashes systems add."""
    key = "".join(ch for ch in (value or "").upper() if ch.isalnum())
    return key or None


_TEMPORARY_UPN = re.compile(r"[A-Z]\d{11}[A-Z]")


def lasting_identifier(value: str | None) -> str | None:
    """An identifier as a cluster holds it, or None for a temporary UPN (a letter last): a
    school gives one until the permanent UPN is known, so a child may hold both."""
    key = identifier_key(value or "")
    if key is None or _TEMPORARY_UPN.fullmatch(key):
        return None
    return key


def partial_features(values: dict[str, Any]) -> dict[str, Any]:
    """The comparison columns other than names, for a record's raw values (cheap: all memoised).
    Intake matching uses them to rule out candidates before building the whole row."""
    return {
        **_dob(values.get("date_of_birth"), bool(values.get("dob_placeholder"))),
        "sex": values.get("sex") if values.get("sex") in {"F", "M"} else None,
        **_postcode(values.get("postcode") or ""),
        "address": address_key(values.get("address") or ""),
        "nhs_number": values.get("nhs_number") or None,
        "identifier": identifier_key(values.get("identifier") or values.get("upn") or ""),
    }


def row_from_partial(values: dict[str, Any], partial: dict[str, Any]) -> dict[str, Any]:
    """The row `records_to_rows` makes of a record's raw values, from its `partial_features`
    (so intake builds the parts other than the names once)."""
    names = _names(values.get("given_names") or "", values.get("family_name") or "", values.get("other_names") or "")
    return {"unique_id": str(values["id"]), **names, **partial}


def records_to_rows(records: Iterable[Any]) -> list[dict[str, Any]]:
    """Agency records (model instances or value dicts) to feature rows keyed by record id."""
    rows = []
    for r in records:
        values: dict[str, Any] = r if isinstance(r, dict) else vars(r)
        rows.append(
            features(
                unique_id=str(values["id"]),
                given_names=values.get("given_names") or "",
                family_name=values.get("family_name") or "",
                other_names=values.get("other_names") or "",
                date_of_birth=values.get("date_of_birth"),
                sex=values.get("sex") or "",
                postcode=values.get("postcode") or "",
                nhs_number=values.get("nhs_number") or "",
                address=values.get("address") or "",
                dob_placeholder=bool(values.get("dob_placeholder")),
                # An agency record's UPN; an extract's row may map another identifier.
                identifier=values.get("identifier") or values.get("upn") or "",
            )
        )
    return rows


def records_to_table(records: Iterable[Any], *, batch_size: int = 50_000) -> Any:
    """Agency records to one Arrow table of feature columns, a batch at a time.

    For batch linkage: a million records as Python dicts would take gigabytes;
    as Arrow columns they take a fraction of that, and Splink reads them as is.
    """
    import pyarrow as pa

    batches = []
    chunk: list[Any] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == batch_size:
            batches.extend(to_arrow(records_to_rows(chunk)).to_batches())
            chunk = []
    if chunk:
        batches.extend(to_arrow(records_to_rows(chunk)).to_batches())
    return pa.Table.from_batches(batches, schema=arrow_schema())


def arrow_schema() -> Any:
    import pyarrow as pa

    return pa.schema(
        [
            ("unique_id", pa.string()),
            ("given", pa.string()),
            ("given_all", pa.list_(pa.string())),
            ("given_group", pa.string()),
            ("given_groups", pa.list_(pa.string())),
            ("given_variants", pa.list_(pa.string())),
            ("given_sound", pa.string()),
            ("given_initial", pa.string()),
            ("family", pa.string()),
            ("family_initial", pa.string()),
            ("family_parts", pa.list_(pa.string())),
            ("other_keys", pa.list_(pa.string())),
            ("other_groups", pa.list_(pa.string())),
            ("dob", pa.string()),
            ("dob_placeholder", pa.bool_()),
            ("dob_year", pa.int32()),
            ("dob_month", pa.int32()),
            ("dob_day", pa.int32()),
            ("dob_ym", pa.string()),
            ("sex", pa.string()),
            ("postcode", pa.string()),
            ("address", pa.string()),
            ("postcode_sector", pa.string()),
            ("postcode_district", pa.string()),
            ("nhs_number", pa.string()),
            ("identifier", pa.string()),
        ]
    )


def to_arrow(rows: list[dict[str, Any]]) -> Any:
    import pyarrow as pa

    return pa.Table.from_pylist(rows, schema=arrow_schema())
