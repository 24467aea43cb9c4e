"""Reading an uploaded CSV of an agency's records into rows ready for agency_record_create.

The column map is either the standard headers (the record's own field names,
in any case) or a columns file in the TOML that `link_files` reads
(linkage/extracts.py: `[defaults]` and `[files."<name>"]`, fields `id`,
`given_name`, `family_name` or `full_name`, `date_of_birth` with its
`formats`, `sex`, `postcode`, `address`, `town`, `nhs_number`...). The same
columns file serves both, so an agency that links its extracts imports them
with no new mapping.

A file that cannot be read as given (not CSV, not UTF-8, a mapped column
missing, no rows, too many) raises ImportRefusedError naming what to fix. A row
with problems comes back with them, each naming the file's column, and is
not written: linkage's reader blanks a bad value and keeps the row, which
suits matching, but a record written here is a record of a child, so it is
written as the page would write it or not at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tomllib
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from joinedup.children.models import AgencyRecord, Sex
from joinedup.children.services import EDITABLE_FIELDS
from joinedup.core.validators import normalise_nhs_number, normalise_postcode, normalise_upn
from joinedup.linkage.extracts import DATE_FORMATS, ExtractError, file_spec, parse_date, split_full_name

MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024
REQUIRED = ("local_id", "given_names", "family_name")
# Sex as agency systems write it (as link_files reads it); anything else is a problem to fix.
SEX_VALUES = {"f": Sex.FEMALE, "female": Sex.FEMALE, "girl": Sex.FEMALE, "2": Sex.FEMALE,
              "m": Sex.MALE, "male": Sex.MALE, "boy": Sex.MALE, "1": Sex.MALE,
              "": Sex.UNKNOWN, "u": Sex.UNKNOWN, "unknown": Sex.UNKNOWN, "not known": Sex.UNKNOWN,
              "not stated": Sex.UNKNOWN, "0": Sex.UNKNOWN, "9": Sex.UNKNOWN}  # fmt: skip
# link_files' field names, as the record's.
FROM_LINK_FILES = {"id": "local_id", "given_name": "given_names", "family_name": "family_name",
                   "other_names": "other_names", "date_of_birth": "date_of_birth", "sex": "sex",
                   "postcode": "postcode", "address": "address", "nhs_number": "nhs_number"}  # fmt: skip


class ImportRefusedError(Exception):
    """The file as a whole cannot be imported as given; the message says what to fix. Nothing was written.

    `field` is the form field to fix (the file, or the columns file); `text` is the file's text when it
    was read, so the page can keep it.
    """

    def __init__(self, message: str, field: str = "file", text: str | None = None) -> None:
        super().__init__(message)
        self.field, self.text = field, text


@dataclass
class ColumnMap:
    """Which of the file's columns fill each record field (several are joined), and how to read them."""

    columns: dict[str, list[str]]
    full_name: list[str] = field(default_factory=list)
    town: list[str] = field(default_factory=list)
    date_formats: list[str] = field(default_factory=lambda: list(DATE_FORMATS))
    delimiter: str | None = None
    encoding: str | None = None


@dataclass
class Row:
    number: int  # the file's line number, as a spreadsheet shows it
    data: dict[str, Any]
    problems: list[tuple[str, str]]  # (the file's column, what to fix)


def read_upload(
    *, data: bytes | None, text: str | None, file_name: str, columns_file: str, today: dt.date
) -> tuple[str, list[Row]]:
    """The file's text and rows, from its bytes (a new upload) or its kept text; ImportRefusedError otherwise.

    An empty `columns_file` means the standard headers.
    """
    columns = parse_columns_file(columns_file, file_name=file_name) if columns_file else standard_columns()
    if text is None:
        text = decode(data or b"", columns)
    try:
        return text, read_rows(text, columns, standard=not columns_file, today=today)
    except ImportRefusedError as exc:
        # A column the map names and the file lacks is the columns file's to fix, or the file's.
        raise ImportRefusedError(str(exc), field="columns_file" if columns_file and exc.field == "columns" else "file",
                            text=text) from exc  # fmt: skip


def parse_columns_file(text: str, *, file_name: str) -> ColumnMap:
    """A link_files columns file (TOML) as the map for `file_name`; ImportRefusedError says what is wrong."""
    try:
        config = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ImportRefusedError(f"The columns file is not valid TOML: {exc}", field="columns_file") from exc
    try:
        spec = file_spec(config, file_name)
    except ExtractError as exc:
        raise ImportRefusedError(f"The columns file: {exc}", field="columns_file") from exc
    columns = {FROM_LINK_FILES[key]: cols for key, cols in spec.columns.items() if key in FROM_LINK_FILES}
    return ColumnMap(
        columns=columns,
        full_name=spec.columns.get("full_name", []),
        town=spec.columns.get("town", []),
        date_formats=spec.date_formats,
        delimiter=spec.delimiter,
        encoding=spec.encoding,
    )


def standard_columns() -> ColumnMap:
    return ColumnMap(columns={name: [name] for name in EDITABLE_FIELDS})


def decode(data: bytes, columns: ColumnMap) -> str:
    if len(data) > MAX_BYTES:
        raise ImportRefusedError(
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it into smaller files."
        )
    try:
        return data.decode(columns.encoding or "utf-8-sig")
    except LookupError:
        raise ImportRefusedError(
            f"The columns file names an unknown encoding '{columns.encoding}'.", "columns_file"
        ) from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRefusedError(
            f"Line {line} of the file is not {columns.encoding or 'UTF-8'} text: save the file as "
            "'CSV UTF-8', or name its encoding in a columns file, and upload it again."
        ) from None


