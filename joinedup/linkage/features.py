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
from joinedup.core.text import first_name_key, fold, name_key

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
)

COLUMNS = (
    "unique_id",
    "given",
    "given_group",
    "given_groups",
    "given_variants",
    "given_sound",
    "given_initial",
    "family",
    "family_initial",
    "family_parts",
    "other_keys",
    "dob",
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
)


@lru_cache(maxsize=65536)
def _groups(given: str) -> tuple[str, ...]:
    """Keys of every nickname group the name is in (each group's alphabetically first name).

    A name can be in several groups (Joseph with Joe, and with Yusuf), so the
    model compares the lists: any shared group counts as a nickname match.
    """
    return tuple(sorted({min(group) for group in nickname_groups() if given in group}))


@lru_cache(maxsize=65536)
def _names(given_names: str, family_name: str, other_names: str) -> dict[str, Any]:
    given = first_name_key(given_names) or None
    groups = _groups(given) if given else ()
    family = name_key(family_name) or None
    parts = sorted({name_key(p) for p in re.split(r"[-\s]+", family_name) if name_key(p)})
    others = sorted({name_key(n) for n in other_names.split(",") if name_key(n)})
    return {
        "given": given,
        "given_group": groups[0] if groups else None,
        "given_groups": list(groups) or None,
        "given_variants": sorted(equivalents().get(given, ())) or None if given else None,
        "given_sound": metaphone(given) or None if given else None,
        "given_initial": given[0] if given else None,
        "family": family,
        "family_initial": family[0] if family else None,
        "family_parts": parts or None,
        "other_keys": others or None,
    }


@lru_cache(maxsize=16384)
def _dob(date_of_birth: dt.date | None) -> dict[str, Any]:
    return {
        "dob": date_of_birth.isoformat() if date_of_birth else None,
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


@lru_cache(maxsize=65536)
def _postcode(postcode: str) -> dict[str, Any]:
    pc = postcode.strip().upper() or None
    return {
        "postcode": pc,
        "postcode_sector": pc[:-2] if pc else None,
        "postcode_district": pc.split(" ")[0] if pc else None,
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
) -> dict[str, Any]:
    """One record's comparison columns. The parts are memoised: names, dates and
    postcodes repeat across records, and intake matching builds hundreds per lookup."""
    return {
        "unique_id": unique_id,
        **_names(given_names or "", family_name or "", other_names or ""),
        **_dob(date_of_birth),
        "sex": sex if sex in {"F", "M"} else None,
        **_postcode(postcode or ""),
        "address": address_key(address),
        "nhs_number": nhs_number or None,
    }


def partial_features(values: dict[str, Any]) -> dict[str, Any]:
    """The comparison columns other than names, for a record's raw values (cheap: all memoised).
    Intake matching uses them to rule out candidates before building the whole row."""
    return {
        **_dob(values.get("date_of_birth")),
        "sex": values.get("sex") if values.get("sex") in {"F", "M"} else None,
        **_postcode(values.get("postcode") or ""),
        "address": address_key(values.get("address") or ""),
        "nhs_number": values.get("nhs_number") or None,
    }


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
            ("given_group", pa.string()),
            ("given_groups", pa.list_(pa.string())),
            ("given_variants", pa.list_(pa.string())),
            ("given_sound", pa.string()),
            ("given_initial", pa.string()),
            ("family", pa.string()),
            ("family_initial", pa.string()),
            ("family_parts", pa.list_(pa.string())),
            ("other_keys", pa.list_(pa.string())),
            ("dob", pa.string()),
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
        ]
    )


def to_arrow(rows: list[dict[str, Any]]) -> Any:
    import pyarrow as pa

    return pa.Table.from_pylist(rows, schema=arrow_schema())
