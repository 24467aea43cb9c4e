"""Reading agency extracts (CSV files) into the linkage model's rows, for `link_files`.

Extracts come from many systems, each with its own layout: a columns file
(TOML) maps each file's columns to the standard fields. Reading is forgiving
about what systems vary in (delimiter, encoding, header case, date formats,
sex codes, a whole name in one column) and strict about what would silently
lose data (a mapped column that is not in the file). A bad value never stops
the run: it is blanked, the row kept, and the problem listed by row number.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from joinedup.core.validators import normalise_nhs_number, normalise_postcode
from joinedup.linkage.features import features

FIELDS = (
    "id",
    "given_name",
    "family_name",
    "full_name",
    "other_names",
    "date_of_birth",
    "sex",
    "postcode",
    "address",
    "town",
    "nhs_number",
)
FILE_OPTIONS = ("delimiter", "encoding")

# Unambiguous day-first and ISO forms agency systems write; a file may name its own.
DATE_FORMATS = [
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d %B %Y",
    "%Y%m%d",
]
# A time after the date (spreadsheet and database exports): "2011-03-27 00:00:00", "27/03/2011T00:00".
_TIME = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$")
EARLIEST_BIRTH = dt.date(1900, 1, 1)

# Sex as systems record it: letters, words, and the NHS data dictionary's codes (1 male, 2 female).
SEX_VALUES = {"f": "F", "female": "F", "girl": "F", "2": "F", "m": "M", "male": "M", "boy": "M", "1": "M"}
# Recorded as not known, not stated or another sex: blank for matching, and not a problem.
SEX_NOT_KNOWN = {"u", "unknown", "not known", "not stated", "not specified", "x", "i", "o", "0", "9", "other",
                 "indeterminate", "prefer not to say"}  # fmt: skip


class ExtractError(Exception):
    """An extract or the columns file cannot be read as given; the message says what to fix."""


@dataclass
class FileSpec:
    name: str
    columns: dict[str, list[str]]
    date_formats: list[str]
    delimiter: str | None = None
    encoding: str | None = None


@dataclass
class Extracts:
    """Rows ready for the model, where each came from, and the problems found."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    origin: dict[str, tuple[str, str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


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
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ValueError(value)


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
    columns: dict[str, list[str]] = {}
    for key in FIELDS:
        if key in spec:
            try:
                columns[key] = _columns(spec[key])
            except ValueError:
                raise ExtractError(
                    f"{where}: '{key}' must be a column name, a list of them, or {{ column = ... }}"
                ) from None
    dob = spec.get("date_of_birth")
    formats = dob.get("formats", DATE_FORMATS) if isinstance(dob, dict) else DATE_FORMATS
    if isinstance(formats, str):
        formats = [formats]
    delimiter = spec.get("delimiter")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise ExtractError(f'{where}: delimiter must be one character, such as "," or "\\t"')
    return FileSpec(name, columns, list(formats), delimiter, spec.get("encoding"))


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


def parse_date(text: str, formats: list[str]) -> dt.date:
    text = _TIME.sub("", text.strip())
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise ValueError(text)


def split_full_name(text: str) -> tuple[str, str]:
    """("given names", "family name") from "FAMILY, Given Middle" or "Given Middle Family"."""
    if "," in text:
        family, given = (part.strip() for part in text.split(",", 1))
        return given, family
    words = text.split()
    if len(words) < 2:
        return "", text.strip()
    return " ".join(words[:-1]), words[-1]


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
    try:
        for raw in reader:
            # Address columns keep their lines apart, so the first line is found wherever the house number sits.
            yield (
                reader.line_num,
                {key: _join(raw, cols, ", " if key == "address" else " ") for key, cols in resolved.items()},
            )
    except csv.Error as exc:
        raise ExtractError(f"{spec.name} line {reader.line_num}: {exc}; nothing was written") from exc


def _join(raw: dict[str, Any], columns: list[str], separator: str) -> str:
    return separator.join(v for c in columns if (v := (raw.get(c) or "").strip()))


def read_extracts(paths: list[str], config: dict[str, Any], *, today: dt.date | None = None) -> Extracts:
    """Every row of every file as the model's features, or an ExtractError naming what to fix."""
    today = today or timezone.localdate()
    out = Extracts()
    names = [Path(p).name for p in paths]
    if len(set(names)) < len(names):
        raise ExtractError("two files have the same name: the output names files by name, so rename one")
    for path in paths:
        spec = file_spec(config, path)
        seen: dict[str, int] = {}
        for number, values in _records(path, spec, out):
            where = f"{spec.name} row {number}"
            record_id = values["id"]
            if not record_id:
                out.problems.append(f"{where}: no id; row skipped")
                continue
            if record_id in seen:
                out.problems.append(f"{where}: id '{record_id}' is also on row {seen[record_id]}; both kept")
            seen.setdefault(record_id, number)
            given, family = values.get("given_name", ""), values.get("family_name", "")
            if not (given or family) and values.get("full_name"):
                given, family = split_full_name(values["full_name"])
            if not (given or family):
                out.problems.append(f"{where}: no name; kept, matched on its other details")
            uid = str(len(out.origin))
            out.origin[uid] = (spec.name, record_id)
            out.rows.append(
                features(
                    unique_id=uid,
                    given_names=given,
                    family_name=family,
                    other_names=values.get("other_names", ""),
                    date_of_birth=_birth_date(values.get("date_of_birth", ""), spec, where, today, out.problems),
                    sex=_sex(values.get("sex", ""), where, out.problems),
                    postcode=_checked(
                        values.get("postcode", ""),
                        normalise_postcode,
                        "postcode",
                        "is not a UK postcode",
                        where,
                        out.problems,
                    ),
                    nhs_number=_checked(
                        values.get("nhs_number", ""),
                        normalise_nhs_number,
                        "nhs_number",
                        "is not valid",
                        where,
                        out.problems,
                    ),
                    address=values.get("address", ""),
                )  # fmt: skip
            )
    return out


def _birth_date(text: str, spec: FileSpec, where: str, today: dt.date, problems: list[str]) -> dt.date | None:
    if not text:
        return None
    try:
        born = parse_date(text, spec.date_formats)
    except ValueError:
        problems.append(f"{where}: date_of_birth '{text}' not in {spec.date_formats}; blanked")
        return None
    if born > today:
        problems.append(f"{where}: date_of_birth '{text}' is in the future; blanked")
        return None
    if born < EARLIEST_BIRTH:
        problems.append(f"{where}: date_of_birth '{text}' is before {EARLIEST_BIRTH.year}; blanked")
        return None
    return born


def _sex(text: str, where: str, problems: list[str]) -> str:
    key = text.strip().casefold()
    if not key or key in SEX_NOT_KNOWN:
        return ""
    if key in SEX_VALUES:
        return SEX_VALUES[key]
    problems.append(f"{where}: sex '{text}' not recognised (use M, F, male, female, 1 or 2); blanked")
    return ""


def _checked(text: str, normalise: Any, name: str, fault: str, where: str, problems: list[str]) -> str:
    if not text:
        return ""
    try:
        return str(normalise(text))
    except ValidationError:
        problems.append(f"{where}: {name} '{text}' {fault}; blanked")
        return ""
