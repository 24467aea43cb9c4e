"""Bulk referral import from CSV: every row validated, a report by row number, all or nothing.

A file of up to IN_REQUEST_ROWS rows is checked and imported in the request.
A larger one is checked in the request (so its problems are reported at
once, by row) and, if clean, kept as a ReferralImport and imported by the
worker (referrals/jobs.py): the worker reads the kept text, checks it again
(the partnership's areas may have changed) and writes every referral in one
transaction, so the screening queue gets the whole file or none of it. The
job's page shows how far it has got; while the rows are written it can only
say that they are being written (the progress of a transaction that commits
all at once is not visible before it commits).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from joinedup.audit.services import audit_record
from joinedup.core.validators import normalise_nhs_number, normalise_postcode
from joinedup.jobs.services import job_start
from joinedup.partnership.models import Area, Partnership
from joinedup.referrals.models import Consent, Referral, ReferralImport, ReferralImportStatus
from joinedup.referrals.services import referral_draft_save, referral_submit
from joinedup.referrals.taxonomy import harm_types

COLUMNS = (
    "given_names",
    "family_name",
    "date_of_birth",
    "nhs_number",
    "postcode",
    "harm_types",
    "indicators",
    "child_says",
    "consent",
    "family_informed",
    "family_not_informed_reason",
    "home_area",
    "found_area",
    "referrer_contact",
)
REQUIRED = ("given_names", "family_name", "harm_types", "indicators", "consent", "family_informed", "referrer_contact")
MAX_ROWS = 2000
# Files up to this many rows are imported in the request; larger ones by the worker (as record imports are).
IN_REQUEST_ROWS = 200
REFERRALS_IMPORT = "referrals_import"
# The longest each column may be: the referral form's and the records' own limits.
MAX_LENGTHS = {
    "given_names": 120,
    "family_name": 120,
    "date_of_birth": 20,
    "nhs_number": 14,
    "postcode": 10,
    "harm_types": 1000,
    "indicators": 6000,
    "child_says": 6000,
    "consent": 30,
    "family_informed": 10,
    "family_not_informed_reason": 300,
    "home_area": 200,
    "found_area": 200,
    "referrer_contact": 200,
}


class RowRefusedError(ValidationError):
    """A row the services refused while the file was written: the whole file is undone."""

    def __init__(self, row: int, problem: str) -> None:
        super().__init__(f"Row {row}: {problem} Nothing has been imported.")
        self.row, self.problem = row, problem


@dataclass
class RowResult:
    number: int
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _date(text: str) -> dt.date:
    # ISO, and the day-first form a spreadsheet in an en-GB locale writes.
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise ValueError


def parse(text: str, *, partnership: Partnership) -> tuple[list[RowResult], list[str]]:
    """Rows with their problems, and problems with the file as a whole."""
    # csv refuses any field over 131,072 characters with an error naming neither row nor
    # column; the file is at most 5 MB, so read every field and let MAX_LENGTHS say which.
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(text) + 1))
    try:
        return _parse(text, partnership=partnership)
    except csv.Error as exc:
        return [], [f"The file could not be read as CSV ({exc}): save it as 'CSV UTF-8' and upload it again."]
    finally:
        csv.field_size_limit(limit)


def _parse(text: str, *, partnership: Partnership) -> tuple[list[RowResult], list[str]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [], [f"The file has no column for: {', '.join(missing)}. The first line must name the columns."]
    unknown = [h for h in header if h not in COLUMNS]
    file_problems = [f"Columns not used: {', '.join(unknown)}."] if unknown else []
    # By short or full name, in any case: spreadsheets carry either.
    areas = {a.short_name.lower(): a for a in Area.objects.filter(partnership=partnership)}
    areas |= {a.name.lower(): a for a in areas.values()}
    harms = harm_types()
    results = []
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            file_problems.append(f"Only {MAX_ROWS} rows can be imported at once; split the file.")
            break
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        result = RowResult(number=number)
        for name, value in row.items():
            # PostgreSQL cannot store a NUL in text; say so, and where, instead of failing on save.
            if "\x00" in value:
                result.errors.append(f"{name} contains a character that cannot be stored (NUL): remove it")
                row[name] = value.replace("\x00", "")
            if name in MAX_LENGTHS and len(row[name]) > MAX_LENGTHS[name]:
                result.errors.append(
                    f"{name} is longer than {MAX_LENGTHS[name]:,} characters ({len(row[name]):,}): shorten it"
                )
        for name in REQUIRED:
            if not row.get(name):
                result.errors.append(f"{name} is empty")
        details: dict[str, Any] = {"given_names": row.get("given_names", ""), "family_name": row.get("family_name", "")}
        if row.get("date_of_birth"):
            try:
                details["date_of_birth"] = _date(row["date_of_birth"])
            except ValueError:
                result.errors.append(
                    f"date_of_birth '{row['date_of_birth']}' is not a date (use YYYY-MM-DD or DD/MM/YYYY)"
                )
        for name, normalise in (("nhs_number", normalise_nhs_number), ("postcode", normalise_postcode)):
            if row.get(name):
                try:
                    details[name] = normalise(row[name])
                except ValidationError as exc:
                    result.errors.append(f"{name}: {exc.messages[0]}")
        codes = [c.strip() for c in row.get("harm_types", "").split(";") if c.strip()]
        bad = [c for c in codes if c not in harms]
        if bad:
            result.errors.append(
                f"harm_types not in the taxonomy: {', '.join(bad)} (use the codes the import page lists, "
                f"such as {', '.join(sorted(harms)[:3])})"
            )
        if row.get("consent") and row["consent"] not in Consent.values:
            result.errors.append(f"consent must be one of {', '.join(Consent.values)}")
        informed = row.get("family_informed", "").lower()
        if informed and informed not in {"yes", "no"}:
            result.errors.append("family_informed must be yes or no")
        if informed == "no" and not row.get("family_not_informed_reason"):
            result.errors.append("family_not_informed_reason is needed when the family has not been told")
        home = areas.get(row.get("home_area", "").lower()) if row.get("home_area") else None
        found = areas.get(row.get("found_area", "").lower()) if row.get("found_area") else None
        for name, value, area in (
            ("home_area", row.get("home_area"), home),
            ("found_area", row.get("found_area"), found),
        ):
            if value and area is None:
                result.errors.append(f"{name} '{value}' is not an area of the partnership")
        # An unknown area has already said what to fix; one message per problem.
        if not (home or found) and not any("area" in e for e in result.errors):
            result.errors.append("give home_area or found_area")
        result.data = {
            "child_details": details,
            "harm_types": codes,
            "indicators": row.get("indicators", ""),
            "child_says": row.get("child_says", ""),
            "consent": row.get("consent", ""),
            "family_informed": informed == "yes",
            "family_not_informed_reason": row.get("family_not_informed_reason", ""),
            "home_area": home,
            "found_area": found,
            "referrer_contact": row.get("referrer_contact", ""),
        }
        results.append(result)
    if not results and not file_problems:
        file_problems.append("The file has a header but no rows.")
    return results, file_problems


def parse_problems(rows: list[RowResult], file_problems: list[str]) -> list[dict[str, Any]]:
    """A parse's problems as a report by row (row 0: the file as a whole), for keeping with an import."""
    report = [{"row": 0, "problem": problem} for problem in file_problems]
    report += [{"row": r.number, "problem": "; ".join(r.errors)} for r in rows if r.errors]
    return report


