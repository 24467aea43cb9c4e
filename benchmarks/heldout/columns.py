"""A benchmark's own reading of a TOML column map, for the runs that do not go through
`link_files` (plain Splink, and Joined Up's model called directly).

Both read the same files through the same map with the same light cleaning, so
what differs between them is the model alone. Deliberately small: the map's
fields and { column, formats } form, as `manage.py link_files` documents them.
"""

from __future__ import annotations

import csv
import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Record:
    file: str
    id: str
    given: str
    family: str
    other_names: str
    dob: dt.date | None
    sex: str
    postcode: str
    address: str
    nhs_number: str
    identifier: str = ""


SEX = {"f": "F", "female": "F", "2": "F", "m": "M", "male": "M", "1": "M"}


def _spec(config: dict[str, Any], name: str) -> dict[str, Any]:
    spec = {**config.get("defaults", {}), **config.get("files", {}).get(name, {})}
    return {k: v for k, v in spec.items() if v not in ("", [])}


def _cols(value: Any) -> list[str]:
    if isinstance(value, dict):
        value = value.get("column", value.get("columns"))
    return [value] if isinstance(value, str) else list(value or [])


def _date(text: str, formats: list[str]) -> dt.date | None:
    for fmt in formats:
        try:
            born = dt.datetime.strptime(text.strip(), fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
        return born if dt.date(1900, 1, 1) <= born <= dt.date.today() else None  # noqa: DTZ011
    return None


def _values(raw: dict[str, str], spec: dict[str, Any]) -> Any:
    def value(key: str, sep: str = " ") -> str:
        return sep.join(v for c in _cols(spec.get(key)) if (v := (raw.get(c) or "").strip()))

    return value


def read(paths: list[Path], columns: Path) -> list[Record]:
    config = tomllib.loads(columns.read_text(encoding="utf-8"))
    out = []
    for path in paths:
        spec = _spec(config, path.name)
        dob = spec.get("date_of_birth")
        formats = dob.get("formats", ["%Y-%m-%d"]) if isinstance(dob, dict) else ["%Y-%m-%d", "%d/%m/%Y"]
        with path.open(encoding="utf-8", newline="") as f:
            for raw in csv.DictReader(f):
                value = _values(raw, spec)
                out.append(
                    Record(
                        file=path.name,
                        id=value("id"),
                        given=value("given_name"),
                        family=value("family_name"),
                        other_names=value("other_names"),
                        dob=_date(value("date_of_birth"), formats) if value("date_of_birth") else None,
                        sex=SEX.get(value("sex").casefold(), ""),
                        postcode=value("postcode").upper(),
                        address=value("address", ", "),
                        nhs_number=value("nhs_number"),
                        identifier=value("upn") or value("identifier"),
                    )
                )
    return out
