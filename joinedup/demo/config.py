"""The demo partnership's data file, validated on load with file and line in every error."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joinedup.core.datafiles import DataFileError, line_of, load, require
from joinedup.partnership.models import AgencyType, LawfulBasis
from joinedup.partnership.roles import Role

PARTNERSHIP_FILE = Path(__file__).parent / "data" / "partnership.yaml"


@dataclass(frozen=True)
class DemoConfig:
    name: str
    areas: list[dict[str, Any]]
    agencies: list[dict[str, Any]]
    users: list[dict[str, Any]]
    schools: dict[str, list[str]]
    agreements: list[dict[str, Any]]


def load_config(path: Path = PARTNERSHIP_FILE) -> DemoConfig:
    data = load(path)
    partnership = require(path, data, "partnership", dict, "file")
    name = require(path, partnership, "name", str, "partnership")
    areas = require(path, data, "areas", list, "file")
    area_names: set[str] = set()
    district_names: set[str] = set()
    for i, area in enumerate(areas):
        where = f"areas[{i}]"
        short = require(path, area, "short_name", str, where)
        require(path, area, "name", str, where)
        require(path, area, "code", str, where)
        area_names.add(short)
        for j, district in enumerate(require(path, area, "districts", list, where)):
            dwhere = f"{where}.districts[{j}]"
            district_names.add(require(path, district, "name", str, dwhere))
            for k, prefix in enumerate(require(path, district, "prefixes", list, dwhere)):
                if not (isinstance(prefix, list) and len(prefix) == 3 and isinstance(prefix[0], str)):
                    raise DataFileError(
                        path,
                        line_of(district, "prefixes"),
                        f"{dwhere}.prefixes[{k}] must be [prefix, latitude, longitude], not {prefix!r}",
                    )
    agencies = require(path, data, "agencies", list, "file")
    agency_names: set[str] = set()
    for i, agency in enumerate(agencies):
        where = f"agencies[{i}]"
        agency_names.add(require(path, agency, "name", str, where))
        kind = require(path, agency, "type", str, where)
        if kind not in AgencyType.values:
            raise DataFileError(
                path, line_of(agency, "type"), f"{where}.type '{kind}' is not one of {', '.join(AgencyType.values)}"
            )
        for served in require(path, agency, "areas", list, where):
            if served not in area_names:
                raise DataFileError(path, line_of(agency, "areas"), f"{where}.areas names unknown area '{served}'")
        require(path, agency, "teams", list, where)
    users = require(path, data, "users", list, "file")
    for i, user in enumerate(users):
        where = f"users[{i}]"
        require(path, user, "username", str, where)
        if require(path, user, "agency", str, where) not in agency_names:
            raise DataFileError(path, line_of(user, "agency"), f"{where}.agency '{user['agency']}' is not listed")
        role = require(path, user, "role", str, where)
        if role not in Role.values:
            raise DataFileError(
                path, line_of(user, "role"), f"{where}.role '{role}' is not one of {', '.join(Role.values)}"
            )
    schools = require(path, data, "schools", dict, "file")
    for area in area_names:
        require(path, schools, area, list, "schools")
    agreements = data.get("agreements", [])
    for i, agreement in enumerate(agreements):
        where = f"agreements[{i}]"
        require(path, agreement, "reference", str, where)
        require(path, agreement, "title", str, where)
        require(path, agreement, "purposes", list, where)
        require(path, agreement, "review_in_days", int, where)
        for party in require(path, agreement, "parties", list, where):
            if party not in agency_names:
                raise DataFileError(
                    path, line_of(agreement, "parties"), f"{where}.parties names unknown agency '{party}'"
                )
        basis = require(path, agreement, "lawful_basis", str, where)
        if basis not in LawfulBasis.values:
            raise DataFileError(
                path,
                line_of(agreement, "lawful_basis"),
                f"{where}.lawful_basis '{basis}' is not one of {', '.join(LawfulBasis.values)}",
            )
    return DemoConfig(name=name, areas=areas, agencies=agencies, users=users, schools=schools, agreements=agreements)
