"""Reading agency extracts (CSV files) into the linkage model's rows, for `link_files`.

Extracts come from many systems, each with its own layout: a columns file
(TOML) maps each file's columns to the standard fields (docs/link_files.md
lists them all). Reading is forgiving about what systems vary in (delimiter,
encoding, header case, date formats, two-digit years, sex codes, a whole
name in one column, placeholder names and dates, partial postcodes) and
strict about what would silently lose data (a mapped column that is not in
the file). A bad value never stops the run: it is blanked, the row kept, and
the problem listed with its file, row, column and value.

Each row becomes a record dict in the shape of an agency record's values
(`id`, `given_names`, `family_name`, `other_names`, `date_of_birth`, `sex`,
`postcode`, `nhs_number`, `address`, `identifier`) plus two flags, `dob_placeholder` and
`no_fixed_abode`, and `features.records_to_rows` turns those into the model's
rows, as it does for the database's records.
"""

from __future__ import annotations

import csv
import datetime as dt
import fnmatch
import io
import re
import tomllib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from joinedup.core.csvsafe import csv_safe
from joinedup.core.text import fold
from joinedup.core.validators import normalise_nhs_number, normalise_postcode, normalise_upn
from joinedup.linkage.features import records_to_rows

# Every field a columns file may map, with what it holds (shown by `link_files --help`).
FIELD_HELP = {
    "id": "the record's id in its system (required; the output names records by file and id)",
    "given_name": "forename(s); several columns are joined with spaces",
    "middle_names": "middle name(s), placed after the first given name",
    "family_name": "surname",
    "full_name": "the whole name in one column, instead of given_name and family_name",
    "preferred_name": "preferred or known-as forename, compared as another given name",
    "other_names": "aliases, previous surnames, known-as names (comma-separated)",
    "date_of_birth": "date of birth; { column = ..., formats = [...] } for the file's own formats",
    "sex": "M, F, male, female, 1 (male), 2 (female); not known, unknown, 9... are blank",
    "postcode": 'UK postcode, full or partial; { column = ..., country = "any" } for addresses abroad',
    "address": "address lines (several columns are joined with commas); the first line is compared",
    "town": "town (read; not compared today)",
    "nhs_number": "NHS number (10 digits with a valid check digit; spaces allowed)",
    "upn": "unique pupil number (13 characters: check letter, 11 digits, digit or letter)",
    "identifier": "another person identifier the files share (a council's person id, NI number); map upn or this",
}
FIELDS = tuple(FIELD_HELP)
FILE_OPTIONS = ("delimiter", "encoding", "placeholders")
# What a field's { ... } table may hold beyond its column(s).
FIELD_OPTIONS = {"date_of_birth": {"formats"}, "full_name": {"order"}, "postcode": {"country"}}
NAME_ORDERS = ("auto", "given first", "family first")
COUNTRIES = ("uk", "any")

# Unambiguous day-first and ISO forms agency systems write; a file may name its own.
# Two-digit years come last, so "27/03/2011" is never read as a two-digit year.
DATE_FORMATS = [
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d %B %Y",
    "%Y%m%d",
    "%d/%m/%y",
    "%d-%m-%y",
    "%d.%m.%y",
]
# A time after the date (spreadsheet and database exports): "2011-03-27 00:00:00", "27/03/2011T00:00".
_TIME = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$")
EARLIEST_BIRTH = dt.date(1900, 1, 1)
# Dates systems put where the date of birth is not known, whatever the file declares.
UNIVERSAL_PLACEHOLDER_DATES = ("1900-01-01",)

# Given names that say the name is not known yet (health systems register a newborn before it
# is named). "*" stands for any words. A file's placeholders.given adds to these.
DEFAULT_PLACEHOLDER_NAMES = (
    "Baby",
    "Baby of *",
    "Baby boy",
    "Baby girl",
    "Twin 1",
    "Twin 2",
    "Twin A",
    "Twin B",
    "Unborn",
    "Unborn baby",
    "Unknown",
    "Not known",
    "NK",
    "TBC",
)

