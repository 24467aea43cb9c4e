"""Writes for imports of agency records. Each record goes through children's agency_record_create,
so it is matched at intake and audited exactly as a record added on the page is.

Rows with problems are skipped and listed; the others are imported. An
agency's extract of thousands of rows with one bad postcode should not wait
for that row, and each row is whole or absent: its record, its child, its
matching and the import's running counts commit in one transaction, so a
worker stopped mid-file leaves every written row counted and resumes after
it (`done`). Sending a fixed file again never duplicates, and never
overwrites: a row whose reference (`local_id`) the agency already holds with
the same details is counted as already imported and unchanged (the fixed
file's good rows are not problems); one whose details differ is listed as a
problem naming them, and the record is left as it is. An import adds
records; changing one is its agency's own edit, with its version check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from joinedup.audit.services import audit_record
from joinedup.children.models import AgencyRecord
from joinedup.children.services import agency_record_create
from joinedup.core.validators import normalise_nhs_number, normalise_postcode, normalise_upn
from joinedup.imports.models import ImportProblem, ImportStatus, RecordImport
from joinedup.imports.reading import ColumnMap, Row, parse_columns_file, read_rows, standard_columns
from joinedup.jobs.services import job_start
from joinedup.linkage.models import CandidatePair, PairStatus
from joinedup.partnership.models import Agency

# Files up to this many rows are imported in the request; larger ones by the worker.
IN_REQUEST_ROWS = 200
RECORDS_IMPORT = "records_import"
PROGRESS_EVERY = 50


@transaction.atomic
def record_import_keep(
    *,
    actor: Any,
    agency: Agency,
    record_import: RecordImport | None,
    file_name: str,
    content: str,
    standard_columns: bool,
    columns_file: str,
) -> RecordImport:
    """Keep a file that was refused, so it can be sent again with a fixed column map without choosing it again."""
    imp = record_import or RecordImport(agency=agency, started_by=actor)
    imp.file_name, imp.content = file_name[:255], content
    imp.standard_columns, imp.columns_file = standard_columns, columns_file
    imp.full_clean()
    imp.save()
    audit_record(actor=actor, event="records_import.kept", obj=imp, detail={"file": imp.file_name})
    return imp


@transaction.atomic
def record_import_start(
    *,
    actor: Any,
    agency: Agency,
    record_import: RecordImport | None,
    file_name: str,
    content: str,
    standard_columns: bool,
    columns_file: str,
    rows: int,
) -> RecordImport:
    """Accept a file that reads; queue a job for it when it is over IN_REQUEST_ROWS rows.

    The caller imports a smaller one in the request with record_import_run.
    """
    imp = record_import or RecordImport(agency=agency, started_by=actor)
    imp.file_name, imp.content, imp.rows = file_name[:255], content, rows
    imp.standard_columns, imp.columns_file = standard_columns, columns_file
    imp.status = ImportStatus.QUEUED
    imp.full_clean()
    imp.save()
    if rows > IN_REQUEST_ROWS:
        imp.job = job_start(actor=actor, kind=RECORDS_IMPORT, params={"import": str(imp.uuid)})
        imp.save(update_fields=["job", "updated_at"])
    audit_record(
        actor=actor,
        event="records_import.started",
        obj=imp,
        detail={"file": imp.file_name, "rows": rows, "in_background": imp.job_id is not None},
    )
    return imp


def column_map_for(imp: RecordImport) -> ColumnMap:
    return standard_columns() if imp.standard_columns else parse_columns_file(imp.columns_file, file_name=imp.file_name)


def record_import_run(
    *, record_import: RecordImport, report: Callable[[str, int | None], None] | None = None, steps: int = 1
) -> RecordImport:
    """Write every row from `done` on, each in its own transaction, then finish (not atomic as a whole)."""
    imp = record_import
    report = report or (lambda message, step: None)
    _set_status(imp, ImportStatus.RUNNING)
    rows = read_rows(
        imp.content, column_map_for(imp), standard=imp.standard_columns, today=timezone.localdate(imp.created_at)
    )
    for row in rows[imp.done :]:
        _import_row(imp, row)
        if imp.done % PROGRESS_EVERY == 0:
            report(
                f"{imp.done:,} of {imp.rows:,} rows: {imp.created:,} created, {imp.problem_rows:,} with problems",
                steps * imp.done // max(imp.rows, 1),
            )
    return record_import_finish(record_import=imp)


def _import_row(imp: RecordImport, row: Row) -> None:
    problems = list(row.problems)
    held = _held_record(imp, row) if not problems else None
    if held is not None:
        differs = _differing_fields(held, row.data)
        if not differs:
            with transaction.atomic():
                _count(imp, unchanged=1)
            return
        problems = [
            (
                "local_id",
                f"Already imported with this reference, but this row's {', '.join(differs)} "
                f"differ{'s' if len(differs) == 1 else ''} from the record: nothing was changed. "
                "An import only adds records; correct the record itself, or check the reference.",
            )
        ]
    if not problems:
        try:
            with transaction.atomic():
                record = agency_record_create(actor=imp.started_by, agency=imp.agency, data=row.data)
                joined = AgencyRecord.objects.filter(child_id=record.child_id).exclude(pk=record.pk).exists()
                waiting = CandidatePair.objects.filter(
                    models.Q(record_a=record) | models.Q(record_b=record),
                    status__in=[PairStatus.PENDING, PairStatus.UNSURE],
                ).exists()
                _count(imp, created=1, matched=int(joined), possible=int(waiting))
                return
        except ValidationError as exc:
            # The row's own transaction is undone: no record, no child, no audit event, no count.
            problems = _service_problems(exc)
    with transaction.atomic():
        ImportProblem.objects.bulk_create(
            [ImportProblem(record_import=imp, row=row.number, column=c[:300], message=m[:1000]) for c, m in problems]
        )
        _count(imp, problem_rows=1)


def _held_record(imp: RecordImport, row: Row) -> AgencyRecord | None:
    """The agency's record with this row's reference, if it holds one (a file sent again)."""
    local_id = str(row.data.get("local_id") or "").strip()
    if not local_id:
        return None
    return AgencyRecord.objects.filter(agency_id=imp.agency_id, local_id=local_id).first()


_CANONICAL = {"nhs_number": normalise_nhs_number, "upn": normalise_upn, "postcode": normalise_postcode}


def _differing_fields(record: AgencyRecord, data: dict[str, Any]) -> list[str]:
    """The columns of a row whose values are not the record's own, compared as the record stores them."""
    differs = []
    for name, value in data.items():
        if isinstance(value, str):
            value = value.strip()
            if value and name in _CANONICAL:
                try:
                    value = _CANONICAL[name](value)
                except ValidationError:
                    pass  # not the stored form, so it differs
        held = getattr(record, name)
        if (value or None) != (held or None):
            differs.append(name)
    return differs