@transaction.atomic
def referral_bulk_import(*, actor: Any, rows: list[RowResult]) -> list[Referral]:
    """Import every row, or none: call only when no row has errors."""
    if any(r.errors for r in rows):
        raise ValidationError("Fix the rows with problems first: nothing has been imported.")
    created = []
    for row in rows:
        try:
            draft = referral_draft_save(actor=actor, referral=None, data=row.data)
            created.append(referral_submit(actor=actor, referral=draft))
        except ValidationError as exc:
            # Raised out of the transaction, so every row before this one is undone too.
            raise RowRefusedError(row.number, "; ".join(exc.messages)) from exc
    return created


@transaction.atomic
def referral_import_start(*, actor: Any, agency: Any, file_name: str, content: str, rows: int) -> ReferralImport:
    """Keep a checked file of more than IN_REQUEST_ROWS rows and queue its import; the import, its
    job and the job's task commit together, so the file is never queued without being kept."""
    if rows <= IN_REQUEST_ROWS:
        raise ValidationError(f"Files of up to {IN_REQUEST_ROWS} rows are imported while the referrer waits.")
    imp = ReferralImport(
        referring_agency=agency, started_by=actor, file_name=file_name[:255], content=content, rows=rows
    )
    imp.full_clean()
    imp.save()
    imp.job = job_start(actor=actor, kind=REFERRALS_IMPORT, params={"import": str(imp.uuid)})
    imp.save(update_fields=["job", "updated_at"])
    audit_record(
        actor=actor,
        event="referrals_import.started",
        obj=imp,
        detail={"file": imp.file_name, "rows": rows, "job": str(imp.job.uuid)},
    )
    return imp


@transaction.atomic
def referral_import_begin(*, referral_import: ReferralImport) -> ReferralImport:
    imp = referral_import
    imp.status = ReferralImportStatus.RUNNING
    imp.save(update_fields=["status", "updated_at"])
    return imp


@transaction.atomic
def referral_import_fail(*, referral_import: ReferralImport, problems: list[dict[str, Any]]) -> ReferralImport:
    """Nothing was imported: say why, by row. The file's text stays with the import."""
    imp = referral_import
    imp.status = ReferralImportStatus.FAILED
    imp.problems = problems
    imp.finished_at = timezone.now()
    imp.save(update_fields=["status", "problems", "finished_at", "updated_at"])
    audit_record(
        actor=imp.started_by,
        event="referrals_import.failed",
        obj=imp,
        detail={"file": imp.file_name, "rows": imp.rows, "problem_rows": sorted({p["row"] for p in problems})},
    )
    return imp


@transaction.atomic
def referral_import_run(*, referral_import: ReferralImport, rows: list[RowResult]) -> ReferralImport:
    """Write every row (checked, none with problems) and finish the import in one transaction:
    all the referrals, their audit events and the import's end commit together, or none do."""
    imp = referral_import
    created = referral_bulk_import(actor=imp.started_by, rows=rows)
    imp.status = ReferralImportStatus.FINISHED
    imp.created = len(created)
    imp.content = ""  # the referrals hold what it said
    imp.problems = []
    imp.finished_at = timezone.now()
    imp.save(update_fields=["status", "created", "content", "problems", "finished_at", "updated_at"])
    audit_record(
        actor=imp.started_by,
        event="referrals_import.finished",
        obj=imp,
        detail={"file": imp.file_name, "rows": imp.rows, "created": imp.created},
    )
    return imp