# Sex as systems record it: letters, words, and the NHS data dictionary's codes (1 male, 2 female).
SEX_VALUES = {"f": "F", "female": "F", "girl": "F", "2": "F", "m": "M", "male": "M", "boy": "M", "1": "M"}
# Recorded as not known, not stated or another sex: blank for matching, and not a problem.
SEX_NOT_KNOWN = {"u", "unknown", "not known", "not stated", "not specified", "x", "i", "o", "0", "9", "other",
                 "indeterminate", "prefer not to say"}  # fmt: skip

# No fixed abode as systems write it, and the NHS pseudo-postcode for it.
NO_FIXED_ABODE = {"nfa", "no fixed abode", "no fixed address", "zz99 3vz", "zz993vz"}
# A postcode's outward code (its district), alone or with the inward code's first digit (its sector).
_OUTWARD = r"(?:[A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"  # noqa: E501
_PARTIAL_POSTCODE = re.compile(rf"^({_OUTWARD})(?: ([0-9]))?$")


class ExtractError(Exception):
    """An extract or the columns file cannot be read as given; the message says what to fix."""


# Kinds of problem: the first are faults (a value blanked or a row skipped); NOTES are
# values handled as the data officer would want, counted so the officer knows how many.
NO_ID = "no id, row skipped"
ID_REPEATED = "id repeated in the file, both kept"
NO_NAME = "no name, matched on the other details"
DATE_UNREADABLE = "date not in the formats given, blanked"
DATE_FUTURE = "date of birth in the future, blanked"
DATE_TOO_EARLY = f"date of birth before {EARLIEST_BIRTH.year}, blanked"
POSTCODE_INVALID = "not a UK postcode, blanked"
NHS_INVALID = "NHS number not valid, blanked"
UPN_INVALID = "unique pupil number not valid, blanked"
SEX_UNKNOWN = "sex not recognised, blanked"
PLACEHOLDER_NAME = "placeholder name, treated as missing"
PLACEHOLDER_DATE = "placeholder date of birth, passed on as weak evidence"
PARTIAL_POSTCODE = "partial postcode, kept at the precision given"
NFA = "no fixed abode, postcode left blank"
MIDDLE_WITHOUT_FIRST = "no first given name, so the middle names are not compared in its place"
NOTES = frozenset({PLACEHOLDER_NAME, PLACEHOLDER_DATE, PARTIAL_POSTCODE, NFA, MIDDLE_WITHOUT_FIRST})

PROBLEM_COLUMNS = ("file", "row", "field", "column", "value", "problem")


@dataclass(frozen=True)
class Problem:
    """One thing found in one row: where (file, row, field, the file's column), the value, and what."""

    file: str
    row: int
    field: str
    column: str
    value: str
    kind: str

    @property
    def is_note(self) -> bool:
        return self.kind in NOTES

    def __str__(self) -> str:
        value = f" '{self.value}'" if self.value else ""
        return f"{self.file} row {self.row}: {self.field}{value}: {self.kind}"


@dataclass
class FileSpec:
    name: str
    columns: dict[str, list[str]]
    date_formats: list[str]
    delimiter: str | None = None
    encoding: str | None = None
    name_order: str = "auto"
    postcode_country: str = "uk"
    placeholder_names: tuple[str, ...] = DEFAULT_PLACEHOLDER_NAMES
    placeholder_dates: frozenset[str] = frozenset(UNIVERSAL_PLACEHOLDER_DATES)


