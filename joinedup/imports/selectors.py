"""Reads of imports: each opening of an import's problem rows is audited (they quote the file)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db import transaction

from joinedup.audit.services import audit_record
from joinedup.imports.access import record_import_get_for_user
from joinedup.imports.models import ImportProblem, RecordImport

SHOWN_PROBLEMS = 100


@transaction.atomic
def record_import_view(*, user: Any, import_uuid: UUID | str) -> tuple[RecordImport, list[ImportProblem]]:
    """An import into the user's agency and its first problem rows; audited."""
    imp = record_import_get_for_user(user=user, import_uuid=import_uuid)
    problems = list(imp.problems.all()[:SHOWN_PROBLEMS])
    audit_record(actor=user, event="records_import.viewed", obj=imp, detail={"problems_shown": len(problems)})
    return imp, problems


@transaction.atomic
def record_import_problems(*, user: Any, import_uuid: UUID | str) -> tuple[RecordImport, list[ImportProblem]]:
    """Every problem row of an import, for the download; audited as an export."""
    imp = record_import_get_for_user(user=user, import_uuid=import_uuid)
    problems = list(imp.problems.all())
    audit_record(actor=user, event="records_import.problems_exported", obj=imp, detail={"problems": len(problems)})
    return imp, problems
