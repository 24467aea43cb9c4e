"""The harm taxonomy and the versioned CIN census factor codes, as validated data files."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from joinedup.core.datafiles import DataFileError, line_of, load, require

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class CinFactor:
    code: str
    label: str
    valid_from: int
    valid_to: int | None

    def valid_in(self, year: int) -> bool:
        return self.valid_from <= year and (self.valid_to is None or year <= self.valid_to)


@dataclass(frozen=True)
class HarmType:
    code: str
    label: str
    cin: tuple[str, ...]
    extra_familial: bool


@cache
def cin_factors(path: Path = DATA / "cin_factors.yaml") -> dict[str, CinFactor]:
    data = load(path)
    result: dict[str, CinFactor] = {}
    for i, raw in enumerate(require(path, data, "factors", list, "file")):
        where = f"factors[{i}]"
        code = require(path, raw, "code", str, where)
        valid_to = raw.get("valid_to")
        if valid_to is not None and not isinstance(valid_to, int):
            raise DataFileError(path, line_of(raw, "valid_to"), f"{where}.valid_to must be a year")
        result[code] = CinFactor(
            code=code,
            label=require(path, raw, "label", str, where),
            valid_from=require(path, raw, "valid_from", int, where),
            valid_to=valid_to,
        )
    return result


@cache
def harm_types(path: Path = DATA / "harm_types.yaml") -> dict[str, HarmType]:
    data = load(path)
    factors = cin_factors()
    result: dict[str, HarmType] = {}
    for i, raw in enumerate(require(path, data, "harm_types", list, "file")):
        where = f"harm_types[{i}]"
        codes = require(path, raw, "cin", list, where)
        for code in codes:
            if code not in factors:
                raise DataFileError(path, line_of(raw, "cin"), f"{where}.cin names unknown CIN factor '{code}'")
        code = require(path, raw, "code", str, where)
        result[code] = HarmType(
            code=code,
            label=require(path, raw, "label", str, where),
            cin=tuple(codes),
            extra_familial=require(path, raw, "extra_familial", bool, where),
        )
    return result


def cin_codes_for(harms: list[str], year: int) -> list[str]:
    """The CIN factor codes for these harms that are valid in the collection year.

    By year, because the census's code list changes between collections: a referral is
    coded as the collection it is reported in expects.
    """
    factors = cin_factors()
    codes = {code for h in harms if h in harm_types() for code in harm_types()[h].cin}
    return sorted(c for c in codes if factors[c].valid_in(year))