@dataclass
class Extracts:
    """Record dicts and the model's rows made from them, where each came from, and the problems found."""

    records: list[dict[str, Any]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    origin: dict[str, tuple[str, str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # For each file, the fields it maps: a training step that finds no pairs says which were never mapped.
    mapped: dict[str, set[str]] = field(default_factory=dict)

    def counts(self) -> Counter[str]:
        return Counter(p.kind for p in self.problems)


def load_columns(path: str | Path) -> dict[str, Any]:
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ExtractError(f"{path}: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ExtractError(f"{path}: not a valid TOML file: {exc}") from exc


def _columns(value: Any) -> list[str]:
    if isinstance(value, dict):
        value = value.get("column", value.get("columns"))
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value)
    raise ValueError(value)


def _option(spec: dict[str, Any], key: str, option: str, default: str, allowed: tuple[str, ...], where: str) -> str:
    value = spec.get(key)
    if not isinstance(value, dict) or option not in value:
        return default
    chosen = value[option]
    if not isinstance(chosen, str) or chosen.strip().lower() not in allowed:
        shown = " or ".join(f'"{a}"' for a in allowed)
        raise ExtractError(f"{where}: {key}'s {option} must be {shown}, not {chosen!r}")
    return chosen.strip().lower()


def _placeholders(tables: list[Any], where: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """The placeholder given names and dates from the top level, [defaults] and the file's own table."""
    names = list(DEFAULT_PLACEHOLDER_NAMES)
    dates = set(UNIVERSAL_PLACEHOLDER_DATES)
    for table in tables:
        if table is None:
            continue
        if not isinstance(table, dict) or set(table) - {"given", "dates"}:
            raise ExtractError(f'{where}: placeholders takes given = ["Baby", ...] and dates = ["1900-01-01", ...]')
        given = table.get("given", [])
        if not isinstance(given, list) or not all(isinstance(g, str) and g.strip() for g in given):
            raise ExtractError(f'{where}: placeholders.given must be a list of names, such as ["Baby", "Twin 1"]')
        names += given
        listed = table.get("dates", [])
        if not isinstance(listed, list):
            raise ExtractError(f'{where}: placeholders.dates must be a list, such as ["1900-01-01", "--01-01"]')
        for value in listed:
            dates.add(_placeholder_date(value, where))
    return tuple(dict.fromkeys(names)), frozenset(dates)


def _placeholder_date(value: Any, where: str) -> str:
    """A declared placeholder date as text: ISO "2000-01-01", or "--01-01" for a day in any year."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        try:
            if re.fullmatch(r"--\d{2}-\d{2}", text):
                dt.date(2000, int(text[2:4]), int(text[5:7]))  # 2000 is a leap year: --02-29 is allowed
                return text
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    raise ExtractError(
        f"{where}: placeholder date {value!r} is not a date like 1900-01-01 (or --01-01 for 1 January of any year)"
    )


def file_spec(config: dict[str, Any], path: str) -> FileSpec:
    """The mapping for one file: [defaults], overridden by [files."<name>"] (its name or path)."""
    name = Path(path).name
    files = config.get("files", {})
    own = {**files.get(name, {}), **files.get(path, {})}
    defaults = dict(config.get("defaults", {}))
    if "full_name" in own:  # a file with the whole name in one column has no given or family column
        defaults.pop("given_name", None)
        defaults.pop("family_name", None)
    # A field set to "" (or []) in a file's table is not mapped for that file.
    spec = {key: value for key, value in {**defaults, **own}.items() if value not in ("", [])}
    where = f"columns file, {name}"
    unknown = set(spec) - set(FIELDS) - set(FILE_OPTIONS)
    if unknown:
        raise ExtractError(
            f"{where}: unknown field(s) {', '.join(sorted(unknown))}; the fields are {', '.join(FIELDS)}"
        )
    if "id" not in spec:
        raise ExtractError(f"{where}: no column is mapped to 'id'")
    if not ({"given_name", "family_name"} <= set(spec) or "full_name" in spec):
        raise ExtractError(f"{where}: map both 'given_name' and 'family_name', or 'full_name'")
    if {"upn", "identifier"} <= set(spec):
        raise ExtractError(
            f"{where}: map 'upn' or 'identifier', not both: the model compares one shared identifier a record"
        )
    columns: dict[str, list[str]] = {}
    for key in FIELDS:
        if key not in spec:
            continue
        value = spec[key]
        extra = set(value) - {"column", "columns"} - FIELD_OPTIONS.get(key, set()) if isinstance(value, dict) else ()
        if extra:
            allowed = ", ".join(sorted({"column", *FIELD_OPTIONS.get(key, set())}))
            raise ExtractError(f"{where}: '{key}' takes {allowed}, not {', '.join(sorted(extra))}")
        try:
            columns[key] = _columns(value)
        except ValueError:
            raise ExtractError(
                f"{where}: '{key}' must be a column name, a list of them, or {{ column = ... }}"
            ) from None
    dob = spec.get("date_of_birth")
    formats = dob.get("formats", DATE_FORMATS) if isinstance(dob, dict) else DATE_FORMATS
    if isinstance(formats, str):
        formats = [formats]
    if not isinstance(formats, list) or not formats or not all(isinstance(f, str) and "%" in f for f in formats):
        raise ExtractError(f'{where}: date_of_birth formats must be a list such as ["%d/%m/%Y", "%d.%m.%y"]')
    delimiter = spec.get("delimiter")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise ExtractError(f'{where}: delimiter must be one character, such as "," or "\\t"')
    names, dates = _placeholders(
        [config.get("placeholders"), defaults.get("placeholders"), own.get("placeholders")], where
    )
    return FileSpec(
        name,
        columns,
        list(formats),
        delimiter,
        spec.get("encoding"),
        name_order=_option(spec, "full_name", "order", "auto", NAME_ORDERS, where),
        postcode_country=_option(spec, "postcode", "country", "uk", COUNTRIES, where),
        placeholder_names=names,
        placeholder_dates=dates,
    )


def _text(path: str, spec: FileSpec, notes: list[str]) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ExtractError(f"{path}: {exc.strerror}") from exc
    if spec.encoding:
        try:
            return data.decode(spec.encoding)
        except LookupError:
            raise ExtractError(f"{spec.name}: unknown encoding '{spec.encoding}'") from None
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ExtractError(
                f"{spec.name} line {line}: not {spec.encoding}; set encoding in the columns file"
            ) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Windows systems export in their own code page: accented names (Zoë, Siân) are not UTF-8.
        notes.append(f"{spec.name}: not UTF-8, read as Windows-1252 (set encoding in the columns file if wrong)")
        return data.decode("cp1252", errors="replace")


def _dialect(text: str, spec: FileSpec) -> str:
    if spec.delimiter:
        return spec.delimiter
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _header_map(fieldnames: list[str]) -> dict[str, str]:
    """Each header as it is, and as it reads trimmed and in any case, to the file's own header."""
    out: dict[str, str] = {}
    for name in fieldnames:
        out.setdefault(name.strip().casefold(), name)
    for name in fieldnames:
        out[name] = name
    return out


def _header(headers: dict[str, str], column: str) -> str | None:
    """The file's header for a column named in the columns file (exactly, or in another case)."""
    return headers.get(column) or headers.get(column.strip().casefold())


def parse_date(text: str, formats: list[str], *, today: dt.date | None = None) -> dt.date:
    """The date `text` holds in the first of `formats` that reads it.

    A two-digit year (%y) is the most recent year that is not in the future:
    in 2026, "25" is 2025 and "30" is 1930. Records here are about children,
    so the recent century is the likely one (Python's own rule would make
    "30" 2030, a child not yet born).
    """
    return _parse_date(_TIME.sub("", text.strip()), tuple(formats), today or timezone.localdate())


# Memoised: a file's dates repeat (siblings, twins, the same child in several files), and
# strptime tried format by format is most of the time it takes to read an extract.
@lru_cache(maxsize=65536)
def _parse_date(text: str, formats: tuple[str, ...], today: dt.date) -> dt.date:
    for fmt in formats:
        try:
            parsed = dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
        if "%y" in fmt:
            parsed = _recent_century(parsed, today)
        return parsed
    raise ValueError(text)


def _recent_century(parsed: dt.date, today: dt.date) -> dt.date:
    year = today.year - (today.year - parsed.year) % 100
    try:
        return parsed.replace(year=year)
    except ValueError:  # 29 February in a century year that is not a leap year (1900)
        raise ValueError(parsed.isoformat()) from None


def split_full_name(text: str, order: str = "auto") -> tuple[str, str]:
    """("given names", "family name") from one column.

    "auto": "FAMILY, Given Middle" with a comma, else "Given Middle Family";
    "family first": "FAMILY Given Middle" (or with a comma); "given first": "Given Middle Family".
    """
    if "," in text and order != "given first":
        family, given = (part.strip() for part in text.split(",", 1))
        return given, family
    words = text.replace(",", " ").split()
    if len(words) < 2:
        return "", text.strip()
    if order == "family first":
        return " ".join(words[1:]), words[0]
    return " ".join(words[:-1]), words[-1]


@lru_cache(maxsize=65536)
def _name_key(text: str) -> str:
    """A name as placeholders are matched: folded, dots and slashes dropped ("N/K", "T.B.C.")."""
    return " ".join(re.sub(r"[-_,]", " ", re.sub(r"[./'()]", "", fold(text))).split())


# Memoised: a file's given names repeat, and each is tried against every placeholder pattern.
@lru_cache(maxsize=65536)
def is_placeholder_name(given: str, placeholders: tuple[str, ...]) -> bool:
    key = _name_key(given)
    if not key:
        return False
    for pattern in placeholders:
        wanted = _name_key(pattern)
        # "Baby of *" also matches "Baby of" alone: the surname went to the family name column.
        if fnmatch.fnmatchcase(key, wanted) or (wanted.endswith(" *") and key == wanted[:-2]):
            return True
    return False


def _records(path: str, spec: FileSpec, out: Extracts) -> Iterator[tuple[int, dict[str, str]]]:
    text = _text(path, spec, out.notes)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=_dialect(text, spec), restval="")
    fieldnames = [f or "" for f in (reader.fieldnames or [])]
    headers = _header_map(fieldnames)
    found = {key: [(c, _header(headers, c)) for c in cols] for key, cols in spec.columns.items()}
    missing = [c for pairs in found.values() for c, header in pairs if header is None]
    if missing:
        shown = ", ".join(fieldnames[:30]) or "nothing"
        raise ExtractError(
            f"{spec.name}: no column named {', '.join(dict.fromkeys(missing))} (the file's header has: {shown}); "
            "fix the columns file or the extract"
        )
    resolved = {key: [header for _, header in pairs if header] for key, pairs in found.items()}
    separators = {"address": ", ", "other_names": ", ", "preferred_name": ", "}
    try:
        for raw in reader:
            # Address columns keep their lines apart, so the first line is found wherever the house number sits.
            yield (
                reader.line_num,
                {key: _join(raw, cols, separators.get(key, " ")) for key, cols in resolved.items()},
            )
    except csv.Error as exc:
        raise ExtractError(f"{spec.name} line {reader.line_num}: {exc}; nothing was written") from exc


def _join(raw: dict[str, Any], columns: list[str], separator: str) -> str:
    return separator.join(v for c in columns if (v := (raw.get(c) or "").strip()))


class _Row:
    """One row being read: where it is, for the problems it reports."""

    def __init__(self, spec: FileSpec, number: int, out: Extracts) -> None:
        self.spec, self.number, self.out = spec, number, out

    def problem(self, key: str, value: str, kind: str) -> None:
        column = " + ".join(self.spec.columns.get(key, [key]))
        self.out.problems.append(Problem(self.spec.name, self.number, key, column, value, kind))


def read_extracts(paths: list[str], config: dict[str, Any], *, today: dt.date | None = None) -> Extracts:
    """Every row of every file as a record dict and the model's row, or an ExtractError naming what to fix."""
    today = today or timezone.localdate()
    out = Extracts()
    names = [Path(p).name for p in paths]
    if len(set(names)) < len(names):
        raise ExtractError("two files have the same name: the output names files by name, so rename one")
    for path in paths:
        spec = file_spec(config, path)
        out.mapped[spec.name] = set(spec.columns)
        seen: dict[str, int] = {}
        for number, values in _records(path, spec, out):
            row = _Row(spec, number, out)
            record_id = values["id"]
            if not record_id:
                row.problem("id", "", NO_ID)
                continue
            if record_id in seen:
                row.problem("id", record_id, ID_REPEATED)
            seen.setdefault(record_id, number)
            uid = str(len(out.origin))
            out.origin[uid] = (spec.name, record_id)
            out.records.append({"id": uid, **_record(values, row, today)})
    out.rows = records_to_rows(out.records)
    return out


def _record(values: dict[str, str], row: _Row, today: dt.date) -> dict[str, Any]:
    """One row's values as an agency record's fields (plus its flags)."""
    given, family = values.get("given_name", ""), values.get("family_name", "")
    given_key = "given_name"
    if not (given or family) and values.get("full_name"):
        given, family = split_full_name(values["full_name"], row.spec.name_order)
        given_key = "full_name"
    if given and is_placeholder_name(given, row.spec.placeholder_names):
        row.problem(given_key, given, PLACEHOLDER_NAME)
        given = ""
    middle = values.get("middle_names", "")
    if middle and not given:
        # A middle name is not the forename the child goes by. Put first, it would be compared
        # as the forename, and beside another record's ("Mona S." against "Stephanie", her
        # middle name) read as a sibling's: the rules would hold one child's records apart. The
        # first name is missing, as the record says; the middle names wait for it.
        row.problem("middle_names", middle, MIDDLE_WITHOUT_FIRST)
        middle = ""
    # Middle names after the first given name, so the first stays first: "Robert" + "James Paul".
    given_names = " ".join(part for part in (given, middle) if part)
    if not (given_names or family):
        row.problem(given_key if given_key in row.spec.columns else "full_name", "", NO_NAME)
    others = [values.get("preferred_name", ""), values.get("other_names", "")]
    born, placeholder = _birth_date(values.get("date_of_birth", ""), row, today)
    postcode, no_fixed_abode = _postcode(values.get("postcode", ""), row)
    return {
        "given_names": given_names,
        "family_name": family,
        "other_names": ", ".join(o for o in others if o),
        "date_of_birth": born,
        "dob_placeholder": placeholder,
        "sex": _sex(values.get("sex", ""), row),
        "postcode": postcode,
        "no_fixed_abode": no_fixed_abode,
        "nhs_number": _nhs_number(values.get("nhs_number", ""), row),
        "address": values.get("address", ""),
        "identifier": _upn(values["upn"], row) if values.get("upn") else values.get("identifier", ""),
    }


def _upn(text: str, row: _Row) -> str:
    try:
        return normalise_upn(text)
    except ValidationError:
        row.problem("upn", text, UPN_INVALID)
        return ""


def _birth_date(text: str, row: _Row, today: dt.date) -> tuple[dt.date | None, bool]:
    """The date of birth, and whether it is a placeholder (kept, as weak evidence)."""
    if not text:
        return None, False
    try:
        born = parse_date(text, row.spec.date_formats, today=today)
    except ValueError:
        row.problem("date_of_birth", text, DATE_UNREADABLE)
        return None, False
    if born > today:
        row.problem("date_of_birth", text, DATE_FUTURE)
        return None, False
    if born < EARLIEST_BIRTH:
        row.problem("date_of_birth", text, DATE_TOO_EARLY)
        return None, False
    declared = row.spec.placeholder_dates
    if born.isoformat() in declared or f"--{born.month:02d}-{born.day:02d}" in declared:  # strftime is slow
        row.problem("date_of_birth", text, PLACEHOLDER_DATE)
        return born, True
    return born, False


def _sex(text: str, row: _Row) -> str:
    key = text.strip().casefold()
    if not key or key in SEX_NOT_KNOWN:
        return ""
    if key in SEX_VALUES:
        return SEX_VALUES[key]
    row.problem("sex", text, SEX_UNKNOWN)
    return ""


def _nhs_number(text: str, row: _Row) -> str:
    if not text:
        return ""
    try:
        return normalise_nhs_number(text)
    except ValidationError:
        row.problem("nhs_number", text, NHS_INVALID)
        return ""


def normalise_partial_postcode(text: str) -> str | None:
    """A postcode district ("NG9") or sector ("NG10 4") in its usual form, or None if it is neither."""
    match = _PARTIAL_POSTCODE.match(" ".join(text.upper().split()))
    if not match:
        return None
    return f"{match[1]} {match[2]}" if match[2] else match[1]


def _postcode(text: str, row: _Row) -> tuple[str, bool]:
    """The postcode as the model compares it, and whether the row says no fixed abode."""
    if not text:
        return "", False
    if " ".join(re.sub(r"[.,]", "", text.casefold()).split()) in NO_FIXED_ABODE:
        row.problem("postcode", text, NFA)
        return "", True
    try:
        return normalise_postcode(text), False
    except ValidationError:
        pass
    partial = normalise_partial_postcode(text)
    if partial:
        row.problem("postcode", text, PARTIAL_POSTCODE)
        return partial, False
    if row.spec.postcode_country == "any":
        # An address outside the UK: compared as written (capitals, single spaces).
        return " ".join(text.upper().split()), False
    row.problem("postcode", text, POSTCODE_INVALID)
    return "", False


def problems_csv(problems: list[Problem]) -> str:
    """Every problem as CSV (file, row, field, column, value, problem), cells safe to open in a spreadsheet."""
    lines = io.StringIO()
    writer = csv.writer(lines)
    writer.writerow(PROBLEM_COLUMNS)
    for p in problems:
        writer.writerow([csv_safe(v) for v in (p.file, p.row, p.field, p.column, p.value, p.kind)])
    return lines.getvalue()