def _service_problems(exc: ValidationError) -> list[tuple[str, str]]:
    if hasattr(exc, "error_dict"):
        return [(name, message) for name, messages in exc.message_dict.items() for message in messages]
    return [("", message) for message in exc.messages]


def _count(imp: RecordImport, **counts: int) -> None:
    imp.done += 1
    for name, n in counts.items():
        setattr(imp, name, getattr(imp, name) + n)
    imp.save(update_fields=["done", *counts, "updated_at"])


@transaction.atomic
def _set_status(imp: RecordImport, status: str) -> None:
    imp.status = status
    imp.save(update_fields=["status", "updated_at"])


@transaction.atomic
def record_import_finish(*, record_import: RecordImport) -> RecordImport:
    """End the import: counts stay, the file's text goes (the records hold what it said)."""
    imp = record_import
    imp.status = ImportStatus.FINISHED
    imp.content = ""
    imp.finished_at = timezone.now()
    imp.save(update_fields=["status", "content", "finished_at", "updated_at"])
    audit_record(
        actor=imp.started_by,
        event="records_import.finished",
        obj=imp,
        detail={
            "file": imp.file_name,
            "rows": imp.rows,
            "created": imp.created,
            "unchanged": imp.unchanged,
            "matched": imp.matched,
            "possible_matches": imp.possible,
            "problem_rows": imp.problem_rows,
        },
    )
    return imp


def import_summary(imp: RecordImport) -> str:
    """What the import made, in words."""

    def n(count: int, one: str, many: str) -> str:
        return f"{count:,} {one if count == 1 else many}"

    words = f"Created {n(imp.created, 'record', 'records')} from {n(imp.rows, 'row', 'rows')} of {imp.file_name}"
    words += f": {n(imp.matched, 'was', 'were')} joined to a child already known"
    words += f", {n(imp.possible, 'has', 'have')} possible matches waiting for review."
    if imp.unchanged:
        was = "was" if imp.unchanged == 1 else "were"
        words += f" {n(imp.unchanged, 'row', 'rows')} {was} already imported and unchanged."
    if imp.problem_rows:
        was = "was" if imp.problem_rows == 1 else "were"
        words += f" {n(imp.problem_rows, 'row has', 'rows have')} problems and {was} not imported."
    else:
        words += " No row had a problem."
    return words