def read_rows(text: str, columns: ColumnMap, *, standard: bool, today: dt.date) -> list[Row]:
    """Every row of the file with its record data and problems; ImportRefusedError for the file as a whole."""
    if "\x00" in text:
        raise ImportRefusedError(
            "The file contains NUL characters, so it is not a CSV text file: export it again as CSV."
        )
    delimiter = columns.delimiter or _sniff(text)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, restval="")
    header = [h or "" for h in (reader.fieldnames or [])]
    by_name = {h.strip().casefold(): h for h in reversed(header)}
    resolved: dict[str, list[str]] = {}
    missing: list[str] = []
    for name, wanted in [*columns.columns.items(), ("full_name", columns.full_name), ("town", columns.town)]:
        found = [by_name.get(c.strip().casefold()) for c in wanted]
        if standard:
            resolved[name] = [h for h in found if h]  # standard headers: a column the file lacks is left empty
        else:
            missing += [c for c, h in zip(wanted, found, strict=True) if h is None]
            resolved[name] = [h for h in found if h]
    if standard:
        absent = [name for name in REQUIRED if not resolved.get(name)]
        if absent:
            shown = ", ".join(header[:30]) or "nothing"
            raise ImportRefusedError(
                f"The file has no {', '.join(absent)} column (its first line has: {shown}). Name the columns "
                "with the standard headers, or choose a columns file that maps yours."
            )
    elif missing:
        shown = ", ".join(header[:30]) or "nothing"
        raise ImportRefusedError(
            f"The columns file names {', '.join(dict.fromkeys(missing))}, which the file does not have (its first "
            f"line has: {shown}). Fix the columns file or the file.",
            field="columns",
        )
    rows: list[Row] = []
    seen: dict[str, int] = {}
    try:
        for raw in reader:
            if len(rows) >= MAX_ROWS:
                raise ImportRefusedError(f"The file has more than {MAX_ROWS:,} rows: split it into smaller files.")
            row = _row(reader.line_num, raw, resolved, columns, today)
            local_id = row.data.get("local_id", "")
            if local_id and local_id in seen:
                row.problems.append((_shown(resolved, "local_id"), f"'{local_id}' is also on row {seen[local_id]}"))
            seen.setdefault(local_id, row.number)
            rows.append(row)
    except csv.Error as exc:
        raise ImportRefusedError(
            f"Line {reader.line_num} could not be read as CSV ({exc}): fix it and upload again."
        ) from exc
    if not rows:
        raise ImportRefusedError("The file has a first line of column names but no rows.")
    return rows


def _sniff(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _shown(resolved: dict[str, list[str]], name: str) -> str:
    """The file's own column for a field, for the problem list (the field's name if the file has none)."""
    return " + ".join(resolved.get(name) or []) or name


def _row(number: int, raw: dict[str, Any], resolved: dict[str, list[str]], columns: ColumnMap, today: dt.date) -> Row:
    def value(name: str, separator: str = " ") -> str:
        return separator.join(v for c in resolved.get(name, []) if (v := str(raw.get(c) or "").strip()))

    problems: list[tuple[str, str]] = []
    data: dict[str, Any] = {name: value(name, ", " if name == "address" else " ") for name in EDITABLE_FIELDS}
    if value("town"):
        data["address"] = ", ".join(part for part in (data["address"], value("town")) if part)
    if not (data["given_names"] or data["family_name"]) and value("full_name"):
        data["given_names"], data["family_name"] = split_full_name(value("full_name"))
        resolved = {**resolved, "given_names": resolved["full_name"], "family_name": resolved["full_name"]}
    for name in REQUIRED:
        if not data[name]:
            problems.append((_shown(resolved, name), "is empty"))
    text = data["date_of_birth"]
    data["date_of_birth"] = None
    if text:
        try:
            born = parse_date(text, columns.date_formats)
        except ValueError:
            problems.append((_shown(resolved, "date_of_birth"), f"'{text}' is not a date (write it like 2011-03-27)"))
        else:
            if born > today or born.year < 1900:
                problems.append((_shown(resolved, "date_of_birth"), f"'{text}' is in the future or before 1900"))
            data["date_of_birth"] = born
    sex = data["sex"].casefold()
    if sex in SEX_VALUES:
        data["sex"] = SEX_VALUES[sex]
    else:
        problems.append((_shown(resolved, "sex"), f"'{data['sex']}' is not a sex (use F, M, female, male, 1, 2 or U)"))
    for name, normalise in (
        ("nhs_number", normalise_nhs_number),
        ("upn", normalise_upn),
        ("postcode", normalise_postcode),
    ):
        if data[name]:
            try:
                data[name] = normalise(data[name])
            except ValidationError as exc:
                problems.append((_shown(resolved, name), f"'{data[name]}': {exc.messages[0]}"))
    flagged = {column for column, _ in problems}  # one problem per column is enough to fix it
    for name in EDITABLE_FIELDS:
        limit = getattr(AgencyRecord._meta.get_field(name), "max_length", None)
        if (
            name != "sex"
            and _shown(resolved, name) not in flagged
            and limit
            and isinstance(data[name], str)
            and len(data[name]) > limit
        ):
            problems.append((_shown(resolved, name), f"is longer than {limit} characters ({len(data[name])})"))
    return Row(number=number, data=data, problems=problems)
